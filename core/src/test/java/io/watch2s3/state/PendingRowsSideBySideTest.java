package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches side by side give the same new paths their pending rows at once, on the real H2 database. */
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
}
