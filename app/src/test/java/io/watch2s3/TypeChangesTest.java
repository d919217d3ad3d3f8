package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A path that changes type (file ↔ directory, file ↔ symlink, directory → symlink), as a `git checkout` between
 * branches does, ends with exactly the objects the tree holds: seen live by the watcher, found by a rescan with the
 * watcher stopped, and found by the catch-up scan at the next start.
 */
class TypeChangesTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);
    private static final Map<String, String> DELETES_ON = Map.of("sync.deletes", "true");

    /** Branch one: what each path is before the change. */
    private void branchOne() throws Exception {
        write(tree, "docs/api", "api as one file");                   // becomes a directory
        for (int i = 0; i < 5; i++) {
            write(tree, "guide/v" + i + ".md", "guide page " + i);    // the directory becomes a file
        }
        write(tree, "link.txt", "a file that becomes a symlink");
        write(tree, "target.txt", "the symlink's target");
        Files.createSymbolicLink(tree.resolve("was-link.txt"), tree.resolve("target.txt"));  // becomes a file
        write(tree, "secrets/a.txt", "a directory replaced by a symlink to /etc");
        write(tree, "stays.txt", "untouched");
    }

    /** Branch two: every path of branch one changed type. */
    private void checkOutBranchTwo() throws Exception {
        Files.delete(tree.resolve("docs/api"));
        for (int i = 0; i < 5; i++) {
            write(tree, "docs/api/v" + i + ".md", "api page " + i);
        }
        TreeFiles.deleteTree(tree.resolve("guide"));
        write(tree, "guide", "the guide as one file");
        Files.delete(tree.resolve("link.txt"));
        Files.createSymbolicLink(tree.resolve("link.txt"), tree.resolve("target.txt"));
        Files.delete(tree.resolve("was-link.txt"));
        write(tree, "was-link.txt", "now a file");
        TreeFiles.deleteTree(tree.resolve("secrets"));
        Files.createSymbolicLink(tree.resolve("secrets"), Path.of("/etc"));
    }

    private void awaitBucketEqualsTree() {
        await().atMost(LONG).pollInterval(Duration.ofMillis(500))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
    }

    private void awaitBranchTwoInTheBucket() {
        awaitBucketEqualsTree();
        assertEquals(9, s3.keys(bucket).size(), "docs/api/v0-4, guide, target, was-link, stays: " + s3.keys(bucket));
        assertFalse(s3.keys(bucket).stream().anyMatch(k -> k.startsWith("secrets/")), "nothing from /etc");
    }

    @Test
    void typeChangesSeenLiveEndWithExactlyTheTreesObjects() throws Exception {
        branchOne();
        try (TestApp app = start(DELETES_ON)) {
            awaitBucketEqualsTree();
            checkOutBranchTwo();
            awaitBranchTwoInTheBucket();
        }
    }

    @Test
    void typeChangesFoundByARescanEndWithExactlyTheTreesObjects() throws Exception {
        branchOne();
        try (TestApp app = start(DELETES_ON)) {
            awaitBucketEqualsTree();
            app.stopWatching();
            checkOutBranchTwo();
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            scan.request("the test changed the tree with the watcher stopped");
            awaitBranchTwoInTheBucket();
        }
    }

    @Test
    void typeChangesMadeWhileStoppedEndWithExactlyTheTreesObjectsAfterARestart() throws Exception {
        branchOne();
        try (TestApp app = start(DELETES_ON)) {
            awaitBucketEqualsTree();
        }
        checkOutBranchTwo();
        try (TestApp app = start(DELETES_ON)) {
            awaitBranchTwoInTheBucket();
        }
    }
}
