package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.SmallDisk;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A file system mounted or unmounted below watch.dir (an uploads volume, a bind mount of shared assets) makes no
 * inotify event: the watcher went on watching the directory the mount hid, or the one it left, and the files that
 * appeared or vanished with it were synced only by the next periodic scan, an hour later (outside probe). The watcher
 * now starts again on what is there, and a scan syncs the difference.
 */
class MountsBelowTheTreeTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);

    private void awaitBucketEqualsTree() {
        await().atMost(LONG).pollInterval(Duration.ofMillis(500))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
    }

    @Test
    void aFileSystemMountedOrUnmountedBelowTheTreeIsWatchedAndItsFilesSyncedBothWays() throws Exception {
        write(tree, "media/hidden-by-the-mount.txt", "on the tree's own file system");
        write(tree, "index.html", "home");
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of("sync.deletes", "true"))) {
            awaitBucketEqualsTree();
            try (SmallDisk volume = SmallDisk.mount(tree.resolve("media"), "8m")) {
                write(tree, "media/photo.jpg", "on the mounted file system");
                awaitBucketEqualsTree(); // photo.jpg there, the hidden file's object gone (deletes on)
                write(tree, "media/later/thumb.jpg", "written once the mounted file system is watched");
                awaitBucketEqualsTree();
            }
            // unmounted: its files are gone from the tree, the hidden one is back
            awaitBucketEqualsTree();
            assertTrue(s3.exists(bucket, "media/hidden-by-the-mount.txt"));
            write(tree, "media/after.txt", "written into the directory the mount left");
            awaitBucketEqualsTree();
            assertTrue(log.lines(Level.WARN, "WatcherCheck").stream().anyMatch(l -> l.contains("was mounted on")),
                    log.atLeast(Level.WARN).toString());
            assertTrue(log.lines(Level.WARN, "WatcherCheck").stream().anyMatch(l -> l.contains("was unmounted")),
                    log.atLeast(Level.WARN).toString());
        }
    }
}
