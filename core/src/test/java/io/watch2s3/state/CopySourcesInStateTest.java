package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state database answers which path's object holds a content (s3.server-side-copy): rows of 64KB and up whose row
 * still says that content, or is pending (S3 may still hold it), never the asking path itself; a database from before
 * copies lists its rows at the first start.
 */
class CopySourcesInStateTest {

    private static final long LARGE = 100 << 10;
    private static final String A = "aa".repeat(32);
    private static final String B = "bb".repeat(32);

    @TempDir
    Path dir;

    private StateDatabase open() {
        StateDatabase state = new StateDatabase();
        state.setDirectory(dir.toString());
        state.start();
        return state;
    }

    @Test
    void onlyARowThatStillSaysTheContentIsASource() {
        StateDatabase state = open();
        try {
            state.confirmUploaded(new SyncedFile("a.bin", LARGE, 1, 1, A));
            state.confirmUploaded(new SyncedFile("small.bin", 1000, 1, 1, B));
            assertEquals(Optional.of("a.bin"), state.copySourceFor(A, LARGE, "b.bin"));
            assertEquals(Optional.empty(), state.copySourceFor(A, LARGE, "a.bin"), "not the path itself");
            assertEquals(Optional.empty(), state.copySourceFor(A, LARGE + 1, "b.bin"), "another size");
            assertEquals(Optional.empty(), state.copySourceFor(B, 1000, "c.bin"), "too small to be listed");

            // its last request may have changed what S3 holds, or a crash cut its turn short: it may still hold the
            // content (the copy checks what it got), after the rows that say so
            state.confirmUploaded(new SyncedFile("a2.bin", LARGE, 1, 1, A));
            state.distrust("a.bin");
            assertEquals(Optional.of("a2.bin"), state.copySourceFor(A, LARGE, "b.bin"));
            state.confirmDeleted("a2.bin");
            assertEquals(Optional.of("a.bin"), state.copySourceFor(A, LARGE, "b.bin"));
            state.confirmUploaded(new SyncedFile("a.bin", LARGE, 2, 2, B)); // new content
            assertEquals(Optional.empty(), state.copySourceFor(A, LARGE, "b.bin"));
            assertEquals(Optional.of("a.bin"), state.copySourceFor(B, LARGE, "b.bin"));
            state.confirmDeleted("a.bin");
            assertEquals(Optional.empty(), state.copySourceFor(B, LARGE, "b.bin"));
        } finally {
            state.stop();
        }
    }

    @Test
    void aDatabaseFromBeforeCopiesListsItsLargeFilesAtTheFirstStart() throws Exception {
        StateDatabase first = open();
        first.confirmUploaded(new SyncedFile("a.bin", LARGE, 1, 1, A));
        first.stop();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("state"), "sa", "");
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE copy_source"); // as written by an earlier version
        }
        StateDatabase upgraded = open();
        try {
            assertEquals(Optional.of("a.bin"), upgraded.copySourceFor(A, LARGE, "b.bin"));
        } finally {
            upgraded.stop();
        }
    }
}
