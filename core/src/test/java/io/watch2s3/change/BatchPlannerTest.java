package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch's paths turned into actions, against a real tree and a real state database. */
class BatchPlannerTest {

    @TempDir
    Path tree;
    @TempDir
    Path stateDir;

    private final StateDatabase state = new StateDatabase();
    private final BatchPlanner planner = new BatchPlanner();

    @BeforeEach
    void start() {
        state.setDirectory(stateDir.toString());
        state.start();
        SyncCounters counters = new SyncCounters();
        DeleteGuard guard = new DeleteGuard();
        guard.setRoot(tree.toString());
        guard.setDeletes(true);
        guard.setCounters(counters);
        planner.setRoot(tree.toString());
        planner.setState(state);
        planner.setFilter(new PathFilter());
        planner.setKeys(new ObjectKeys());
        planner.setDeleteGuard(guard);
        planner.setCounters(counters);
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    private void synced(String path) {
        state.confirmUploaded(new SyncedFile(path, 1, 1, 1, "00"));
    }

    @Test
    void deletesComeBeforeUploadsSoThatAFileCanTakeTheNameOfADirectoryAndTheReverse() throws Exception {
        // before: docs/api was a file, guide a directory; now the other way round (git checkout)
        synced("docs/api");
        synced("guide/v0.md");
        synced("guide/v1.md");
        Files.createDirectories(tree.resolve("docs/api"));
        Files.writeString(tree.resolve("docs/api/v0.md"), "api page");
        Files.writeString(tree.resolve("guide"), "the guide as one file");

        Batch batch = new Batch(0, 100, 60_000);
        for (String path : List.of("docs/api/v0.md", "guide", "docs/api")) {
            batch.add(path, 1);
        }
        List<String> planned = planner.plan(batch).stream()
                .map(a -> (a.isDelete() ? "delete " : "upload ") + a.path()).toList();

        assertEquals(List.of("delete guide/v0.md", "delete guide/v1.md", "delete docs/api",
                "upload docs/api/v0.md", "upload guide"), planned);
    }

    @Test
    void theDeletesOfObjectsANewFileMayBeCopiedFromGoAfterTheUploadsUnlessInTheirWay() throws Exception {
        CopySources copies = new CopySources();
        copies.setServerSideCopy("64KB");
        copies.setState(state);
        planner.setCopySources(copies);
        long large = 100 << 10;
        // a directory renamed (old/big.bin a copy source, old/small.txt too small to be one), a file that became a
        // directory of new files (photo.jpg: large, but in the way), a large file deleted beside them
        state.confirmUploaded(new SyncedFile("old/big.bin", large, 1, 1, "aa".repeat(32)));
        state.confirmUploaded(new SyncedFile("old/small.txt", 10, 1, 1, "bb".repeat(32)));
        state.confirmUploaded(new SyncedFile("photo.jpg", large, 1, 1, "cc".repeat(32)));
        state.confirmUploaded(new SyncedFile("gone.iso", large, 1, 1, "dd".repeat(32)));
        Files.createDirectories(tree.resolve("new"));
        Files.write(tree.resolve("new/big.bin"), new byte[(int) large]);
        Files.createDirectories(tree.resolve("photo.jpg"));
        Files.writeString(tree.resolve("photo.jpg/1.jpg"), "one");

        Batch batch = new Batch(0, 100, 60_000);
        for (String path : List.of("old", "new/big.bin", "photo.jpg", "photo.jpg/1.jpg", "gone.iso")) {
            batch.add(path, 1);
        }
        List<SyncAction> planned = planner.plan(batch);
        List<List<String>> phases = planner.inPhases(planned).stream()
                .map(phase -> phase.actions().stream().map(a -> (a.isDelete() ? "delete " : "upload ") + a.path()).toList())
                .toList();

        assertEquals(List.of(
                List.of("delete old/small.txt", "delete photo.jpg", "upload new/big.bin", "upload photo.jpg/1.jpg"),
                List.of("delete old/big.bin", "delete gone.iso")), phases);
    }

    @Test
    void aBatchOfDeletesOnlyHoldsItsCopySourcesBackTooAndEveryBatchHasTwoPhases() throws Exception {
        CopySources copies = new CopySources();
        copies.setServerSideCopy("64KB");
        copies.setState(state);
        planner.setCopySources(copies);
        state.confirmUploaded(new SyncedFile("gone.iso", 100 << 10, 1, 1, "dd".repeat(32)));
        state.confirmUploaded(new SyncedFile("small.txt", 10, 1, 1, "ee".repeat(32)));
        Batch batch = new Batch(0, 100, 60_000);
        batch.add("gone.iso", 1);  // the old name of a move whose new names are in another batch
        batch.add("small.txt", 1);
        List<BatchPhase> phases = planner.inPhases(planner.plan(batch));
        assertEquals(List.of(new BatchPhase(List.of(SyncAction.delete("small.txt", 1)), false),
                new BatchPhase(List.of(SyncAction.delete("gone.iso", 1).afterCopies()), true)), phases);
        assertEquals(List.of(new BatchPhase(List.of(), false), new BatchPhase(List.of(), true)),
                planner.inPhases(List.of()));
    }
}
