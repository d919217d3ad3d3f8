package io.watch2s3.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Writes an open database back to its path after its file was deleted (or moved away) while watch2s3 ran. H2 goes on
 * writing into the deleted file, which the system frees when H2 closes it: the next start would find no state, upload
 * the whole tree again, and never delete the objects of files deleted meanwhile.
 *
 * <p>H2's {@code BACKUP} cannot do it (it lists the directory to find the files to copy, and the file is not there),
 * so the rows go out as SQL ({@code SCRIPT}) and into a new database built beside the path, which is then moved into
 * place in one step: a crash meanwhile leaves either the old situation or the whole database, never a part of it.
 * Two steps, because the open database must be closed between them and either may fail (a full disk): each can be
 * tried again.
 */
final class StateFileRescue {

    /** Opens (or creates) the H2 database whose files start with {@code base}. */
    interface Connector {
        Connection connect(Path base) throws SQLException;
    }

    private final Path file;
    private final Path script;
    private final Path building;
    private final Connector connector;
    private boolean scriptWritten;

    /** @param file the database's file ({@code …/state.mv.db}) */
    StateFileRescue(Path file, Connector connector) {
        this.file = file;
        this.script = file.resolveSibling("state-rescue.sql");
        this.building = file.resolveSibling("state-rescue.mv.db");
        this.connector = connector;
    }

    boolean isScriptWritten() {
        return scriptWritten;
    }

    Path script() {
        return script;
    }

    /** True when an earlier run wrote the script and stopped before the database was back in place. */
    boolean isLeftBehind() {
        return Files.exists(script) && !Files.exists(file);
    }

    /** Step 1, while the database is still open: every row, as SQL, into a file beside it. */
    void writeScript(Connection open) throws SQLException, IOException {
        Files.createDirectories(file.getParent()); // a deleted state.dir goes with its file
        Files.deleteIfExists(script);
        Path writing = script.resolveSibling(script.getFileName() + ".part"); // a crash meanwhile leaves no script
        try (PreparedStatement ps = open.prepareStatement("SCRIPT TO ?")) {
            ps.setString(1, writing.toString());
            ps.execute();
        }
        Files.move(writing, script, StandardCopyOption.ATOMIC_MOVE);
        scriptWritten = true;
    }

    /**
     * Step 2, once the database is closed: builds the new database from the script and moves it into place. Returns
     * where a file that had taken the path's place was moved to, or null.
     */
    Path restore() throws SQLException, IOException {
        Files.deleteIfExists(building);
        try (Connection c = connector.connect(file.resolveSibling("state-rescue"));
                PreparedStatement run = c.prepareStatement("RUNSCRIPT FROM ?");
                Statement shutdown = c.createStatement()) {
            run.setString(1, script.toString());
            run.execute();
            shutdown.execute("SHUTDOWN");
        }
        Path aside = null;
        if (Files.exists(file)) {
            aside = file.resolveSibling(file.getFileName() + ".replaced-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.move(file, aside);
        }
        Files.move(building, file, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(script);
        return aside;
    }
}
