package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path whose row a delete removed can be uploaded again (its confirmation inserts the row) while another batch
 * gives the same path its pending row: both find no row and insert it. On the real H2 database, neither may fail.
 */
class ConfirmBesidePendingTest {

    @TempDir
    Path stateDir;

    private final StateDatabase state = new StateDatabase();

    @BeforeEach
    void start() {
        state.setDirectory(stateDir.toString());
        state.start();
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    @Test
    void aConfirmationAndAPendingRowForTheSameNewPathBothSucceed() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        CyclicBarrier together = new CyclicBarrier(2);
        try {
            for (int i = 0; i < 2_000; i++) {
                String path = "d" + i % 13 + "/f" + i + ".txt";
                SyncedFile uploaded = new SyncedFile(path, 10 + i, 1_000L + i, 2_000L + i, "a".repeat(64));
                Future<?> confirm = two.submit(() -> {
                    together.await();
                    state.confirmUploaded(uploaded);
                    return null;
                });
                Future<?> pending = two.submit(() -> {
                    together.await();
                    state.recordPending(List.of(path));
                    return null;
                });
                confirm.get(); // a primary-key conflict would surface here
                pending.get();
                SyncedFile row = state.find(path).orElseThrow();
                // whichever came second: a confirmed row is never replaced by a pending one
                assertFalse(row.isPending(), "the confirmed row of " + path + " stays");
                assertEquals(uploaded.sha256(), row.sha256());
            }
        } finally {
            two.shutdownNow();
        }
        assertEquals(null, state.getBrokenCause(), "the database still works");
    }
}
