package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.tree.FileStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two directories swapped (mv a tmp; mv b a; mv tmp b), whose files have the same size, mtime and ctime: written
 * within one clock tick, or on a file system of whole seconds. A rename keeps a file's ctime, so each file passed for
 * the row of the other name, and S3 kept the old content under both, watching and across a restart alike (outside
 * probe, judged by rclone check). The inode in the row tells them apart.
 */
class SwappedDirectoriesTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);
    private static final FileTime SAME_MTIME = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));

    /** a/page.txt and b/page.txt of one size, one mtime and one ctime (tried again until the clock allows). */
    private void writeTwins() throws Exception {
        Files.createDirectories(tree.resolve("a"));
        Files.createDirectories(tree.resolve("b"));
        for (int attempt = 0; attempt < 200; attempt++) {
            Path a = Files.writeString(tree.resolve("a/page.txt"), "release A");
            Path b = Files.writeString(tree.resolve("b/page.txt"), "release B");
            Files.setLastModifiedTime(a, SAME_MTIME);
            Files.setLastModifiedTime(b, SAME_MTIME);
            FileStat sa = FileStat.of(a);
            FileStat sb = FileStat.of(b);
            if (sa.ctimeNanos() == sb.ctimeNanos() && sa.mtimeNanos() == sb.mtimeNanos()) {
                return;
            }
        }
        throw new AssertionError("could not write two files within one clock tick");
    }

    private void swap() throws Exception {
        Files.move(tree.resolve("a"), tree.resolve("tmp"));
        Files.move(tree.resolve("b"), tree.resolve("a"));
        Files.move(tree.resolve("tmp"), tree.resolve("b"));
    }

    private void awaitInS3(String a, String b) {
        await().atMost(LONG).pollInterval(Duration.ofMillis(300)).until(() -> s3.exists(bucket, "a/page.txt")
                && s3.exists(bucket, "b/page.txt") && s3.getText(bucket, "a/page.txt").equals(a)
                && s3.getText(bucket, "b/page.txt").equals(b));
    }

    @Test
    void directoriesSwappedWhileWatchingOrWhileStoppedEndWithTheirNewContentInS3() throws Exception {
        writeTwins();
        try (TestApp app = start(Map.of("sync.deletes", "true"))) {
            awaitInS3("release A", "release B");
            swap();
            awaitInS3("release B", "release A");
        }
        swap(); // while stopped: the restart's scan compares the tree with the state
        try (TestApp app = start(Map.of("sync.deletes", "true"))) {
            awaitInS3("release A", "release B");
            assertTrue(app.counters().getUploaded() >= 2, app.counters().toString());
        }
    }
}
