package io.watch2s3.state;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state file deleted (a cleanup job, an {@code rm -rf} of the wrong directory) or replaced while watch2s3 runs:
 * H2 goes on in the deleted file, which the system frees at the close, so the next start began empty — every file
 * uploaded again, and the objects of files deleted meanwhile kept in S3 for good. On the real H2 database and real
 * files: the database is written back, and a restart finds every row.
 */
class DeletedStateFileTest {

    private static final int ROWS = 2_000;

    @TempDir
    Path tmp;

    private Path stateDir;
    private StateDatabase state;

    @BeforeEach
    void start() {
        stateDir = tmp.resolve("state");
        state = started();
        for (int i = 0; i < ROWS; i++) {
            state.confirmUploaded(row(i));
        }
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    private StateDatabase started() {
        StateDatabase db = new StateDatabase();
        db.setDirectory(stateDir.toString());
        db.start();
        return db;
    }

    private static SyncedFile row(int i) {
        return new SyncedFile("site/page " + i + ".html", i, 1_000 + i, 2_000 + i, String.format("%064x", i));
    }

    /** The rows a new start finds. */
    private long rowsAfterARestart() {
        state.stop();
        state = started();
        return state.count();
    }

    @Test
    void aDeletedFileIsWrittenBackAndTheDatabaseGoesOn() throws Exception {
        Files.delete(state.file());

        assertTrue(state.keepUsable(), "works again");
        assertNull(state.getBrokenCause());
        assertTrue(Files.exists(state.file()), "written back");
        state.confirmUploaded(row(ROWS)); // a confirmation after it is kept too
        assertFalse(state.keepUsable(), "nothing more to do");
        assertEquals(ROWS + 1, rowsAfterARestart());
        assertEquals(row(7), state.find(row(7).path()).orElseThrow());
        assertEquals(List.of(), leftovers(), "no rescue file left");
    }

    @Test
    void aDeletedStateDirectoryIsMadeAgain() throws Exception {
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
        assertFalse(Files.exists(stateDir));

        assertTrue(state.keepUsable());
        assertEquals(ROWS, rowsAfterARestart());
    }

    @Test
    void aFileMovedInItsPlaceIsKeptAside() throws Exception {
        Path other = tmp.resolve("other-state.mv.db");
        Files.writeString(other, "not ours");
        Files.move(other, state.file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertTrue(state.keepUsable());
        assertEquals(ROWS, rowsAfterARestart());
        List<Path> aside = leftovers();
        assertEquals(1, aside.size(), aside.toString());
        assertTrue(aside.get(0).getFileName().toString().startsWith("state.mv.db.replaced-"), aside.toString());
        assertEquals("not ours", Files.readString(aside.get(0)));
    }

    @Test
    void aFileDeletedJustBeforeTheStopIsWrittenBackByTheStop() throws Exception {
        Files.delete(state.file());
        // no keepUsable() call in between: the stop comes first
        assertEquals(ROWS, rowsAfterARestart());
    }

    /** A stop that cut a rescue short (after the rows were written out as SQL) leaves that script: it is the state. */
    @Test
    void aRescueScriptLeftByAnEarlierRunIsReadAtStart() throws Exception {
        state.stop();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + stateDir.resolve("state"), "sa", "");
                PreparedStatement script = c.prepareStatement("SCRIPT TO ?")) {
            script.setString(1, stateDir.resolve("state-rescue.sql").toString());
            script.execute();
        }
        Files.delete(state.file());

        state = started();
        assertEquals(ROWS, state.count());
        assertEquals(List.of(), leftovers());
    }

    /** A leftover script that cannot be read back stops the start with the state.dir line; nothing is replaced. */
    @Test
    void aRescueScriptThatCannotBeReadBackStopsTheStartAndIsLeftAsItWas() throws Exception {
        state.stop();
        Files.delete(state.file());
        Path script = stateDir.resolve("state-rescue.sql");
        Files.writeString(script, "this is no SQL H2 wrote");

        state = new StateDatabase();
        state.setDirectory(stateDir.toString());
        io.watch2s3.config.ConfigurationException refused = org.junit.jupiter.api.Assertions.assertThrows(
                io.watch2s3.config.ConfigurationException.class, state::start);
        assertTrue(refused.getMessage().startsWith("state.dir: "), refused.getMessage());
        assertEquals("this is no SQL H2 wrote", Files.readString(script));
        assertFalse(Files.exists(state.file()), "no empty database took its place");
    }

    /** Files in state.dir other than the database's own. */
    /**
     * The rows were written out, and building the new file from them fails (here: something in its way). The rows are
     * safe in the script: files keep waiting, the build is tried again every 5 s, and once it can be done the database
     * is back with every row; a stop meanwhile leaves the script, which the next start reads.
     */
    @Test
    void aRebuildThatFailsAfterTheRowsWereWrittenOutIsTriedAgainAndLosesNothing() throws Exception {
        Files.delete(state.file());
        Path inTheWay = somethingInTheRebuildsWay();

        assertFalse(state.keepUsable(), "the rebuild failed");
        assertTrue(Files.exists(stateDir.resolve("state-rescue.sql")), "the rows are written out");
        assertTrue(state.getBrokenCause().contains("was deleted"), state.getBrokenCause());
        clear(inTheWay);
        await().atMost(Duration.ofSeconds(30)).until(state::keepUsable);
        assertNull(state.getBrokenCause());
        assertEquals(ROWS, rowsAfterARestart());
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aStopWhileTheRebuildFailsLeavesTheRowsForTheNextStart() throws Exception {
        Files.delete(state.file());
        Path inTheWay = somethingInTheRebuildsWay();
        assertFalse(state.keepUsable(), "the rebuild failed");
        state.stop();
        assertTrue(Files.exists(stateDir.resolve("state-rescue.sql")), "the rows are left as SQL");
        clear(inTheWay);
        state = started();
        assertEquals(ROWS, state.count());
        assertEquals(List.of(), leftovers());
    }

    /** A non-empty directory where the rebuild makes its new file: it cannot delete it, so the rebuild fails. */
    private Path somethingInTheRebuildsWay() throws Exception {
        Path inTheWay = Files.createDirectories(stateDir.resolve("state-rescue.mv.db"));
        Files.writeString(inTheWay.resolve("blocker"), "x");
        return inTheWay;
    }

    private static void clear(Path inTheWay) throws Exception {
        Files.delete(inTheWay.resolve("blocker"));
        Files.delete(inTheWay);
    }

    private List<Path> leftovers() throws Exception {
        try (Stream<Path> files = Files.list(stateDir)) {
            return files.filter(p -> !p.getFileName().toString().matches("state\\.(mv|trace)\\.db")).toList();
        }
    }
}
