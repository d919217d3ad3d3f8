// The cost, per file, of how durable the state database is, and what each choice forgets at a kill -9.
//
//   java -cp target/watch2s3.jar bench/StateCost.java WORKDIR [FILES]
//
// Three ways to record what S3 confirmed, on the real embedded H2 database (the same statements as watch2s3):
//   delayed       one MERGE per confirmed file; H2 writes commits to disk up to 500 ms later (watch2s3 before #10)
//   write-through the same with WRITE_DELAY=0: every commit written to the file before the next
//   pending       watch2s3 now: before a batch's uploads, one transaction of pending rows and a CHECKPOINT, then one
//                 MERGE per confirmed file with H2's delayed writes (StateDatabase#recordPending)
// For each: process CPU per file (H2's writer thread included) over FILES files in batches of 1,000, then a child JVM
// that records FILES files and halts (as kill -9) right after the last one; the paths the next open knows, as rows or
// pending rows, out of FILES. A path it does not know is an object whose file, deleted while watch2s3 was down,
// would never have its object deleted. One line per choice: choice,cpu_us_per_file,known_after_kill,files
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class StateCost {

    static final int BATCH = 1_000;

    public static void main(String[] args) throws Exception {
        if (args[0].equals("child")) {
            record(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
            Runtime.getRuntime().halt(9); // right after the last confirmation, the database still open: as kill -9
        }
        Path work = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        for (String choice : List.of("delayed", "write-through", "pending")) {
            record(choice, Files.createDirectories(work.resolve(choice + "-warm")), files / 2).close(); // JIT warm-up
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            AutoCloseable db = record(choice, Files.createDirectories(work.resolve(choice)), files);
            long cpu = os.getProcessCpuTime() - cpu0;
            db.close();
            Path killed = Files.createDirectories(work.resolve(choice + "-killed"));
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), sourceFile(), "child", choice, killed.toString(),
                    Integer.toString(files)).inheritIO().start();
            child.waitFor();
            System.out.printf("%s,%.1f,%d,%d%n", choice, cpu / 1e3 / files, known(killed), files);
        }
    }

    static String sourceFile() {
        return Path.of(System.getProperty("user.dir"), "bench", "StateCost.java").toString();
    }

    /** Records {@code files} confirmed uploads the way {@code choice} does; returns the open database. */
    static AutoCloseable record(String choice, Path dir, int files) throws Exception {
        if (choice.equals("write-through")) {
            return recordWriteThrough(dir, files);
        }
        StateDatabase state = new StateDatabase();
        state.setDirectory(dir.toString());
        state.start();
        for (int start = 0; start < files; start += BATCH) {
            List<String> batch = new ArrayList<>();
            for (int i = start; i < Math.min(files, start + BATCH); i++) {
                batch.add("site/dir" + i / 100 + "/file-" + i + ".html");
            }
            if (choice.equals("pending")) {
                state.recordPending(batch);
            }
            for (String path : batch) {
                state.confirmUploaded(new SyncedFile(path, 4096, System.nanoTime(), System.nanoTime(), "ab".repeat(32)));
            }
        }
        return state::stop;
    }

    /** The alternative: the same MERGE per file, with H2 writing every commit through. */
    static AutoCloseable recordWriteThrough(Path dir, int files) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("state") + ";WRITE_DELAY=0", "sa", "");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS synced_file (path VARCHAR(4096) PRIMARY KEY, parent VARCHAR(4096)"
                    + " NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, sha256 CHAR(64) NOT NULL,"
                    + " confirmed_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        PreparedStatement merge = c.prepareStatement("MERGE INTO synced_file (path, parent, size, mtime_ns, sha256,"
                + " confirmed_at) KEY (path) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)");
        for (int i = 0; i < files; i++) {
            merge.setString(1, "site/dir" + i / 100 + "/file-" + i + ".html");
            merge.setString(2, "site/dir" + i / 100);
            merge.setLong(3, 4096);
            merge.setLong(4, System.nanoTime());
            merge.setString(5, "ab".repeat(32));
            merge.executeUpdate();
        }
        return c;
    }

    /** How many paths a database left by a killed process knows (confirmed or pending). */
    static long known(Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("state"), "sa", "");
                var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM synced_file")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0; // nothing was written at all
        }
    }
}
