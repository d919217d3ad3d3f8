package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The usual deploy layout: watch.dir is a symlink, current -> releases/N, and a release is switched by re-pointing it
 * atomically. watch2s3 watches where it points, and a switch is the tree changing (synced, with the delete guard),
 * not the tree going away.
 */
class SymlinkedRootTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);

    private void awaitBucketEquals(Path release) {
        await().atMost(LONG).pollInterval(Duration.ofMillis(500))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(release)));
    }

    @Test
    void aSymlinkedWatchDirIsWatchedAndASwitchOfReleasesSyncsTheNewTree() throws Exception {
        Path r1 = dir.resolve("releases/r1");
        Path r2 = dir.resolve("releases/r2");
        write(r1, "index.html", "v1");
        write(r1, "old.html", "only in r1");
        Path current = Files.createSymbolicLink(dir.resolve("current"), r1);
        Map<String, String> s = settings(Map.of("sync.deletes", "true"));
        s.put("watch.dir", current.toString());
        try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(s)) {
            awaitBucketEquals(r1);
            write(current, "live.txt", "written through the symlink");
            awaitBucketEquals(r1);

            write(r2, "index.html", "v2");
            write(r2, "new/page.html", "only in r2");
            Path next = Files.createSymbolicLink(dir.resolve("current.next"), r2);
            Files.move(next, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            awaitBucketEquals(r2);

            write(current, "after.txt", "a change in the new release");
            awaitBucketEquals(r2);
            assertEquals(List.of(), log.lines(Level.ERROR, "WatcherCheck"), "a switch is not an error");
        }
    }
}
