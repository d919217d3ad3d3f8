package io.watch2s3;

import static io.watch2s3.support.Files2.paced;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.support.AccessLogEntry;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.S3TestServer;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Nothing is lost: watcher overflow and death, directory moves, partial writes, a vanished watch.dir with deletes on
 * (S3 outages, kill -9 and SIGTERM: {@link NothingLostAcrossOutagesAndCrashesTest}; a kernel queue overflow:
 * {@link io.watch2s3.health.InotifyLimitsTest}). Each test checks the final bucket content, not only the absence of errors.
 */
class NothingLostTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(5);


    private boolean hasContent(S3TestServer server, String key, String content) {
        return server.exists(bucket, key) && server.getText(bucket, key).equals(content);
    }

    @Test
    void aBurstThatOverflowsTheWatcherStillEndsWithEveryFileInS3() throws Exception {
        Map<String, String> burst = TreeFiles.numbered("burst", 5000); // ten times the 512 pending events of a JDK 17 watch key
        try (TestApp app = TestApp.start(settings(Map.of()))) {
            TreeFiles.writeAll(tree, burst);
            awaitObjects(s3, burst);
            assertEquals(5000, s3.keys(bucket).size());
        }
    }

    @Test
    void theWatchedRootRemovedAndRecreatedIsWatchedAgainWithoutARestart() throws Exception {
        try (TestApp app = TestApp.start(settings(Map.of()))) {
            write(tree, "before.txt", "before");
            await().atMost(LONG).until(() -> hasContent(s3, "before.txt", "before"));
            TreeFiles.deleteTree(tree);
            Files.createDirectories(tree);
            write(tree, "after/one.txt", "one");
            write(tree, "two.txt", "two");
            await().atMost(LONG).until(() -> hasContent(s3, "after/one.txt", "one") && hasContent(s3, "two.txt", "two"));
            write(tree, "three.txt", "three, seen by the new watcher");
            await().atMost(LONG).until(() -> hasContent(s3, "three.txt", "three, seen by the new watcher"));
        }
    }

    @Test
    void aDirectoryMovedInUploadsEveryFileAndMovedOutDeletesEveryObject() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Map<String, String> moved = TreeFiles.numbered("d", 150);
        moved.putAll(TreeFiles.numbered("d/sub", 50));
        TreeFiles.writeAll(outside, moved);
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true")))) {
            // siblings that sort between "d" and "d/" once made the watcher drop the subtree's DELETEs
            write(tree, "d.txt", "sibling");
            write(tree, "d-backup/x.txt", "sibling dir");
            Files.move(outside.resolve("d"), tree.resolve("d"));
            awaitObjects(s3, moved);

            Files.move(tree.resolve("d"), dir.resolve("moved-away"));
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1))
                    .until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("d/")));
            assertEquals(Set.of("d.txt", "d-backup/x.txt"), new HashSet<>(s3.keys(bucket)));
            await().atMost(LONG).until(() -> app.counters().getDeleted() >= 200); // counted just after S3 confirmed
            assertEquals(200, app.counters().getDeleted());
        }
    }

    @Test
    void aDirectoryRenamedInsideTheTreeMovesItsKeys() throws Exception {
        Map<String, String> old = TreeFiles.numbered("old-name", 20);
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true")))) {
            TreeFiles.writeAll(tree, old);
            awaitObjects(s3, old);
            Files.move(tree.resolve("old-name"), tree.resolve("new-name"));
            Map<String, String> renamed = TreeFiles.numbered("new-name", 20);
            renamed.replaceAll((k, v) -> old.get(k.replace("new-name", "old-name")));
            awaitObjects(s3, renamed);
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("old-name/")));
        }
    }

    @Test
    void aDirectoryReplacedByRenamingAnotherOntoItKeepsOnlyTheNewFiles() throws Exception {
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true")))) {
            write(tree, "site/only-old.html", "old page");
            write(tree, "site/both.html", "old version");
            write(tree, "site/sub/deep-old.html", "old, deeper");
            awaitObjects(s3, Map.of("site/only-old.html", "old page", "site/sub/deep-old.html", "old, deeper"));
            write(tree, "site.new/both.html", "new version");
            write(tree, "site.new/only-new.html", "new page");
            awaitObjects(s3, Map.of("site.new/only-new.html", "new page"));
            // the deploy: the old tree out of the way, the new one in its place
            Files.move(tree.resolve("site"), tree.resolve("site.old"));
            Files.move(tree.resolve("site.new"), tree.resolve("site"));
            await().atMost(LONG).until(() -> TreeFiles.of(tree).equals(TreeFiles.bucket(s3, bucket)));
            assertEquals("new version", s3.getText(bucket, "site/both.html"));
            assertEquals(0, app.counters().getDeletesHeld());
        }
    }

    @Test
    void aFileWrittenSlowlyInStepsEndsByteIdentical() throws Exception {
        Path file = tree.resolve("slow.bin");
        Random random = new Random(42);
        try (TestApp app = TestApp.start(settings(Map.of()));
                OutputStream out = Files.newOutputStream(file)) {
            byte[] chunk = new byte[1 << 20];
            paced(50, 200, i -> { // 50 MB in 1 MB steps over ~10 s
                random.nextBytes(chunk);
                out.write(chunk);
                out.flush();
            });
            out.close();
            String expected = sha256(Files.readAllBytes(file));
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1)).until(() -> s3.exists(bucket, "slow.bin")
                    && sha256(s3.get(bucket, "slow.bin")).equals(expected));
        }
    }

    @Test
    void twoVersionsOfALargeFileInQuickSuccessionEndWithTheSecond() throws Exception {
        Path file = tree.resolve("big.bin");
        byte[] first = new byte[30 << 20];
        byte[] second = new byte[30 << 20];
        new Random(1).nextBytes(first);
        new Random(2).nextBytes(second);
        try (TestApp app = TestApp.start(settings(Map.of()))) {
            Files.write(file, first);
            Files.write(file, second, StandardOpenOption.TRUNCATE_EXISTING);
            String expected = sha256(second);
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1)).until(() -> s3.exists(bucket, "big.bin")
                    && sha256(s3.get(bucket, "big.bin")).equals(expected));
        }
    }

    @Test
    void withDeletesOnAWatchDirRenamedAwayDeletesNothing() throws Exception {
        Map<String, String> kept = TreeFiles.numbered("site", 20);
        TreeFiles.writeAll(tree, kept);
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true", "sync.rescan-interval", "1s")))) {
            awaitObjects(s3, kept);
            Files.move(tree, dir.resolve("tree-renamed-away"));
            // give the watcher check and several periodic scans the chance to do the wrong thing
            long scans = s3.requests(bucket).size();
            await().pollDelay(Duration.ofSeconds(6)).atMost(LONG).until(() -> s3.requests(bucket).size() >= scans);
            assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
            assertEquals(kept.keySet(), new HashSet<>(s3.keys(bucket)));
        }
    }

    @Test
    void withDeletesOnAnUnmountedWatchDirDeletesNothing() throws Exception {
        Path mountpoint = Files.createDirectories(dir.resolve("mnt"));
        assumeTrue(run("mount", "-t", "tmpfs", "tmpfs", mountpoint.toString()) == 0, "needs mount (root)");
        try {
            Map<String, String> kept = TreeFiles.numbered("site", 20);
            TreeFiles.writeAll(mountpoint, kept);
            Map<String, String> s = settings(Map.of("sync.deletes", "true", "sync.rescan-interval", "1s"));
            s.put("watch.dir", mountpoint.toString());
            try (TestApp app = TestApp.start(s)) {
                awaitObjects(s3, kept);
                assertEquals(0, run("umount", "-l", mountpoint.toString()));
                await().atMost(LONG).until(() -> app.counters().getDeletesHeld() >= 20);
                assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
                assertEquals(kept.keySet(), new HashSet<>(s3.keys(bucket)));
            }
        } finally {
            run("umount", "-l", mountpoint.toString());
        }
    }

    /**
     * A bind-mounted watch.dir unmounted: the directory left behind is on the same file system (same device number),
     * which the guard took for the same tree, and an outside probe saw every object deleted. The mount that holds
     * watch.dir tells: nothing is deleted, files written meanwhile are still uploaded, and mounted again, the tree is
     * whole in S3.
     */
    @Test
    void withDeletesOnAnUnmountedBindMountDeletesNothing() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path mountpoint = Files.createDirectories(dir.resolve("site"));
        Map<String, String> kept = TreeFiles.numbered("page", 20);
        TreeFiles.writeAll(volume, kept);
        assumeTrue(run("mount", "--bind", volume.toString(), mountpoint.toString()) == 0, "needs mount (root)");
        try {
            Map<String, String> s = settings(Map.of("sync.deletes", "true", "sync.rescan-interval", "1s"));
            s.put("watch.dir", mountpoint.toString());
            try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(s)) {
                awaitObjects(s3, kept);
                assertEquals(0, run("umount", mountpoint.toString()));
                write(mountpoint, "written-while-unmounted.txt", "into the directory the mount left");
                await().atMost(LONG).until(() -> s3.exists(bucket, "written-while-unmounted.txt")
                        && app.counters().getDeletesHeld() >= 20);
                assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
                assertEquals(0, run("mount", "--bind", volume.toString(), mountpoint.toString()));
                write(mountpoint, "later.txt", "after the mount is back");
                await().atMost(LONG).until(() -> s3.exists(bucket, "later.txt"));
                Set<String> expected = new HashSet<>(kept.keySet());
                expected.addAll(List.of("written-while-unmounted.txt", "later.txt"));
                assertEquals(expected, new HashSet<>(s3.keys(bucket)));
                assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
                assertTrue(log.lines(Level.ERROR, "DeleteGuard").stream().anyMatch(l -> l.contains("NOT deleting")),
                        log.atLeast(Level.ERROR).toString());
            }
        } finally {
            run("umount", "-l", mountpoint.toString());
        }
    }

    /**
     * A bind-mounted watch.dir unmounted while watch2s3 was stopped, then --once runs (a cron job, a restart): the
     * directory under the mount is empty, and every object was deleted (outside probe). The state keeps the file system
     * watch.dir was on; on another one nothing is deleted, and an empty directory where it was is never taken for the
     * tree, run after run. Mounted again, the runs go on as before.
     */
    @Test
    void withDeletesOnOnceRunsOnAnUnmountedBindMountDeleteNothing() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Path mountpoint = Files.createDirectories(dir.resolve("site"));
        Map<String, String> kept = TreeFiles.numbered("page", 20);
        TreeFiles.writeAll(volume, kept);
        assumeTrue(run("mount", "--bind", volume.toString(), mountpoint.toString()) == 0, "needs mount (root)");
        try {
            Map<String, String> s = settings(Map.of("sync.deletes", "true", "sync.once", "true"));
            s.put("watch.dir", mountpoint.toString());
            try (TestApp app = TestApp.start(s)) {
                assertTrue(app.awaitOnceDone());
            }
            awaitObjects(s3, kept);
            assertEquals(0, run("umount", mountpoint.toString()));
            for (int i = 0; i < 2; i++) {
                try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(s)) {
                    assertFalse(app.awaitOnceDone(), "deletes were held");
                    assertEquals(20, app.counters().getDeletesHeld(), app.counters().toString());
                    assertTrue(log.lines(Level.ERROR, "DeleteGuard").stream().anyMatch(l -> l.contains(
                            "on another file system than when watch2s3 last ran")), log.atLeast(Level.ERROR).toString());
                }
            }
            assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
            assertEquals(0, run("mount", "--bind", volume.toString(), mountpoint.toString()));
            Files.delete(volume.resolve(kept.keySet().iterator().next()));
            try (TestApp app = TestApp.start(s)) {
                assertTrue(app.awaitOnceDone());
                assertEquals(1, app.counters().getDeleted(), "the file deleted on the volume: its object goes");
            }
            assertEquals(19, s3.keys(bucket).size());
        } finally {
            run("umount", "-l", mountpoint.toString());
        }
    }

    /**
     * A tmpfs watch.dir unmounted and a new, empty one mounted in its place: the kernel gives it the old one's device
     * number and mount id again, and an outside probe saw every object deleted. Once watch.dir was seen unmounted (the
     * watcher check looks every 2 s), deletes stay held until the restart.
     */
    @Test
    void withDeletesOnAWatchDirUnmountedAndReplacedByAnEmptyFileSystemDeletesNothing() throws Exception {
        Path mountpoint = Files.createDirectories(dir.resolve("mnt"));
        assumeTrue(run("mount", "-t", "tmpfs", "tmpfs", mountpoint.toString()) == 0, "needs mount (root)");
        try {
            Map<String, String> kept = TreeFiles.numbered("site", 20);
            TreeFiles.writeAll(mountpoint, kept);
            Map<String, String> s = settings(Map.of("sync.deletes", "true", "sync.rescan-interval", "1s"));
            s.put("watch.dir", mountpoint.toString());
            try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(s)) {
                awaitObjects(s3, kept);
                assertEquals(0, run("umount", mountpoint.toString()));
                await().atMost(LONG).until(() -> log.lines(Level.ERROR, "DeleteGuard").stream()
                        .anyMatch(l -> l.contains("is no longer on the file system")));
                assertEquals(0, run("mount", "-t", "tmpfs", "tmpfs", mountpoint.toString()));
                write(mountpoint, "new.txt", "on the new file system");
                await().atMost(LONG).until(() -> s3.exists(bucket, "new.txt") && app.counters().getDeletesHeld() >= 20);
                assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete), "no DELETE request");
                Set<String> expected = new HashSet<>(kept.keySet());
                expected.add("new.txt");
                assertEquals(expected, new HashSet<>(s3.keys(bucket)));
            }
        } finally {
            run("umount", "-l", mountpoint.toString());
            run("umount", "-l", mountpoint.toString());
        }
    }

    @Test
    void moreDeletesThanTheLimitInOneBatchDeleteNone() throws Exception {
        Map<String, String> twenty = TreeFiles.numbered("many", 20);
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true", "sync.max-deletes", "10")))) {
            TreeFiles.writeAll(tree, twenty);
            write(tree, "stays.txt", "stays");
            awaitObjects(s3, twenty);
            TreeFiles.deleteTree(tree.resolve("many"));
            await().atMost(LONG).until(() -> app.counters().getDeletesHeld() == 20);
            assertEquals(21, s3.keys(bucket).size());
            assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete));
        }
    }

    /**
     * A batch's few last paths may go ahead of it (a fix made just after a deploy), but not its deletes: the guard
     * still judges a batch's deletes all at once, here 150 and, after a pause, one more, in one batch.
     */
    @Test
    void aDeleteAfterAPauseIsJudgedWithTheDeletesOfItsBatch() throws Exception {
        Map<String, String> many = TreeFiles.numbered("many", 150);
        try (TestApp app = TestApp.start(settings(Map.of("sync.deletes", "true", "sync.max-deletes", "150",
                "sync.quiet-period", "4s")))) {
            TreeFiles.writeAll(tree, many);
            write(tree, "last.txt", "deleted a moment after the others");
            awaitObjects(s3, many);
            await().atMost(LONG).until(() -> s3.exists(bucket, "last.txt") && app.counters().getBacklogGauge() == 0.0);
            LatestChangePerPath batches = app.bean("latestChangePerPath", LatestChangePerPath.class);
            for (String path : many.keySet()) {
                Files.delete(tree.resolve(path));
            }
            await().atMost(LONG).until(() -> batches.getOpenPaths() >= 150);
            Thread.sleep(1_500);        // more than a fifth of the quiet period: last.txt comes after the batch's pause
            Files.delete(tree.resolve("last.txt"));
            await().atMost(LONG).until(() -> app.counters().getDeletesHeld() == 151);
            assertEquals(151, s3.keys(bucket).size());
            assertFalse(s3.requests(bucket).stream().anyMatch(AccessLogEntry::isDelete));
            write(tree, "after.txt", "the next change still arrives");
            await().atMost(LONG).until(() -> hasContent(s3, "after.txt", "the next change still arrives"));
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
