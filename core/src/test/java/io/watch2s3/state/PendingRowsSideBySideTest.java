package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches side by side write the same new paths' rows at once, on the real H2 database. */
class PendingRowsSideBySideTest {

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
    void batchesThatShareNewPathsAllGetTheirRowsAndNoneFails() throws Exception {
        ExecutorService batches = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                List<String> paths = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    paths.add("r" + round + "/d" + i % 7 + "/f" + i + ".txt");
                }
                // four batches holding the same paths in different orders (a file's CREATE in one, MODIFY in another)
                List<Future<?>> done = new ArrayList<>();
                for (int batch = 0; batch < 4; batch++) {
                    List<String> mine = new ArrayList<>(paths);
                    Collections.shuffle(mine, new Random(round * 4L + batch));
                    done.add(batches.submit(() -> state.recordPending(mine)));
                }
                for (Future<?> f : done) {
                    f.get(); // a primary-key conflict would surface here
                }
                assertEquals(200, state.countAtOrBelow("r" + round), "pending rows of round " + round);
                assertTrue(state.find(paths.get(0)).orElseThrow().isPending());
            }
        } finally {
            batches.shutdownNow();
        }
        assertEquals(null, state.getBrokenCause(), "the database still works");
    }

    /**
     * A path whose row a delete removed can be uploaded again (its confirmation inserts the row) while another batch
     * gives the same path its pending row: both find no row and insert it. Neither may fail.
     */
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
