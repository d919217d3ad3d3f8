package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.health.WatchHealthChecks;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.support.AccessLogEntry;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.SmallDisk;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state database is the only memory of what S3 holds, so it must be as durable as S3's answer and must never
 * be silently wrong: kill -9 at any moment, a disk that fills up under it, a state file that is empty or broken.
 */
class StateFailuresTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final Map<String, String> DELETES_ON = Map.of("sync.deletes", "true", "sync.max-deletes", "100000");

    private Map<String, String> writeFiles(String dirName, int count) {
        Map<String, String> files = new java.util.LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String path = dirName + "/f" + i + ".txt";
            files.put(path, "file " + i + " of " + dirName);
            write(tree, path, files.get(path));
        }
        return files;
    }

    private void fillUntilBroken(SmallDisk disk, StateDatabase state) throws Exception {
        disk.fill();
        // H2 finds out when it must grow its file: keep changing files until it has to
        int[] round = {0};
        await().atMost(LONG).pollInterval(Duration.ofSeconds(2)).until(() -> {
            writeFiles("while-full-" + round[0]++, 100);
            return state.isBroken();
        });
    }

    private void awaitBucketEqualsTree() {
        await().atMost(LONG).pollInterval(Duration.ofSeconds(1))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
    }

    private long puts() {
        return s3.requests(bucket).stream().filter(AccessLogEntry::isPut).count();
    }

    /**
     * A crash right after S3 confirmed an upload must not make the state forget the object: if the file is then
     * deleted or renamed while watch2s3 is down, its old object has to be deleted at the next start. Killed at
     * three moments of a burst; every file renamed and some deleted while it is down.
     */
    @ParameterizedTest
    @ValueSource(ints = {50, 400, 800})
    void afterKillNineEveryConfirmedObjectIsKnownAndFilesRenamedWhileDownLeaveNoOrphans(int putsBeforeKill)
            throws Exception {
        writeFiles("burst", 1500);
        List<String> jvm = TestApp.asJvmOptions(settings(DELETES_ON));
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            await().atMost(LONG).pollInterval(Duration.ofMillis(20))
                    .until(() -> puts() >= putsBeforeKill || !first.isAlive());
            assertTrue(first.isAlive(), first.stderr());
            first.close(); // SIGKILL
            first.waitFor(30);
        }
        assertTrue(puts() < 1500, "killed during the burst, after " + puts() + " PUTs");
        Files.move(tree.resolve("burst"), tree.resolve("renamed"));
        for (int i = 0; i < 1500; i += 7) {
            Files.delete(tree.resolve("renamed/f" + i + ".txt"));
        }
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), jvm, Map.of())) {
            awaitBucketEqualsTree();
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
        assertFalse(s3.keys(bucket).stream().anyMatch(k -> k.startsWith("burst/")), "no orphan left");
    }

    @Test
    void aFullDiskUnderTheStateMakesFilesWaitWithOneErrorAndSyncingResumesWhenSpaceIsBack() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("statefs"), "8m");
                LogCapture log = new LogCapture()) {
            Map<String, String> s = stateOn(disk);
            try (TestApp app = TestApp.start(s)) {
                write(tree, "before.txt", "synced before the disk filled up");
                await().atMost(LONG).until(() -> s3.exists(bucket, "before.txt"));
                StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
                HealthCheck health = app.bean("stateHealth", WatchHealthChecks.State.class);

                fillUntilBroken(disk, state);
                assertEquals(HealthCheck.State.DOWN, health.call().getState());
                CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
                scan.request("a scan while the state database cannot be used");
                await().atMost(LONG).until(() -> scan.getLastFailure() != null);
                assertTrue(health.call().getMessage().orElse("").contains("cannot be used"), health.call().getMessage().orElse(""));
                writeFiles("still-full", 50);
                // reopen attempts fail meanwhile, also once H2 may reuse the room of its old chunks inside its file
                // (after 45 s): a test write then succeeded on the full disk, and "works again" came every 7 s
                await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(90))
                        .until(() -> state.isBroken() && health.call().getState() == HealthCheck.State.DOWN);
                assertEquals(List.of(), log.lines(Level.INFO, "StateDatabase").stream()
                        .filter(l -> l.contains("works again")).toList());
                assertEquals(1, log.lines(Level.ERROR, "StateDatabase").size(), "one ERROR line for the cause: "
                        + log.atLeast(Level.WARN));
                assertTrue(log.lines(Level.ERROR, "StateDatabase").get(0).length() < 300, "a short ERROR: "
                        + log.lines(Level.ERROR, "StateDatabase"));
                assertFalse(log.lines(Level.INFO, "CatchUpScan").stream().anyMatch(l -> l.contains("0 directories")),
                        "no summary of a walk the failure cut short: " + log.lines(Level.INFO, "CatchUpScan"));
                assertTrue(log.lines(Level.ERROR, "StateDatabase").get(0).contains("failed"), log.atLeast(Level.ERROR).toString());

                disk.free();
                awaitBucketEqualsTree();
                await().atMost(LONG).until(() -> !state.isBroken());
                // the scan after the recovery records what H2 lost when it failed (uploads it confirmed from memory)
                await().atMost(LONG).until(() -> scan.isSettled() && scan.getLastFailure() == null);
                assertEquals(HealthCheck.State.UP, health.call().getState());
                write(tree, "after.txt", "a change after the disk was freed");
                await().atMost(LONG).until(() -> s3.exists(bucket, "after.txt"));
            }
            // every file S3 holds is recorded, so a restart uploads nothing again
            int before = (int) puts();
            try (TestApp app = TestApp.start(s)) {
                StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
                assertEquals(TreeFiles.of(tree).size(), state.count());
                await().pollDelay(Duration.ofSeconds(3)).atMost(LONG).until(() -> true);
                assertEquals(before, puts(), "nothing uploaded again after a restart");
            }
        }
    }

    /**
     * A cleanup job deletes the state file while watch2s3 runs: H2 went on in the deleted file without a word, and the
     * next start began empty — every file uploaded again, and the object of a file deleted while down kept for good.
     */
    @Test
    void aStateFileDeletedWhileRunningIsWrittenBackAndARestartUploadsNothingAgain() throws Exception {
        Map<String, String> files = writeFiles("site", 30);
        try (LogCapture log = new LogCapture()) {
            try (TestApp app = TestApp.start(settings(DELETES_ON))) {
                awaitBucketEqualsTree();
                StateDatabase db = app.bean("stateDatabase", StateDatabase.class);
                Files.delete(db.file());

                await().atMost(LONG).until(() -> Files.exists(db.file()) && !db.isBroken());
                assertTrue(log.lines(Level.ERROR, "StateDatabase").get(0).contains("was deleted"),
                        log.atLeast(Level.WARN).toString());
                write(tree, "after.txt", "a change after the file was written back");
                await().atMost(LONG).until(() -> s3.exists(bucket, "after.txt"));
            }
        }
        long putsBefore = puts();
        Files.delete(tree.resolve("site/f3.txt")); // while watch2s3 is down
        try (TestApp app = TestApp.start(settings(DELETES_ON))) {
            await().atMost(LONG).until(() -> !s3.exists(bucket, "site/f3.txt"));
            // the row goes once S3's answer is recorded, a moment after the object is gone
            StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
            await().atMost(LONG).until(() -> state.count() == files.size());
        }
        assertEquals(putsBefore, puts(), "nothing uploaded again after the restart");
        awaitBucketEqualsTree();
    }

    /** The same on a full disk: the file cannot be written back until there is room; nothing is lost meanwhile. */
    @Test
    void aStateFileDeletedWhileItsDiskIsFullWaitsForRoomAndIsThenWrittenBack() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("statefs"), "8m")) {
            Map<String, String> s = stateOn(disk);
            writeFiles("site", 30);
            try (TestApp app = TestApp.start(s)) {
                awaitBucketEqualsTree();
                StateDatabase db = app.bean("stateDatabase", StateDatabase.class);
                HealthCheck health = app.bean("stateHealth", WatchHealthChecks.State.class);
                disk.fill(); // first: deleting the file frees no space while H2 holds it open
                Files.delete(db.file());

                await().atMost(LONG).until(() -> db.isBroken());
                writeFiles("while-full", 10);
                await().pollDelay(Duration.ofSeconds(7)).atMost(LONG).until(() -> true); // two attempts fail meanwhile
                assertTrue(db.isBroken());
                assertFalse(Files.exists(db.file()), "no empty database took its place");
                assertEquals(HealthCheck.State.DOWN, health.call().getState());
                assertTrue(health.call().getMessage().orElse("").contains("was deleted"),
                        health.call().getMessage().orElse(""));

                disk.free();
                await().atMost(LONG).until(() -> !db.isBroken());
                awaitBucketEqualsTree();
                assertEquals(HealthCheck.State.UP, health.call().getState());
            }
            long putsBefore = puts();
            try (TestApp app = TestApp.start(s)) {
                assertEquals(TreeFiles.of(tree).size(), app.bean("stateDatabase", StateDatabase.class).count());
                await().pollDelay(Duration.ofSeconds(3)).atMost(LONG).until(() -> true);
            }
            assertEquals(putsBefore, puts(), "nothing uploaded again after the restart");
        }
    }

    /**
     * Deleted just before the stop on a disk that is full: the stop cannot write it back. Said in one ERROR, and the
     * next start, with no state, syncs every file again; a change made meanwhile arrives.
     */
    @Test
    void aStateFileThatCannotBeWrittenBackAtTheStopIsSaidAndTheNextStartSyncsEveryFileAgain() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("statefs"), "8m");
                LogCapture log = new LogCapture()) {
            Map<String, String> s = stateOn(disk);
            writeFiles("site", 10);
            try (TestApp app = TestApp.start(s)) {
                awaitBucketEqualsTree();
                StateDatabase db = app.bean("stateDatabase", StateDatabase.class);
                disk.fill();
                Files.delete(db.file());
            }
            assertTrue(log.lines(Level.ERROR, "StateDatabase").stream()
                    .anyMatch(l -> l.contains("could not write the state database back")), log.atLeast(Level.WARN).toString());
            disk.free();
            write(tree, "after.txt", "a change while watch2s3 was down");
            try (TestApp app = TestApp.start(s)) {
                await().atMost(LONG).until(() -> s3.exists(bucket, "after.txt"));
                StateDatabase db = app.bean("stateDatabase", StateDatabase.class);
                await().atMost(LONG).until(() -> db.count() == TreeFiles.of(tree).size());
            }
        }
    }

    /** Deleted while closed by a failure, the file has nothing to be written back from: said, and every file sent. */
    @Test
    void aStateFileDeletedWhileTheDatabaseIsBrokenIsSaidAndEveryFileIsSyncedAgain() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("statefs"), "8m");
                LogCapture log = new LogCapture()) {
            Map<String, String> s = stateOn(disk);
            writeFiles("site", 20);
            try (TestApp app = TestApp.start(s)) {
                awaitBucketEqualsTree();
                StateDatabase db = app.bean("stateDatabase", StateDatabase.class);
                fillUntilBroken(disk, db);
                Files.delete(db.file());
                disk.free();

                await().atMost(LONG).until(() -> !db.isBroken());
                awaitBucketEqualsTree();
                assertTrue(log.lines(Level.ERROR, "StateDatabase").stream()
                        .anyMatch(l -> l.contains("was deleted while it could not be used")), log.atLeast(Level.WARN).toString());
                await().atMost(LONG).until(() -> db.count() == TreeFiles.of(tree).size());
            }
        }
    }

    @Test
    void onceExitsNonZeroWhenTheStateDiskIsFullAndTheNextRunFinishesTheJob() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("statefs"), "8m")) {
            Map<String, String> s = stateOn(disk);
            List<String> jvm = TestApp.asJvmOptions(s);
            writeFiles("first", 5);
            try (JavaProcess once = JavaProcess.start(dir.resolve("run1"), jvm, Map.of(), "--once")) {
                assertEquals(0, once.waitFor(120), once.stderr());
            }
            writeFiles("second", 400);
            disk.fill();
            try (JavaProcess once = JavaProcess.start(dir.resolve("run2"), jvm, Map.of(), "--once")) {
                int code = once.waitFor(300);
                assertNotEquals(0, code, once.stderr());
                assertTrue(once.stderr().contains("state"), once.stderr());
            }
            disk.free();
            try (JavaProcess once = JavaProcess.start(dir.resolve("run3"), jvm, Map.of(), "--once")) {
                assertEquals(0, once.waitFor(300), "the lock was released and the job finishes: " + once.stderr());
            }
            assertEquals(TreeFiles.of(tree), TreeFiles.bucket(s3, bucket));
        }
    }

    @Test
    void anEmptyStateFileIsNamedAtStartAndNeverReplaced() throws Exception {
        Files.createDirectories(state);
        Files.write(state.resolve("state.mv.db"), new byte[0]);
        String line = startExpectingExit2();
        assertTrue(line.contains(state.resolve("state.mv.db").toString()) && line.contains("empty"), line);
        assertTrue(line.contains("mv "), "says how to start afresh: " + line);
        assertEquals(0, Files.size(state.resolve("state.mv.db")), "left as it was");
    }

    @Test
    void aBrokenStateFileIsNamedAtStartAndNeverReplaced() throws Exception {
        Files.createDirectories(state);
        byte[] garbage = new byte[50_000];
        new Random(7).nextBytes(garbage);
        Files.write(state.resolve("state.mv.db"), garbage);
        String line = startExpectingExit2();
        assertTrue(line.contains(state.resolve("state.mv.db").toString()), line);
        assertTrue(line.contains("mv "), "says how to start afresh: " + line);
        assertArrayEquals(garbage, Files.readAllBytes(state.resolve("state.mv.db")), "left as it was");
    }

    /** Runs the real process and returns its one line for the user. */
    private String startExpectingExit2() throws Exception {
        write(tree, "a.txt", "a");
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), TestApp.asJvmOptions(settings(Map.of())), Map.of())) {
            assertEquals(2, p.waitFor(120), p.stderr());
            List<String> ours = p.stderr().lines().filter(l -> l.startsWith("watch2s3: ")).toList();
            assertEquals(1, ours.size(), p.stderr());
            assertFalse(p.stderr().contains("\tat "), "no stack trace: " + p.stderr());
            return ours.get(0);
        }
    }

    /** The test's settings with state.dir on {@code disk}. */
    private Map<String, String> stateOn(SmallDisk disk) {
        Map<String, String> s = settings(Map.of());
        s.put("state.dir", disk.path().resolve("state").toString());
        return s;
    }
}
