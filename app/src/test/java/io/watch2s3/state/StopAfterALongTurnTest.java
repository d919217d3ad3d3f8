package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row recorded long after the last checkpoint (the confirmation of a large file whose upload took a minute) must
 * survive a clean stop. With H2 2.3.232 it did not: the compaction H2 runs as it closes dropped the chunks written since
 * (h2database/h2database#4247, fixed in 2.4.240), so a `--once` run that uploaded a 5 GB file exited 0 and the next run
 * sent the file again, and a watcher stopped a minute after its start lost every row it had recorded. On the real H2
 * database and a real file; among the app's tests, which run side by side, rather than the core's, which run one after
 * another (it waits a minute).
 */
class StopAfterALongTurnTest {

    @TempDir
    Path tmp;

    private StateDatabase started() {
        StateDatabase db = new StateDatabase();
        db.setDirectory(tmp.resolve("state").toString());
        db.start();
        return db;
    }

    @Test
    void aConfirmationAMinuteAfterTheLastCheckpointOutlivesTheStop() throws Exception {
        SyncedFile film = new SyncedFile("video/film.mp4", 5_905_580_032L, 1_000, 2_000, "ab".repeat(32));
        SyncedFile page = new SyncedFile("index.html", 12, 1_001, 2_001, "cd".repeat(32));
        StateDatabase state = started();
        state.confirmUploaded(page);
        state.recordPending(List.of(film.path())); // forced onto the disk, as each batch's are
        state.rememberUnfinishedUpload(new StateDatabase.UnfinishedUpload("video/film.mp4", "upload-1", film,
                64L << 20, false, "ef".repeat(32))); // and so is this
        // longer than the 45 s H2 keeps old chunks for: the upload of a large file
        Thread.sleep(60_000);
        state.forgetUnfinishedUpload("upload-1");
        state.confirmUploaded(film);
        state.turnEnded(film.path());
        state.stop();

        StateDatabase again = started();
        try {
            assertEquals(Optional.of(film), again.find(film.path()));
            assertEquals(Optional.of(page), again.find(page.path()));
            assertEquals(List.of(), again.unfinishedUploads());
        } finally {
            again.stop();
        }
    }
}
