package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row whose path a batch planned to upload or delete is in doubt until that turn ends; one still in doubt when
 * the database is opened again (a kill -9, a request that failed) is not trusted: it comes back pending, and the
 * catch-up scan syncs its path again. On the real H2 database, closed and opened again as a restart does.
 */
class UnfinishedTurnsTest {

    private static final SyncedFile V1 = new SyncedFile("site/page.html", 9, 1_000, 2_000, "1".repeat(64));
    private static final SyncedFile V2 = new SyncedFile("site/page.html", 9, 3_000, 4_000, "2".repeat(64));

    @TempDir
    Path stateDir;

    private StateDatabase state = new StateDatabase();

    @BeforeEach
    void start() {
        state.setDirectory(stateDir.toString());
        state.start();
        state.confirmUploaded(V1); // in S3, and known
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    private SyncedFile afterARestart() {
        state.stop();
        state = new StateDatabase();
        state.setDirectory(stateDir.toString());
        state.start();
        return state.find(V1.path()).orElseThrow();
    }

    @Test
    void aPlannedTurnThatNeverEndedLeavesThePathPendingAtTheNextStart() {
        state.recordPending(List.of(V1.path()));
        assertFalse(state.find(V1.path()).orElseThrow().isPending(), "trusted while its turn runs");
        assertTrue(afterARestart().isPending(), "S3 may hold the new content, the old one or nothing");
    }

    /**
     * The start's line counts every path it syncs again, also one an earlier start made pending that its run stopped
     * before syncing: that row has no doubt left, and the line counted only rows still in doubt.
     */
    @Test
    void aPathLeftPendingByTwoRunsInARowIsCountedAtTheNextStart() {
        state.recordPending(List.of(V1.path(), "new.txt"));
        afterARestart();
        assertEquals(2, state.countUnfinished(), "in doubt, and not sent");
        afterARestart();
        assertEquals(2, state.countUnfinished(), "still to sync: the run before stopped first");
        assertEquals(0, state.count(), "neither is known to be in S3");
    }

    @Test
    void aConfirmedTurnLeavesNoDoubt() {
        state.recordPending(List.of(V1.path()));
        state.confirmUploaded(V2);
        assertEquals(V2, afterARestart());
    }

    @Test
    void aTurnThatFoundTheFileUnchangedLeavesNoDoubt() {
        state.recordPending(List.of(V1.path()));
        state.turnEnded(V1.path());
        assertEquals(V1, afterARestart());
    }

    @Test
    void aTurnThatFoundTheFileUnchangedByItsStatLeavesNoDoubt() {
        state.recordPending(List.of(V1.path()));
        state.turnEndedUnchanged(V1.path());
        assertEquals(V1, afterARestart());
    }

    @Test
    void aDoubtLeftByATurnWhoseEndWasNotRecordedGoesWithTheNextConfirmation() {
        state.recordPending(List.of(V1.path())); // a turn that failed while the database failed: its end unrecorded
        state.recordPending(List.of(V1.path())); // synced again once the database works
        state.confirmUploaded(V2);
        assertEquals(V2, afterARestart(), "not sent once more at every restart");
    }

    @Test
    void aRequestS3MayHaveCarriedOutLeavesThePathPendingAtOnce() {
        state.recordPending(List.of(V1.path()));
        state.distrust(V1.path());
        assertTrue(state.find(V1.path()).orElseThrow().isPending(), "its next turn reads and sends the file");
        assertTrue(afterARestart().isPending());
    }

    @Test
    void aNewPathPlannedAndConfirmedIsKnownAfterARestart() {
        SyncedFile fresh = new SyncedFile("new.txt", 3, 5_000, 6_000, "3".repeat(64));
        state.recordPending(List.of(fresh.path()));
        state.confirmUploaded(fresh);
        afterARestart();
        assertEquals(fresh, state.find("new.txt").orElseThrow());
    }

    /**
     * A new path's turn that ended without a request (the file vanished first, as when its tree is renamed during the
     * upload) leaves no row: it counted as an object to delete, against sync.max-deletes too.
     */
    @Test
    void aNewPathWhoseTurnEndedWithoutARequestLeavesNoRow() {
        state.recordPending(List.of("new.txt"));
        assertTrue(state.find("new.txt").orElseThrow().isNotSent());
        state.turnEnded("new.txt");
        assertTrue(state.find("new.txt").isEmpty());
    }

    @Test
    void aNewPathThatAnotherBatchPlannedMeanwhileKeepsItsRowUntilThatTurnEndsToo() {
        state.recordPending(List.of("new.txt")); // the batch uploading it
        state.recordPending(List.of("new.txt")); // the batch deleting it (its directory was renamed)
        state.turnEnded("new.txt");
        assertTrue(state.find("new.txt").isPresent(), "the second batch's turn still comes");
        state.turnEnded("new.txt");
        assertTrue(state.find("new.txt").isEmpty());
    }

    @Test
    void aNewPathWhoseRequestMayHaveGoneIsNotTakenForUnsent() {
        state.recordPending(List.of("new.txt"));
        state.distrust("new.txt"); // the PUT timed out: S3 may hold it
        state.turnEnded("new.txt");
        assertTrue(state.find("new.txt").orElseThrow().isPending());
        assertFalse(state.find("new.txt").orElseThrow().isNotSent());
    }

    /** A crash may have cut its first request short: at the next start S3 may hold the object. */
    @Test
    void aNewPathsRowLeftUnsentByACrashIsPlainPendingAtTheNextStart() {
        state.recordPending(List.of("new.txt"));
        state.stop();
        state = new StateDatabase();
        state.setDirectory(stateDir.toString());
        state.start();
        SyncedFile row = state.find("new.txt").orElseThrow();
        assertTrue(row.isPending());
        assertFalse(row.isNotSent());
        state.turnEnded("new.txt");
        assertTrue(state.find("new.txt").isPresent(), "kept: its object may be in S3");
    }
}
