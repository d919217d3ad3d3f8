package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whoever can write into watch.dir can swap a symlink in at any component of a path at any moment — a directory
 * replaced by a link to /etc while its files are being hashed or sent, a file replaced by a link to a secret. No
 * byte from outside the tree may reach S3: the test races such swaps against live uploads and periodic scans many
 * times and watches every request body on its way to S3 for the secret.
 */
class TreeEscapeTest extends S3TestBase {

    private static final String SECRET = "SECRET-MARKER-not-in-the-tree";

    @Test
    void symlinksSwappedInAtAnyMomentNeverLeadAReadOutOfTheTree() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside/etc"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(outside.resolve("f" + i + ".txt"), SECRET + " " + i);
        }
        Path secretFile = Files.writeString(dir.resolve("outside/secret.txt"), SECRET);
        for (int i = 0; i < 20; i++) {
            write(tree, "y/f" + i + ".txt", "decoy " + i); // same names as the files outside
        }
        write(tree, "plain.txt", "inside");
        try (FaultyS3Proxy proxy = FaultyS3Proxy.start(s3.url())) {
            proxy.watchFor(SECRET);
            Map<String, String> s = settings(Map.of("sync.quiet-period", "100ms", "sync.max-delay", "500ms",
                    "sync.rescan-interval", "1s", "sync.deletes", "true", "sync.parallelism", "4"));
            s.put("s3.endpoint", proxy.url());
            try (TestApp app = TestApp.start(s)) {
                await().atMost(Duration.ofMinutes(2)).until(() -> s3.keys(bucket).size() == 21);
                Random random = new Random(11);
                Path y = tree.resolve("y");
                Path yOld = tree.resolve("y.old");
                Path plain = tree.resolve("plain.txt");
                Path plainOld = tree.resolve("plain.old");
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                int swaps = 0;
                while (System.nanoTime() < until) {
                    // new content, so that the files are hashed and sent again, with the swaps in between
                    write(tree, "y/f" + random.nextInt(20) + ".txt", "decoy changed " + swaps);
                    write(tree, "plain.txt", "inside " + swaps);
                    Thread.sleep(random.nextInt(30));
                    Files.move(y, yOld);
                    Files.createSymbolicLink(y, outside);        // a directory of the path leads out
                    Files.move(plain, plainOld);
                    Files.createSymbolicLink(plain, secretFile); // the file itself leads out
                    Thread.sleep(random.nextInt(30));
                    Files.delete(y);
                    Files.move(yOld, y);
                    Files.delete(plain);
                    Files.move(plainOld, plain);
                    swaps++;
                }
                assertTrue(swaps > 100, "raced " + swaps + " times");
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
            }
            assertEquals(0, proxy.sightings(), "a request carried bytes from outside watch.dir");
            assertFalse(TreeFiles.bucket(s3, bucket).values().stream().anyMatch(v -> v.contains(SECRET)));
        }
    }
}
