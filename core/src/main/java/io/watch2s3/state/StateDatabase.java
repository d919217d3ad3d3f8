package io.watch2s3.state;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.ServerSideCopy;
import io.watch2s3.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory of what S3 holds: one row per path, written only after S3 confirmed the PUT or DELETE. Embedded H2 in
 * {@code state.dir}: pure Java, one file, concurrent writers, plain JDBC so another database can take its place.
 *
 * <p>Durability: H2 writes commits to its file with a delay (500 ms), so a {@code kill -9} forgets the
 * confirmations of the last moments (8,133 of 50,000 in bench/StateCost.java). Writing every commit through cost
 * 210 µs of CPU per file instead of 37. Instead, before a batch's uploads start, {@link #recordPending} gives every
 * path that has no row a pending row and forces it to disk (one write and fsync per batch; 53 µs per file in all):
 * after a crash or a power loss, the next start's scan finds each path whose confirmation was lost — a pending or an
 * older row — and uploads the file again, or deletes its object if the file is gone meanwhile. No object is ever
 * unknown to the state.
 *
 * <p>Storage failures (disk full, read-only, I/O errors) leave H2 half-closed: it keeps answering from memory while
 * nothing reaches the disk. The first failure closes the database, logs one ERROR line, and makes every call fail
 * at once with {@link StateUnavailableException} (the files wait); {@link #keepUsable} tries to open it again
 * every few seconds and says when it works again. A file deleted or moved away while it is open is written back
 * ({@link StateFileRescue}). Each thread keeps its own connection with its statements prepared
 * once: a pooled connection per call parsed the SQL again every time, a sixth of the CPU of an upload.
 */
public class StateDatabase implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(StateDatabase.class);
    private static final long REOPEN_EVERY_MILLIS = 5_000;
    /**
     * Free space needed before a database that failed is called working again. H2 reuses the free room inside its
     * file, so a small test write succeeded on a disk still full, and the next batch failed again: "works again" and
     * a full scan every 7 s while nothing was freed (an outside probe). A batch's rows (10,000 paths) take about 2 MB.
     */
    private static final long FREE_SPACE_NEEDED = 4L << 20;

    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS synced_file (
              path VARCHAR(4096) PRIMARY KEY,
              parent VARCHAR(4096) NOT NULL,
              size BIGINT NOT NULL,
              mtime_ns BIGINT NOT NULL,
              sha256 CHAR(64) NOT NULL,
              confirmed_at TIMESTAMP WITH TIME ZONE NOT NULL);
            CREATE INDEX IF NOT EXISTS synced_file_parent ON synced_file(parent);
            ALTER TABLE synced_file ADD COLUMN IF NOT EXISTS ctime_ns BIGINT;
            ALTER TABLE synced_file ADD COLUMN IF NOT EXISTS ino BIGINT;
            ALTER TABLE synced_file ADD COLUMN IF NOT EXISTS doubts INT DEFAULT 0 NOT NULL;
            CREATE TABLE IF NOT EXISTS sync_target (
              id INT PRIMARY KEY,
              description VARCHAR(8192) NOT NULL,
              verified_at TIMESTAMP WITH TIME ZONE NOT NULL);
            CREATE TABLE IF NOT EXISTS watched_file_system (
              id INT PRIMARY KEY,
              description VARCHAR(8192) NOT NULL);
            CREATE TABLE IF NOT EXISTS storage_check (
              id INT PRIMARY KEY,
              checked_at TIMESTAMP WITH TIME ZONE NOT NULL);
            CREATE TABLE IF NOT EXISTS unfinished_upload (
              upload_id VARCHAR(1024) PRIMARY KEY,
              object_key VARCHAR(1024) NOT NULL,
              started_at TIMESTAMP WITH TIME ZONE NOT NULL);
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS path VARCHAR(4096);
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS size BIGINT;
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS mtime_ns BIGINT;
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS ctime_ns BIGINT;
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS sha256 CHAR(64);
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS part_size BIGINT;
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS md5_per_part BOOLEAN;
            ALTER TABLE unfinished_upload ADD COLUMN IF NOT EXISTS request_digest CHAR(64);
            CREATE TABLE IF NOT EXISTS copy_source (
              path VARCHAR(4096) PRIMARY KEY,
              sha256 CHAR(64) NOT NULL);
            CREATE INDEX IF NOT EXISTS copy_source_sha256 ON copy_source(sha256);
            """;
    /**
     * Files from this size on are listed in copy_source by their SHA-256, for S3 to copy their object when the same
     * content turns up under another path ({@link #copySourceFor}). A table of its own rather than an index on
     * synced_file's sha256: every upload and every batch's pending rows would update that index, a cost on each small
     * file of a burst, which copies nothing worth the request.
     */
    public static final long COPY_SOURCE_MIN_SIZE = ServerSideCopy.SMALLEST_ALLOWED;
    private static final String COLUMNS = "SELECT path, size, mtime_ns, ctime_ns, sha256, ino FROM synced_file ";
    private static final String PENDING_SHA = "0".repeat(64);
    /** Turns a row into a pending one: it no longer says what S3 holds. */
    private static final String MADE_PENDING = "size = " + SyncedFile.PENDING_SIZE
            + ", mtime_ns = 0, ctime_ns = NULL, ino = NULL, "
            + "sha256 = '" + PENDING_SHA + "', doubts = 0";

    private Path directory;
    private boolean readOnly;
    private boolean reportsUnfinished = true;
    private String url;
    /** Holds the database open between calls and runs the administrative statements. */
    private Connection anchor;
    /** Bumped whenever the database is closed and opened again: every thread's session from before is stale. */
    private volatile int generation;
    private volatile String brokenCause;
    private volatile long nextReopenMillis;
    private volatile int recoveries;
    private volatile boolean stopped;
    /** The identity (device and inode) of the file the database was opened from: a deleted file is written back. */
    private Object openedFileKey;
    /** Set while the database's deleted file is being written back. */
    private StateFileRescue rescue;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Session> session = new ThreadLocal<>();
    private final Object pendingWriter = new Object();

    /** state.dir: where the database file lives. */
    public void setDirectory(String directory) {
        // it becomes part of a JDBC URL: checked here too, whoever creates this bean and in whatever order
        Settings.checkAsWritten("state.dir", directory);
        this.directory = Path.of(directory).toAbsolutePath().normalize();
    }

    /**
     * Whether the start says how many files were left unconfirmed: false for a look before the pair's own start (the
     * start-up's target check), which would else say it too, and the pair's start then again.
     */
    public void setReportsUnfinished(boolean reportsUnfinished) {
        this.reportsUnfinished = reportsUnfinished;
    }

    /** sync.dry-run: read what S3 holds, record nothing. */
    public void setReadOnly(boolean readOnly) {
        this.readOnly = readOnly;
    }

    public Path directory() {
        return directory;
    }

    /** The database file. */
    public Path file() {
        return directory.resolve("state.mv.db");
    }

    @Override
    public synchronized void start() {
        if (anchor != null) {
            return;
        }
        stopped = false;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw ConfigurationException.forKey("state.dir", "cannot create " + directory + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        refuseUnwritable();
        refuseEmptyFile();
        url = "jdbc:h2:file:" + directory.resolve("state");
        try {
            restoreLeftRescue();
            open();
            distrustUnfinishedTurns();
        } catch (SQLException e) {
            String why = firstLine(e.getMessage());
            throw ConfigurationException.forKey("state.dir", "cannot open the state database " + file() + ": " + why
                    + (why.contains("in use") || why.contains("locked")
                    ? " (is another watch2s3 running with this state.dir?)" : resetAdvice()));
        }
    }

    private static boolean hasTable(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = '"
                + name + "'")) {
            return rs.next() && rs.getLong(1) > 0;
        }
    }

    /** A read-only state.dir (or file) made H2 print 45 lines of stack trace before "IO Exception". */
    private void refuseUnwritable() {
        if (readOnly) {
            return;
        }
        Path probe = directory.resolve(".write-check-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
            if (Files.exists(file()) && !Files.isWritable(file())) {
                throw new IOException(file() + " is read-only");
            }
        } catch (IOException e) {
            throw ConfigurationException.forKey("state.dir", "cannot write in " + directory + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); the state database must be writable");
        }
    }

    /**
     * H2 takes an empty file for a new database: a state file truncated to 0 bytes (a full disk at the wrong moment,
     * a careless copy) would start as "no file known" and upload the whole tree again without a word.
     */
    private void refuseEmptyFile() {
        Path file = file();
        try {
            if (Files.exists(file) && Files.size(file) == 0) {
                throw ConfigurationException.forKey("state.dir", "the state database " + file + " is empty (0 bytes),"
                        + " so watch2s3 cannot know what S3 holds" + resetAdvice());
            }
        } catch (IOException e) {
            throw ConfigurationException.forKey("state.dir", "cannot read the state database " + file + ": " + e);
        }
    }

    /** A rescue that a stop cut short left the rows as SQL beside a missing file: they are the state. */
    private void restoreLeftRescue() throws SQLException {
        StateFileRescue left = new StateFileRescue(file(), this::connectTo);
        if (!left.isLeftBehind()) {
            return;
        }
        try {
            left.restore();
        } catch (IOException e) {
            throw new SQLException("cannot write the state database back from " + left.script() + ": " + e, e);
        }
        LOG.warn("the state database {} was written back from {}, which an earlier run left", file(), left.script());
    }

    private String resetAdvice() {
        return ". To start afresh — every file is uploaded again, and objects of files deleted meanwhile stay in S3 —"
                + " move it away: mv " + file() + " " + file() + ".broken";
    }

    private void open() throws SQLException {
        anchor = connect();
        openedFileKey = fileKey();
        try (Statement s = anchor.createStatement()) {
            boolean listedForCopies = hasTable(s, "COPY_SOURCE");
            s.execute(SCHEMA);
            if (!listedForCopies && !readOnly) {
                // a database from before copies: its files can be copied from too
                s.executeUpdate("INSERT INTO copy_source (path, sha256) SELECT path, sha256 FROM synced_file WHERE size >= "
                        + COPY_SOURCE_MIN_SIZE);
            }
        } catch (SQLException e) {
            closeQuietly(anchor);
            anchor = null;
            throw e;
        }
    }

    /**
     * A row still in doubt at start belongs to a path whose upload or delete was planned and never confirmed: the
     * process was killed meanwhile (its confirmation lost with H2's delayed write), or the request failed. S3 may hold
     * the new content, the old one, or nothing, so the row says nothing: it becomes a pending row, and the catch-up
     * scan syncs the path again (uploads the file, or deletes the object of a file that is gone). Trusted instead, a
     * file moved back or reverted to the row's content while watch2s3 was down was taken as in S3 for good.
     */
    private void distrustUnfinishedTurns() throws SQLException {
        if (readOnly) {
            return;
        }
        try (Statement s = anchor.createStatement()) {
            // rows of paths whose first request a crash may have cut short count as in doubt too
            s.executeUpdate("UPDATE synced_file SET " + MADE_PENDING + " WHERE doubts > 0 OR mtime_ns = "
                    + SyncedFile.NOT_SENT_MTIME);
        }
        // with the pending rows an earlier start made and its run did not sync (stopped again before its scan did)
        long unfinished = reportsUnfinished ? countUnfinished() : 0;
        if (unfinished > 0) {
            LOG.info("state {}: {} files whose upload or delete had not been confirmed when watch2s3 last stopped:"
                    + " they are synced again", file(), unfinished);
        }
    }

    private Connection connect() throws SQLException {
        return connect(url);
    }

    /** Opens the database whose files start with {@code base}. */
    private Connection connectTo(Path base) throws SQLException {
        return connect("jdbc:h2:file:" + base);
    }

    private static Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "sa");
        props.setProperty("password", "");
        props.setProperty("DB_CLOSE_ON_EXIT", "FALSE");
        return DriverManager.getConnection(url, props);
    }

    @Override
    public synchronized void stop() {
        stopped = true;
        if (rescue != null || (anchor != null && !isFileInPlace())) {
            rescueAtStop();
            return;
        }
        if (anchor == null) {
            return;
        }
        sessions.forEach(Session::close);
        sessions.clear();
        try (Statement s = anchor.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            // closing anyway
        }
        closeQuietly(anchor);
        anchor = null;
    }

    public Optional<SyncedFile> find(String path) {
        return query(COLUMNS + "WHERE path = ?", path).stream().findFirst();
    }

    /** The rows of the files directly inside {@code parent} ("" for the root). */
    public List<SyncedFile> inDirectory(String parent) {
        return query(COLUMNS + "WHERE parent = ?", parent);
    }

    /** The rows at {@code path} itself and below it, as when a directory was deleted or moved out. */
    public List<SyncedFile> atOrBelow(String path) {
        // '/' + 1 is '0': every key that starts with "path/" sorts in ["path/", "path0").
        return query(COLUMNS + "WHERE path = ? OR (path >= ? AND path < ?)", path, path + "/", path + "0");
    }

    /** The rows strictly below {@code path}, as when a directory became a file. */
    public List<SyncedFile> below(String path) {
        return query(COLUMNS + "WHERE path >= ? AND path < ?", path + "/", path + "0");
    }

    /** How many rows {@link #atOrBelow} would return. */
    public long countAtOrBelow(String path) {
        return count("SELECT COUNT(*) FROM synced_file WHERE path = ? OR (path >= ? AND path < ?)",
                path, path + "/", path + "0");
    }

    /** How many of those rows may stand for an object in S3: all but new paths whose upload has not gone yet. */
    public long countObjectsAtOrBelow(String path) {
        return count("SELECT COUNT(*) FROM synced_file WHERE (path = ? OR (path >= ? AND path < ?)) AND NOT (size = "
                + SyncedFile.PENDING_SIZE + " AND mtime_ns = " + SyncedFile.NOT_SENT_MTIME + ")",
                path, path + "/", path + "0");
    }

    /** Every directory that holds a known file, parents before children; the scan finds vanished ones with it. */
    public List<String> knownDirectories() {
        List<String> parents = new ArrayList<>();
        try (ResultSet rs = statement("SELECT DISTINCT parent FROM synced_file ORDER BY parent").executeQuery()) {
            while (rs.next()) {
                parents.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw failure(e);
        }
        return parents;
    }

    /** How many files S3 is known to hold (pending rows not counted). */
    public long count() {
        return count("SELECT COUNT(*) FROM synced_file WHERE size >= 0");
    }

    /** Pending rows: paths whose sync a batch began and no turn ended (or a start distrusted). */
    long countUnfinished() {
        return count("SELECT COUNT(*) FROM synced_file WHERE size < 0");
    }

    /** The file system watch.dir was on when the rows were written (see DeleteGuard), or empty. */
    public Optional<String> watchedFileSystem() {
        return description("watched_file_system");
    }

    /** Records the file system watch.dir is on: the rows describe its files from now on. */
    public void recordWatchedFileSystem(String description) {
        if (readOnly) {
            return;
        }
        try {
            PreparedStatement ps = statement("MERGE INTO watched_file_system (id, description) KEY (id) VALUES (1, ?)");
            bind(ps, description);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Where the rows were uploaded to (endpoint, bucket, prefix), as {@link #adoptTarget} recorded it. */
    public Optional<String> target() {
        return description("sync_target");
    }

    /** The description of the one row of {@code table} (a name of ours, never a value). */
    private Optional<String> description(String table) {
        try (ResultSet rs = statement("SELECT description FROM " + table + " WHERE id = 1").executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * Makes the rows describe {@code target}, whose bucket was just checked. Rows recorded for another target say
     * nothing about this one (s3.bucket or s3.prefix changed, state.dir kept): they are forgotten, so every file is
     * uploaded again instead of being taken for present. Returns how many rows were forgotten.
     */
    public long adoptTarget(String target) {
        if (readOnly) {
            return 0;
        }
        Optional<String> before = target();
        long forgotten = 0;
        try {
            if (before.isPresent() && !before.get().equals(target)) {
                forgotten = statement("DELETE FROM synced_file").executeUpdate();
                statement("DELETE FROM copy_source").executeUpdate();
            }
            PreparedStatement ps = statement("MERGE INTO sync_target (id, description, verified_at) KEY (id) "
                    + "VALUES (1, ?, CURRENT_TIMESTAMP)");
            bind(ps, target);
            ps.executeUpdate();
            checkpoint();
        } catch (SQLException e) {
            throw failure(e);
        }
        return forgotten;
    }

    /**
     * Before a batch's uploads and deletes start: every path without a row gets a pending one, every row is marked
     * in doubt (until a turn of the path ends: {@link #turnEnded}, a confirmation), and the database is forced to
     * disk, so a crash during the requests cannot make the state forget that S3 may hold these objects, nor trust a row whose new content or delete S3 may
     * already have (see {@link #start}). One transaction and one write for the whole list.
     *
     * <p>Batches run side by side, and a burst puts a file's first event in one and its next in another: two of them
     * inserting the same path at once both found it missing, and the second failed on the primary key — its whole
     * batch was given up until the next scan (found by SyncToS3Test with batches of 40). So one batch at a time
     * writes its pending rows, and each sees the rows of those before it.
     */
    public void recordPending(Collection<String> paths) {
        if (readOnly || paths.isEmpty()) {
            return;
        }
        synchronized (pendingWriter) {
            try {
                whileKeyRaces(() -> insertPending(paths));
                checkpoint();
            } catch (SQLException e) {
                throw failure(e);
            }
        }
    }

    private void insertPending(Collection<String> paths) throws SQLException {
        Session mine = session();
        try {
            // one statement per path: a known row is marked in doubt, a new path gets its pending row
            PreparedStatement ps = mine.prepared("MERGE INTO synced_file t USING (VALUES (CAST(? AS VARCHAR(4096)), "
                    + "CAST(? AS VARCHAR(4096)))) AS s(path, parent) ON t.path = s.path "
                    + "WHEN MATCHED THEN UPDATE SET doubts = 1 "
                    + "WHEN NOT MATCHED THEN INSERT (path, parent, size, mtime_ns, sha256, confirmed_at) "
                    + "VALUES (s.path, s.parent, " + SyncedFile.PENDING_SIZE + ", " + SyncedFile.NOT_SENT_MTIME + ", '"
                    + PENDING_SHA + "', CURRENT_TIMESTAMP)");
            mine.connection.setAutoCommit(false);
            for (String path : paths) {
                bind(ps, path, parentOf(path));
                ps.addBatch();
            }
            ps.executeBatch();
            mine.connection.commit();
            mine.connection.setAutoCommit(true);
        } catch (SQLException e) {
            mine.rollbackQuietly();
            throw e;
        }
    }

    /** Records that S3 now holds this content under the path's key. */
    public void confirmUploaded(SyncedFile file) {
        if (readOnly) {
            return;
        }
        Object ctime = file.ctimeNanos() == SyncedFile.UNKNOWN_CTIME ? null : file.ctimeNanos();
        Object inode = file.inode() == SyncedFile.UNKNOWN_INODE ? null : file.inode();
        try {
            whileKeyRaces(() -> {
                // the turn ended and S3 said what it holds: no doubt left (see turnEnded)
                PreparedStatement ps = statement("MERGE INTO synced_file (path, parent, size, mtime_ns, ctime_ns, "
                        + "sha256, ino, confirmed_at, doubts) KEY (path) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP, 0)");
                bind(ps, file.path(), parentOf(file.path()), file.size(), file.mtimeNanos(), ctime, file.sha256(),
                        inode);
                ps.executeUpdate();
            });
            if (file.size() >= COPY_SOURCE_MIN_SIZE) {
                // not in one transaction with the row: a listing whose row says otherwise is never used
                PreparedStatement ps = statement("MERGE INTO copy_source (path, sha256) KEY (path) VALUES (?, ?)");
                bind(ps, file.path(), file.sha256());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private interface Statements {
        void run() throws SQLException;
    }

    /**
     * Both writers of a new path's row insert it when they find none: the confirming MERGE (a path whose row a delete
     * just removed, uploaded again) and a batch's pending rows. H2 checks the key only at the insert, so when both
     * run at once the second fails on the primary key (PendingRowsSideBySideTest: a few times in 2,000). Run again,
     * it finds the row the other committed: the MERGE updates it, the pending insert leaves it.
     */
    private static void whileKeyRaces(Statements statements) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                statements.run();
                return;
            } catch (SQLException e) {
                if (attempt == 3 || !isDuplicateKey(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean isDuplicateKey(SQLException e) {
        for (SQLException next = e; next != null; next = next.getNextException()) {
            if ("23505".equals(next.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * S3 may or may not have carried out the path's last request (it timed out, the connection broke, S3 answered
     * 5xx): the row says nothing about S3 any more, so it becomes pending, and the path's next turn reads and sends
     * the file whatever the row said (a file reverted meanwhile to the row's content would else be taken as in S3).
     */
    public void distrust(String path) {
        if (readOnly) {
            return;
        }
        update("UPDATE synced_file SET " + MADE_PENDING + " WHERE path = ?", path);
    }

    /**
     * A turn of this path ended without changing what S3 holds (the file was unchanged, vanished, or its request was
     * refused): the row says what S3 holds, no doubt left.
     *
     * <p>Cleared, not counted down: a turn whose end the database could not record (it was failing) left its doubt
     * behind, and a count then stayed above zero after the path had long been synced again, so every restart sent the
     * file once more. The price: when two batches planned one path, the first turn's end clears the second's doubt
     * too; only a crash during the second turn's request, with the file then reverted to the first turn's content
     * before the restart, leaves S3 with the second content.
     */
    public void turnEnded(String path) {
        if (readOnly) {
            return;
        }
        // a new path's row for which nothing was sent (it vanished, could not be read, was refused) goes, unless
        // another batch has planned the path meanwhile: left, it counted as an object to delete, against
        // sync.max-deletes too (an outside probe: 1,450 such rows held back 10 real deletes)
        update("DELETE FROM synced_file WHERE path = ? AND size = " + SyncedFile.PENDING_SIZE + " AND mtime_ns = "
                + SyncedFile.NOT_SENT_MTIME + " AND doubts = 0", path);
        doubtGone(path);
    }

    /**
     * {@link #turnEnded} for a path whose row is a confirmed one (the file was found unchanged): only the doubt goes.
     * One statement: this runs for every unchanged file a burst's second event brings.
     */
    public void turnEndedUnchanged(String path) {
        if (readOnly) {
            return;
        }
        doubtGone(path);
    }

    private void doubtGone(String path) {
        update("UPDATE synced_file SET doubts = 0 WHERE path = ? AND doubts > 0", path);
    }

    /** Records that S3 confirmed the delete of the path's object. */
    public void confirmDeleted(String path) {
        if (readOnly) {
            return;
        }
        update("DELETE FROM synced_file WHERE path = ?", path);
        update("DELETE FROM copy_source WHERE path = ?", path);
    }

    /**
     * A path other than {@code path} whose object S3 holds with this content, as S3 confirmed it ({@code sha256} and
     * {@code size}; listed when at least {@link #COPY_SOURCE_MIN_SIZE}), or empty. Rows no longer in doubt first: a
     * row in doubt may be having its object replaced or deleted right now. Then rows made pending (a crash during a
     * directory's move left the old names' rows so, and their objects are still there: their deletes wait for the
     * copies): S3 may still hold the content listed. Whoever copies from it checks what the copy holds: the row says
     * what S3 held when it confirmed it, not what it holds now.
     */
    public Optional<String> copySourceFor(String sha256, long size, String path) {
        try {
            PreparedStatement ps = statement("SELECT c.path FROM copy_source c JOIN synced_file f ON f.path = c.path "
                    + "WHERE c.sha256 = ? AND ((f.sha256 = ? AND f.size = ?) OR f.size = " + SyncedFile.PENDING_SIZE
                    + ") AND c.path <> ? ORDER BY f.size = " + SyncedFile.PENDING_SIZE + ", f.doubts LIMIT 1");
            bind(ps, sha256, sha256, size, path);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * A multipart upload was begun: until it is completed or aborted its parts cost storage in S3. On the disk before
     * the first part is sent, so that after a crash or a stop the next start finds it, and either goes on with it
     * (the file is as it was) or aborts it.
     */
    public void rememberUnfinishedUpload(UnfinishedUpload upload) {
        if (readOnly) {
            return;
        }
        SyncedFile file = upload.file();
        update("INSERT INTO unfinished_upload (upload_id, object_key, started_at, path, size, mtime_ns, ctime_ns, sha256,"
                + " part_size, md5_per_part, request_digest) VALUES (?, ?, CURRENT_TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?)",
                upload.uploadId(), upload.key(), file.path(), file.size(), file.mtimeNanos(), file.ctimeNanos(),
                file.sha256(), upload.partSize(), upload.md5PerPart(), upload.requestDigest());
        try {
            checkpoint();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * Forces what was recorded so far onto the disk, before a request that would make it needed: the deletes of the
     * objects this run's copies were made from (a kill -9 that forgot the copies would find their sources gone, and
     * upload the files again).
     */
    public void makeDurable() {
        if (readOnly) {
            return;
        }
        try {
            checkpoint();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** The multipart upload was completed or aborted. */
    public void forgetUnfinishedUpload(String uploadId) {
        if (readOnly) {
            return;
        }
        update("DELETE FROM unfinished_upload WHERE upload_id = ?", uploadId);
    }

    /** Multipart uploads begun and neither completed nor aborted: a run that crashed or stopped left them. */
    public List<UnfinishedUpload> unfinishedUploads() {
        List<UnfinishedUpload> uploads = new ArrayList<>();
        try {
            PreparedStatement ps = statement("SELECT object_key, upload_id, path, size, mtime_ns, ctime_ns, sha256,"
                    + " part_size, md5_per_part, request_digest FROM unfinished_upload ORDER BY started_at");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String path = rs.getString(3);
                    SyncedFile file = path == null ? null
                            : new SyncedFile(path, rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getString(7));
                    uploads.add(new UnfinishedUpload(rs.getString(1), rs.getString(2), file, rs.getLong(8),
                            rs.getBoolean(9), rs.getString(10)));
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
        return uploads;
    }

    /**
     * A multipart upload of {@code key} that S3 knows as {@code uploadId}: of {@code file} as it was when the upload
     * began (its path, size, mtime, ctime and SHA-256), in parts of {@code partSize} bytes, each checked by its
     * Content-MD5 ({@code md5PerPart}) or a CRC32, begun with the headers whose digest is {@code requestDigest}. A
     * row from before watch2s3 went on with such uploads has no file.
     */
    public record UnfinishedUpload(String key, String uploadId, SyncedFile file, long partSize, boolean md5PerPart,
            String requestDigest) {
    }

    /** Why the database cannot be used now, or null when it works (for health). */
    public String getBrokenCause() {
        return brokenCause;
    }

    public boolean isBroken() {
        return brokenCause != null;
    }

    /** How often the database was opened again after a storage failure. */
    public int getRecoveries() {
        return recoveries;
    }

    /**
     * Called every second. Writes the database back when its file was deleted or replaced; when it is broken, tries
     * at most every 5 s to open it again and to write to it. True when it works again (the caller then has the tree
     * scanned, since the last confirmations before a failure may be lost).
     */
    public synchronized boolean keepUsable() {
        if (brokenCause == null) {
            if (stopped || anchor == null || isFileInPlace()) {
                return false;
            }
            startRescue();
        }
        if (System.currentTimeMillis() < nextReopenMillis) {
            return false;
        }
        nextReopenMillis = System.currentTimeMillis() + REOPEN_EVERY_MILLIS;
        boolean lost = rescue == null && !Files.exists(file()); // while closed by a failure: nothing to write back
        try {
            finishRescue();
            open();
            checkStorage();
            checkFreeSpace();
        } catch (SQLException | IOException e) {
            if (rescue == null) {
                closeBroken();
            }
            LOG.debug("state database still unusable: {}", firstLine(e.getMessage()));
            return false;
        }
        if (lost) {
            LOG.error("the state database file {} was deleted while it could not be used: a new, empty one takes its"
                    + " place; every file is uploaded again, and the objects of files deleted meanwhile stay in S3",
                    file());
        }
        String was = brokenCause;
        brokenCause = null;
        recoveries++;
        LOG.info("the state database in {} works again (was: {})", directory, was);
        return true;
    }

    /**
     * H2 goes on in the deleted file as if nothing happened, and the system frees it at the close: the next start
     * would begin empty. Files wait meanwhile (no session may write into the file that is being copied).
     */
    private void startRescue() {
        String what = Files.exists(file()) ? "was replaced by another file" : "was deleted";
        brokenCause = "its file " + file() + " " + what + " while watch2s3 ran";
        LOG.error("the state database file {} {} while watch2s3 ran: writing it back from the open database (files"
                + " wait meanwhile)", file(), what);
        rescue = new StateFileRescue(file(), this::connectTo);
        generation++;
        sessions.forEach(Session::close);
        sessions.clear();
        nextReopenMillis = 0;
    }

    private void finishRescue() throws SQLException, IOException {
        if (rescue == null) {
            return;
        }
        if (!rescue.isScriptWritten()) {
            rescue.writeScript(anchor);
            closeBroken();
        }
        Path aside = rescue.restore();
        rescue = null;
        if (aside != null) {
            LOG.warn("the file that had taken the state database's place is kept as {}", aside);
        }
    }

    /** Stopping right after the file was deleted: the database is written back before it is closed for good. */
    private void rescueAtStop() {
        if (rescue == null) {
            startRescue();
        }
        try {
            finishRescue();
            LOG.info("the state database was written back to {}", file());
        } catch (SQLException | IOException e) {
            LOG.error("could not write the state database back to {} ({}){}", file(), firstLine(e.getMessage()),
                    rescue.isScriptWritten() ? ": its rows are in " + rescue.script() + ", which the next start reads"
                    : ": the next start finds no state and uploads every file again");
        }
        closeBroken();
    }

    /** False when the path no longer holds the file the database was opened from. */
    private boolean isFileInPlace() {
        Object now = fileKey();
        return now != null && (openedFileKey == null || openedFileKey.equals(now));
    }

    /** The file's identity (device and inode on Linux), or null when it does not exist. */
    private Object fileKey() {
        try {
            Object key = Files.readAttributes(file(), BasicFileAttributes.class).fileKey();
            return key == null ? "" : key; // a file system without identities: only its presence is checked
        } catch (IOException e) {
            return null;
        }
    }

    private void checkFreeSpace() throws IOException {
        long free = Files.getFileStore(directory).getUsableSpace();
        if (free < FREE_SPACE_NEEDED) {
            throw new IOException("only " + free + " bytes free in " + directory);
        }
    }

    /** A write that must reach the file: proves the storage takes writes again. */
    private void checkStorage() throws SQLException {
        try (Statement s = anchor.createStatement()) {
            s.executeUpdate("MERGE INTO storage_check (id, checked_at) KEY (id) VALUES (1, CURRENT_TIMESTAMP)");
            s.execute("CHECKPOINT");
        }
    }

    /**
     * Forces what was committed so far into the file (H2 otherwise writes it up to 500 ms later) and onto the disk
     * (fsync), so that neither a kill -9 nor a power loss forgets it. Once per batch, not per file.
     */
    private void checkpoint() throws SQLException {
        try (Statement s = session().connection.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private long count(String sql, Object... args) {
        try {
            PreparedStatement ps = statement(sql);
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private List<SyncedFile> query(String sql, Object... args) {
        List<SyncedFile> rows = new ArrayList<>();
        try {
            PreparedStatement ps = statement(sql);
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long ctime = rs.getLong(4);
                    if (rs.wasNull()) { // a row from before the column, or a pending one
                        ctime = SyncedFile.UNKNOWN_CTIME;
                    }
                    long inode = rs.getLong(6);
                    if (rs.wasNull()) { // a row from before the column, or a pending one
                        inode = SyncedFile.UNKNOWN_INODE;
                    }
                    rows.add(new SyncedFile(rs.getString(1), rs.getLong(2), rs.getLong(3), ctime, rs.getString(5),
                            inode));
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
        return rows;
    }

    private void update(String sql, Object... args) {
        try {
            PreparedStatement ps = statement(sql);
            bind(ps, args);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * Our statements are fixed, so an error is the storage's unless it is about the data (SQL states 22 and 23:
     * a value too long, a constraint): then only that one call failed.
     */
    private RuntimeException failure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (stopped) {
            return new StateUnavailableException("the state database was closed: watch2s3 is stopping");
        }
        if (state.startsWith("22") || state.startsWith("23")) {
            return new StateDatabaseException("state database: " + firstLine(e.getMessage()), e);
        }
        markBroken(e);
        return new StateUnavailableException("the state database cannot be used: " + brokenCause);
    }

    private synchronized void markBroken(SQLException e) {
        if (brokenCause != null) {
            return;
        }
        brokenCause = describe(e);
        nextReopenMillis = System.currentTimeMillis() + REOPEN_EVERY_MILLIS;
        LOG.error("the state database in {} failed: {}. Files wait (nothing is recorded as synced that S3 did not"
                + " confirm); trying to open it again every {} s.", directory, brokenCause, REOPEN_EVERY_MILLIS / 1000);
        closeBroken();
    }

    /** After a storage failure H2 would go on from memory alone: shut it down so the next open reads the file. */
    private void closeBroken() {
        generation++;
        sessions.forEach(Session::close);
        sessions.clear();
        if (anchor != null) {
            try (Statement s = anchor.createStatement()) {
                s.execute("SHUTDOWN IMMEDIATELY");
            } catch (SQLException ignored) {
                // it is being thrown away
            }
            closeQuietly(anchor);
            anchor = null;
        }
    }

    /**
     * The innermost message, without H2's decorations: "No space left on device". H2's own first line (a chain of
     * wrapped exceptions and a file channel's name) made the ERROR 580 characters long; it goes to DEBUG.
     */
    private static String describe(SQLException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = firstLine(root.getMessage());
        if (root != e) {
            LOG.debug("state database failure in full: {}", firstLine(e.getMessage()));
        }
        if (message.isBlank()) {
            message = root.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
        }
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    /** This thread's session on the open database. */
    private Session session() throws SQLException {
        if (brokenCause != null) {
            throw new StateUnavailableException("the state database cannot be used: " + brokenCause);
        }
        Session mine = session.get();
        int current = generation;
        if (mine == null || mine.isClosed() || mine.generation != current) {
            if (anchor == null) {
                throw new SQLException("the state database is closed", "08003");
            }
            mine = new Session(connect(), current);
            session.set(mine);
            sessions.add(mine);
        }
        return mine;
    }

    /** This thread's prepared {@code sql}, on this thread's connection. */
    private PreparedStatement statement(String sql) throws SQLException {
        return session().prepared(sql);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // nothing left to do
            }
        }
    }

    /** One thread's connection and the statements it prepared on it (used by that thread only). */
    private static final class Session {
        private final Connection connection;
        private final int generation;
        private final Map<String, PreparedStatement> statements = new HashMap<>();
        private volatile boolean closed;

        Session(Connection connection, int generation) {
            this.connection = connection;
            this.generation = generation;
        }

        PreparedStatement prepared(String sql) throws SQLException {
            PreparedStatement ps = statements.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                statements.put(sql, ps);
            }
            return ps;
        }

        void rollbackQuietly() {
            try {
                connection.rollback();
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                // the connection is broken; the failure was reported already
            }
        }

        boolean isClosed() {
            return closed;
        }

        void close() {
            closed = true;
            closeQuietly(connection);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    /** A statement of the state database failed for a reason of its own data; only that call is affected. */
    public static class StateDatabaseException extends RuntimeException {
        StateDatabaseException(String message, SQLException cause) {
            super(message, cause);
        }
    }

    /** The state database cannot be used now (its storage failed); the files wait until it works again. */
    public static class StateUnavailableException extends RuntimeException {
        StateUnavailableException(String message) {
            super(message);
        }
    }
}
