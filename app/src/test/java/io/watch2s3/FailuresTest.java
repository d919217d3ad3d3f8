package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.change.FilePlan;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.JarTest;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.FaultyS3Proxy.Request;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import io.watch2s3.support.UnreadableFile;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;

/**
 * Every error branch, produced for real — an unreadable file, a file that vanishes, S3 answering 4xx or 5xx,
 * dropping or stalling the connection, refusing the bucket, a step that throws like a bug — and after each one a
 * later change still arrives and the counters say what happened. S3 is reached through a proxy that injects the
 * faults (FaultyS3Proxy) in front of the real S3 server.
 */
class FailuresTest extends ProxiedS3TestBase {

    @Test
    void aFileS3RefusesForGoodIsLoggedCountedNotSentAgainUntilItChangesAndTheOthersGoOn() throws Exception {
        var refusal = proxy.when(r -> r.isPut() && r.key().equals("refused.txt")).respond(400, "InvalidArgument");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            // moved in whole: the start's catch-up scan and the watcher both see it, and both must see these bytes
            Path outside = Files.writeString(dir.resolve("refused.txt"), "S3 will never take this");
            Files.move(outside, tree.resolve("refused.txt"), StandardCopyOption.ATOMIC_MOVE);
            write(tree, "fine.txt", "fine");
            awaitObject("fine.txt", "fine");
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.REFUSED_BY_S3) >= 1);
            assertFalse(s3.exists(bucket, "refused.txt"));
            await().atMost(LONG).until(() -> putsOf("refused.txt") >= 1); // the proxy records an answered request
            aLaterChangeStillArrives();
            awaitIdle(app);
            assertEquals(1, putsOf("refused.txt"), "a 400 is not retried, not even when scan and watcher both see it");
            assertTrue(log.lines(Level.WARN, "sync").stream()
                    .anyMatch(l -> l.contains("refused.txt") && l.contains("HTTP 400 InvalidArgument")), log.atLeast(Level.WARN).toString());
            assertEquals(1, app.counters().getFailed(), app.counters().toString());

            // the same bytes again (touched): not sent, not counted again
            Files.setLastModifiedTime(tree.resolve("refused.txt"), FileTime.from(Instant.now().plusSeconds(10)));
            write(tree, "after-touch.txt", "in the touch's batch");
            awaitObject("after-touch.txt", "in the touch's batch");
            awaitIdle(app);
            assertEquals(1, putsOf("refused.txt"), "the content S3 refused is not sent again");
            assertEquals(1, app.counters().getFailed(), app.counters().toString());

            // new bytes are: S3 takes them now
            refusal.remove();
            write(tree, "refused.txt", "fixed");
            awaitObject("refused.txt", "fixed");
            assertEquals(2, putsOf("refused.txt"));
        }
    }

    /**
     * Every planned file of the batches so far is done, the failed ones too: a failed file once stayed in the
     * backlog for good, and the backlog health check went DOWN after sync.stall-timeout.
     */
    private static void awaitIdle(TestApp app) {
        await().atMost(LONG).until(() -> app.counters().getBacklog() == 0 && app.counters().getInFlight() == 0);
    }

    @Test
    void aStopWhileAFileWaitsForItsNextTryLeavesItToTheNextStartQuietly() throws Exception {
        var busy = proxy.when(r -> r.isPut() && r.key().equals("busy.txt")).respond(503, "SlowDown");
        try (LogCapture log = new LogCapture()) {
            try (TestApp app = startThroughProxy(Map.of())) {
                write(tree, "busy.txt", "sent after the restart");
                // the first tries failed; the next ones wait 2, 4, 8 s: stop meanwhile
                await().atMost(LONG).until(() -> putsOf("busy.txt") >= 2);
            }
            assertTrue(log.lines(Level.WARN, "S3Health").stream()
                    .anyMatch(l -> l.startsWith("S3 request failed for busy.txt: HTTP 503 SlowDown")),
                    log.atLeast(Level.WARN).toString());
            assertEquals(List.of(), log.atLeast(Level.ERROR), "a stop is no error");
            assertTrue(log.lines(Level.INFO, "sync").stream().anyMatch(l -> l.contains("busy.txt")
                    && l.contains("next start")), log.atLeast(Level.INFO).toString());
            assertFalse(log.atLeast(Level.WARN).stream().anyMatch(l -> l.contains("internal-error")),
                    log.atLeast(Level.WARN).toString());
        }
        busy.remove();
        try (TestApp app = startThroughProxy(Map.of())) {
            awaitObject("busy.txt", "sent after the restart");
        }
    }

    @Test
    void onceWithS3DownSaysItDoesNotWaitEndsNotAllSyncedAndTheNextRunSyncs() throws Exception {
        var down = proxy.when(Request::isPut).respond(503, "SlowDown");
        write(tree, "a.txt", "sent by the next run");
        Map<String, String> once = Map.of("sync.once", "true", "sync.max-retries", "0");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(once)) {
            assertFalse(app.awaitOnceDone(), "not everything was synced");
            List<String> errors = log.lines(Level.ERROR, "S3Health");
            assertTrue(errors.stream().anyMatch(l -> l.contains("S3 is not answering")
                    && l.contains("This run (--once) does not wait for it")), log.atLeast(Level.WARN).toString());
            assertFalse(errors.stream().anyMatch(l -> l.contains("Trying one request")), errors.toString());
        }
        down.remove();
        try (TestApp app = startThroughProxy(once)) {
            assertTrue(app.awaitOnceDone());
            assertEquals("sent by the next run", s3.getText(bucket, "a.txt"));
        }
    }

    @Test
    void fiveHundredsDroppedConnectionsAndTimeoutsAreRetriedAndPassLater() throws Exception {
        proxy.when(r -> r.isPut() && r.key().equals("busy.txt")).times(2).respond(503, "SlowDown");
        proxy.when(r -> r.isPut() && r.key().equals("error.txt")).times(2).respond(500, "InternalError");
        proxy.when(r -> r.isPut() && r.key().equals("dropped.txt")).times(2).dropConnection();
        proxy.when(r -> r.isPut() && r.key().equals("slow.txt")).times(1).delay(Duration.ofSeconds(4));
        try (TestApp app = startThroughProxy(Map.of("s3.request-timeout", "1s"))) {
            // one at a time: several files failing at once would (rightly) make S3 count as down, see the next test
            for (String name : List.of("busy.txt", "error.txt", "dropped.txt", "slow.txt")) {
                write(tree, name, "content of " + name);
                awaitObject(name, "content of " + name);
            }
            await().atMost(LONG).until(() -> putsOf("busy.txt") == 3 && putsOf("dropped.txt") == 3);
            // the proxy records a request when it is done, and the one that timed out is done 4 s after it came
            await().atMost(LONG).until(() -> putsOf("slow.txt") == 2);
            assertEquals(0, app.counters().getFailed(), "retried, never given up: " + app.counters());
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    @Test
    void whileS3AnswersOnly5xxFilesWaitWithoutHammeringItAndArriveByThemselvesWhenItRecovers() throws Exception {
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            var outage = proxy.when(Request::isPut).respond(500, "InternalError");
            for (int i = 0; i < 40; i++) {
                write(tree, "outage/f" + i + ".txt", "file " + i);
            }
            S3Health health = app.bean("s3Health", S3Health.class);
            await().atMost(LONG).until(health::isDown);
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.S3_UNAVAILABLE) >= 40);
            long putsDuringOutage = proxy.requests().stream().filter(r -> r.request().isPut()).count();
            assertTrue(putsDuringOutage < 40, "once S3 counts as down, files wait instead of each trying: "
                    + putsDuringOutage + " PUTs");
            long waitLines = log.lines(Level.INFO, "sync").stream().filter(l -> l.contains(" waits: ")).count();
            assertTrue(waitLines < 40, "the files set aside without a request are not logged one by one: " + waitLines);
            System.gc(); // the gauge once held its object weakly and read NaN after a GC
            await().atMost(LONG).until(() -> app.counters().getWaiting() >= 39); // one of them may be out as the probe
            outage.remove();
            // nothing changes in the tree and no scan runs (sync.rescan-interval=0): they come back by themselves
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 40);
            assertEquals(TreeFiles.of(tree), TreeFiles.bucket(s3, bucket));
            await().atMost(LONG).until(() -> !health.isDown());
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    @Test
    void aBucketThatRefusesUsMakesFilesWaitAndHealthSaySoUntilItAcceptsUsAgain() throws Exception {
        try (TestApp app = startThroughProxy(Map.of())) {
            var refused = proxy.when(r -> true).respond(403, "AccessDenied");
            write(tree, "a.txt", "a");
            write(tree, "b.txt", "b");
            S3Health health = app.bean("s3Health", S3Health.class);
            await().atMost(LONG).until(() -> health.getBucketProblem() != null);
            assertTrue(health.getBucketProblem().contains("403 AccessDenied"), health.getBucketProblem());
            assertEquals(org.apache.camel.health.HealthCheck.State.DOWN,
                    app.bean("bucketHealth", io.watch2s3.health.WatchHealthChecks.Bucket.class).call().getState());
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.BUCKET_REFUSED) == 2);
            refused.remove();
            awaitObject("a.txt", "a");
            awaitObject("b.txt", "b");
            await().atMost(LONG).until(() -> health.getBucketProblem() == null);
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    @Test
    void aLargeFileCutShortWhileItIsSentIsLookedAtAgainAndEndsWithWhatItHoldsNow() throws Exception {
        // larger than the in-memory limit, and than the sockets' buffers: its upload streams it from disk, and stalls
        // part of the way while the proxy holds the body
        byte[] first = new byte[48 * 1024 * 1024];
        new java.util.Random(13).nextBytes(first);
        FaultyS3Proxy.Hold hold = proxy.when(r -> r.isPut() && r.key().equals("big.bin")).times(1).holdBeforeBody();
        try (TestApp app = startThroughProxy(Map.of())) {
            Path big = tree.resolve("big.bin");
            // moved in whole, so that its first turn sees all of it
            Files.move(Files.write(dir.resolve("big.tmp"), first), big, StandardCopyOption.ATOMIC_MOVE);
            hold.awaitArrival(LONG);
            try (var channel = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate(1024 * 1024); // below what the stalled upload has read
            }
            hold.release();
            // the stream ended before the size that was hashed: not sent as it was, looked at again at once
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.CHANGED_WHILE_UPLOADING) == 1);
            byte[] now = java.util.Arrays.copyOf(first, 1024 * 1024);
            await().atMost(LONG).until(() -> s3.exists(bucket, "big.bin")
                    && java.util.Arrays.equals(now, s3.get(bucket, "big.bin")));
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aFileWhoseBodyS3FoundChangedIsLookedAtAgainAndEndsUpToDate() throws Exception {
        proxy.when(r -> r.isPut() && r.key().equals("moving.txt")).times(1).respond(400, "BadDigest");
        try (TestApp app = startThroughProxy(Map.of())) {
            write(tree, "moving.txt", "final content");
            awaitObject("moving.txt", "final content");
            assertEquals(1, app.counters().getFailed(FailureKind.CHANGED_WHILE_UPLOADING));
            await().atMost(LONG).until(() -> putsOf("moving.txt") == 2);
        }
    }

    @Test
    void anUnreadableFileIsLoggedCountedAndSkippedAndSyncedOnceReadableAndChanged() throws Exception {
        write(tree, "broken.bin", "the disk under this file fails");
        try (LogCapture log = new LogCapture(); UnreadableFile broken = UnreadableFile.make(tree.resolve("broken.bin"));
                TestApp app = startThroughProxy(Map.of())) {
            // its catch-up at start reads it and fails; a file next to it still goes
            write(tree, "next.txt", "next to it");
            awaitObject("next.txt", "next to it");
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.UNREADABLE) == 1);
            assertFalse(s3.exists(bucket, "broken.bin"));
            assertTrue(log.lines(Level.WARN, "sync").stream().anyMatch(l -> l.contains("broken.bin")
                    && l.contains("unreadable")), log.atLeast(Level.WARN).toString());
            broken.close();
            write(tree, "broken.bin", "readable again");
            awaitObject("broken.bin", "readable again");
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    @Test
    void aFileThatVanishesBeforeItsUploadIsCountedAsVanishedAndTheOthersGoOn() throws Exception {
        var first = proxy.when(r -> r.isPut() && r.key().endsWith(".txt")).times(1).hold();
        // written before the start: the start's scan puts both in one batch, planned while both exist (written later,
        // each could come in a batch of its own, planned only after the delete below: then nothing has vanished)
        write(tree, "one.txt", "one");
        write(tree, "two.txt", "two");
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "1"))) {
            // one upload at a time: the other file waits behind the held one (which goes first depends on the order
            // the directory lists them in)
            String held = first.awaitArrival(LONG).key();
            String other = held.equals("one.txt") ? "two.txt" : "one.txt";
            Files.delete(tree.resolve(other));
            first.release();
            awaitObject(held, held.replace(".txt", ""));
            await().atMost(LONG).until(() -> app.counters().getVanished() == 1);
            assertFalse(s3.exists(bucket, other));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    /**
     * A step of the route that throws like a bug (as one a user added might): a plain exception, one whose message
     * itself throws (the error handler must survive describing it), and an Error that no onException catches (the
     * last resort in the batch's split must). Each fails only its own file.
     */
    @Test
    void aStepThatThrowsLikeABugFailsOnlyItsOwnFile() throws Exception {
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            AdviceWith.adviceWith(app.camelContext(), SyncApplication.PAIR + "-sync-file", route -> route.weaveByToUri("aws2-s3*").before()
                    .process(exchange -> {
                        switch (exchange.getProperty(FilePlan.PROPERTY, FilePlan.class).path()) {
                            case "bug.txt" -> throw new IllegalStateException("a bug in a step");
                            case "rude.txt" -> throw new IllegalStateException() {
                                @Override
                                public String getMessage() {
                                    throw new UnsupportedOperationException("this exception cannot describe itself");
                                }
                            };
                            case "linkage.txt" -> throw new NoClassDefFoundError("com/example/Missing");
                            default -> { }
                        }
                    }));
            for (String name : List.of("bug.txt", "rude.txt", "linkage.txt", "fine.txt")) {
                write(tree, name, name);
            }
            awaitObject("fine.txt", "fine.txt");
            SyncCounters counters = app.counters();
            await().atMost(LONG).until(() -> counters.getFailed(FailureKind.INTERNAL) == 3);
            assertEquals(List.of("fine.txt"), s3.keys(bucket));
            assertTrue(log.lines(Level.WARN, "sync").stream().anyMatch(l -> l.contains("bug.txt")
                    && l.contains("a bug in a step")), log.atLeast(Level.WARN).toString());
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
            assertEquals(3, counters.getFailed(), counters.toString());
        }
    }

    /**
     * The error handler itself throws — as when a step added to it fails, or, as once in production, its bean call was
     * ambiguous. The batch's last resort still fails only that file, and the pipeline goes on.
     */
    @Test
    void anErrorHandlerThatThrowsStillFailsOnlyItsOwnFile() throws Exception {
        String route = Files.readString(java.nio.file.Path.of("routes/watch-to-s3.yaml"));
        String handler = "            - bean: { ref: fileFailures, method: giveUp }";
        assertTrue(route.contains(handler), "the route's error handler step");
        java.nio.file.Path edited = dir.resolve("routes/watch-to-s3.yaml");
        Files.createDirectories(edited.getParent());
        Files.writeString(edited, route.replace(handler, """
                            - throwException:
                                exceptionType: java.lang.IllegalStateException
                                message: "a step added to the error handler failed"
                """ + handler));
        proxy.when(r -> r.isPut() && r.key().equals("refused.txt")).respond(400, "InvalidArgument");
        Map<String, String> s = settings(Map.of());
        s.put("s3.endpoint", proxy.url());
        try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(s, "file:" + edited)) {
            write(tree, "refused.txt", "refused, and then its error handler throws");
            write(tree, "fine.txt", "fine");
            awaitObject("fine.txt", "fine");
            // at least once: a slow machine may see the file's CREATE and MODIFY in two batches, each refused again
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.REFUSED_BY_S3) >= 1);
            assertTrue(log.lines(Level.ERROR, "sync").stream().anyMatch(l -> l.contains("refused.txt")
                    && l.contains("error handling")), log.atLeast(Level.ERROR).toString());
            aLaterChangeStillArrives();
            awaitIdle(app); // every file of every batch counted done, the failed ones too
        }
    }

    /** watch2s3 through the proxy as a process that cannot read what its user may not (a service user). */
    private JavaProcess watchingAsAServiceUser() throws java.io.IOException {
        Map<String, String> s = settings(Map.of()); // sync.rescan-interval 0: no periodic scan finds what it misses
        s.put("s3.endpoint", proxy.url());
        return JavaProcess.startWithoutReadingEverything(dir.resolve("run"), TestApp.asJvmOptions(s));
    }

    /** The usual mend of an unreadable file is a chmod, not a new write: the chmod alone brings it to S3. */
    @JarTest
    void whileWatchingAFileMadeReadableByAChmodAloneIsSyncedWithoutWaitingForAScan() throws Exception {
        try (JavaProcess watching = watchingAsAServiceUser()) {
            write(tree, "first.txt", "the watcher runs");
            awaitObject("first.txt", "the watcher runs");
            write(tree, "locked.txt", "no one may read this yet");
            Files.setPosixFilePermissions(tree.resolve("locked.txt"), PosixFilePermissions.fromString("---------"));
            await().atMost(LONG).until(() -> (watching.stdout() + watching.stderr()).contains("could not sync locked.txt"));
            assertTrue(watching.isAlive(), watching.stderr());

            Files.setPosixFilePermissions(tree.resolve("locked.txt"), PosixFilePermissions.fromString("rw-r--r--"));
            awaitObject("locked.txt", "no one may read this yet");
            aLaterChangeStillArrives();
        }
    }

    /**
     * A directory made while watching and closed at once (an outside probe: mkdir, a file, chmod 000; a deploy that
     * unpacks a directory with another user's mode): the watcher could not watch it, nothing said so, and once a chmod
     * opened it its files waited for the next periodic scan (an hour by default). Now the chmod's event for the
     * directory finds it unwatched (no inotify watch holds its inode), and the watcher is started again: it watches
     * the directory, and its scan syncs the files in it.
     */
    @JarTest
    void aDirectoryMadeAndClosedWhileWatchingIsSyncedOnceAChmodOpensIt() throws Exception {
        try (JavaProcess watching = watchingAsAServiceUser()) {
            write(tree, "first.txt", "the watcher runs");
            awaitObject("first.txt", "the watcher runs");
            write(tree, "made/closed/old.txt", "written before the chmod");
            write(tree, "made/open.txt", "beside it");
            Files.setPosixFilePermissions(tree.resolve("made/closed"), PosixFilePermissions.fromString("---------"));
            awaitObject("made/open.txt", "beside it");
            assertFalse(s3.exists(bucket, "made/closed/old.txt"));

            Files.setPosixFilePermissions(tree.resolve("made/closed"), PosixFilePermissions.fromString("rwxr-xr-x"));
            write(tree, "made/closed/new.txt", "written right after the chmod");
            awaitObject("made/closed/old.txt", "written before the chmod");
            awaitObject("made/closed/new.txt", "written right after the chmod");
            String out = watching.stdout() + watching.stderr();
            // the watcher could not watch it when it was made (the usual case), or watched it and then could not look
            // at the file in it: either way it is said
            assertTrue(out.contains("made/closed is not watched (it could not be read when it was made): starting"
                    + " the watcher again") || out.contains("made/closed can be read now"), out);
            write(tree, "made/closed/later.txt", "a later change inside");
            awaitObject("made/closed/later.txt", "a later change inside");
            aLaterChangeStillArrives();
        } finally {
            Files.setPosixFilePermissions(tree.resolve("made/closed"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /**
     * A watched directory closed by a chmod just after a file was written into it: the file's turn cannot look at it
     * ("cannot look at …: left as it is"), and once a chmod opened the directory the file waited for its next change
     * or the next periodic scan (an outside probe). Now the chmod's own event notes the directory as one that cannot
     * be listed (as a scan does), and the chmod that opens it gets the watcher started again and the file synced.
     */
    @JarTest
    void aFileInADirectoryClosedBeforeItsTurnIsSyncedOnceAChmodOpensIt() throws Exception {
        write(tree, "shut/first.txt", "there at start");
        try (JavaProcess watching = watchingAsAServiceUser()) {
            awaitObject("shut/first.txt", "there at start");
            write(tree, "shut/late.txt", "written just before the chmod");
            Files.setPosixFilePermissions(tree.resolve("shut"), PosixFilePermissions.fromString("---------"));
            await().atMost(LONG).until(() -> (watching.stdout() + watching.stderr())
                    .contains("cannot look at shut/late.txt (permissions?)"));
            assertFalse(s3.exists(bucket, "shut/late.txt"));

            Files.setPosixFilePermissions(tree.resolve("shut"), PosixFilePermissions.fromString("rwxr-xr-x"));
            awaitObject("shut/late.txt", "written just before the chmod");
            aLaterChangeStillArrives();
        } finally {
            Files.setPosixFilePermissions(tree.resolve("shut"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /**
     * A directory the service user could not read at start could not be watched either: once a chmod opens it, the
     * files written right after waited for the next periodic scan (an hour by default). Now it is watched, its files
     * are synced at once, and later changes in it arrive through the watcher.
     */
    @JarTest
    void aDirectoryOpenedByAChmodIsWatchedAndItsFilesSyncedWithoutWaitingForAScan() throws Exception {
        write(tree, "locked-dir/old.txt", "written while it was closed");
        Files.setPosixFilePermissions(tree.resolve("locked-dir"), PosixFilePermissions.fromString("---------"));
        Map<String, String> s = settings(Map.of()); // sync.rescan-interval 0: no periodic scan will find them
        s.put("s3.endpoint", proxy.url());
        s.put("management.port", Integer.toString(freePort())); // with Camel's route metrics
        try (JavaProcess watching = JavaProcess.startWithoutReadingEverything(dir.resolve("run"),
                TestApp.asJvmOptions(s))) {
            write(tree, "first.txt", "the watcher runs");
            awaitObject("first.txt", "the watcher runs");
            assertFalse(s3.exists(bucket, "locked-dir/old.txt"));

            Files.setPosixFilePermissions(tree.resolve("locked-dir"), PosixFilePermissions.fromString("rwxr-xr-x"));
            write(tree, "locked-dir/new.txt", "written right after the chmod");
            write(tree, "locked-dir/sub/deeper.txt", "in a directory made right after the chmod");
            awaitObject("locked-dir/old.txt", "written while it was closed");
            awaitObject("locked-dir/new.txt", "written right after the chmod");
            awaitObject("locked-dir/sub/deeper.txt", "in a directory made right after the chmod");
            String out = watching.stdout() + watching.stderr();
            assertTrue(out.contains("locked-dir can be read now"), out);

            // the scan the restarted watcher asked for is over: what comes now, only the watcher can report
            await().atMost(LONG).until(() -> (watching.stdout() + watching.stderr()).split("catch-up scan: ").length >= 3);
            write(tree, "locked-dir/sub/later.txt", "a later change inside");
            awaitObject("locked-dir/sub/later.txt", "a later change inside");
            String all = watching.stdout() + watching.stderr();
            assertFalse(all.contains("MeterRegistry"), "no warning about the restarted route's gauge: " + all);
        } finally {
            Files.setPosixFilePermissions(tree.resolve("locked-dir"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @JarTest
    void aFileWithoutReadPermissionIsUnreadableNotVanishedAndOnceSaysSoWithExitOne() throws Exception {
        write(tree, "ok.txt", "ok");
        write(tree, "locked.txt", "no one may read this");
        Files.setPosixFilePermissions(tree.resolve("locked.txt"), PosixFilePermissions.fromString("---------"));
        Map<String, String> s = settings(Map.of());
        s.put("s3.endpoint", proxy.url());
        List<String> jvm = TestApp.asJvmOptions(s);
        try (JavaProcess once = JavaProcess.startWithoutReadingEverything(dir.resolve("run1"), jvm, "--once")) {
            assertEquals(1, once.waitFor(120), "a file it could not read is a failure: " + once.stderr());
            String out = once.stdout() + once.stderr();
            assertTrue(out.contains("could not sync locked.txt") && out.contains("(unreadable)"), out);
            assertFalse(out.contains("vanished=1"), out);
        }
        assertTrue(s3.exists(bucket, "ok.txt"));
        assertFalse(s3.exists(bucket, "locked.txt"));
        Files.setPosixFilePermissions(tree.resolve("locked.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        try (JavaProcess once = JavaProcess.startWithoutReadingEverything(dir.resolve("run2"), jvm, "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        assertEquals(TreeFiles.of(tree), TreeFiles.bucket(s3, bucket));

        // a directory it may not list, and one it may list but not look into (no x): their files are not known to be
        // synced either
        write(tree, "locked-dir/inside.txt", "behind a closed door");
        write(tree, "no-search-dir/inside.txt", "listed, but not to be looked at");
        Files.setPosixFilePermissions(tree.resolve("locked-dir"), PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(tree.resolve("no-search-dir"), PosixFilePermissions.fromString("r--r--r--"));
        try (JavaProcess once = JavaProcess.startWithoutReadingEverything(dir.resolve("run3"), jvm, "--once")) {
            assertEquals(1, once.waitFor(120), "a directory it could not list is a failure: " + once.stderr());
            String out = once.stdout() + once.stderr();
            assertTrue(out.contains("cannot list") && out.contains("locked-dir"), out);
            assertTrue(out.contains("cannot stat no-search-dir/inside.txt"), out);
        } finally {
            Files.setPosixFilePermissions(tree.resolve("locked-dir"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(tree.resolve("no-search-dir"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // open again: the next run syncs them and says all is synced
        try (JavaProcess once = JavaProcess.startWithoutReadingEverything(dir.resolve("run4"), jvm, "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        assertEquals(TreeFiles.of(tree), TreeFiles.bucket(s3, bucket));
    }

    @JarTest
    void onceEndsWithExitOneWhenFilesFailAndTheNextRunFinishesTheJob() throws Exception {
        write(tree, "ok.txt", "ok");
        Map<String, String> s = settings(Map.of());
        s.put("s3.endpoint", proxy.url());
        List<String> jvm = TestApp.asJvmOptions(s);
        try (JavaProcess once = JavaProcess.start(dir.resolve("run1"), jvm, Map.of(), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        for (int i = 0; i < 30; i++) {
            write(tree, "later/f" + i + ".txt", "file " + i);
        }
        write(tree, "broken.bin", "unreadable");
        var outage = proxy.when(Request::isPut).respond(503, "SlowDown");
        try (UnreadableFile broken = UnreadableFile.make(tree.resolve("broken.bin"))) {
            try (JavaProcess once = JavaProcess.start(dir.resolve("run2"), jvm, Map.of(), "--once")) {
                assertEquals(1, once.waitFor(300), once.stderr());
                assertTrue(once.stderr().contains("broken.bin"), once.stderr());
            }
            try (JavaProcess dry = JavaProcess.start(dir.resolve("run3"), jvm, Map.of(), "--dry-run")) {
                assertEquals(1, dry.waitFor(300), "a dry run that cannot read a file says so: " + dry.stderr());
            }
        }
        outage.remove();
        try (JavaProcess once = JavaProcess.start(dir.resolve("run4"), jvm, Map.of(), "--once")) {
            assertEquals(0, once.waitFor(300), "the lock was released and the job finishes: " + once.stderr());
        }
        assertEquals(TreeFiles.of(tree), TreeFiles.bucket(s3, bucket));
    }
}
