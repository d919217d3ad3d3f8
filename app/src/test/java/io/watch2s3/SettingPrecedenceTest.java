package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's order of precedence, in a real process: {@code -D}, then the environment, then the properties file,
 * then the default. Camel looks up an environment variable named like a placeholder (WATCH_DIR for watch.dir) before
 * a system property; left so, another tree was synced than the one -D named, and a real run became a dry run.
 */
class SettingPrecedenceTest extends S3TestBase {

    @Test
    void aSystemPropertyWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other tree"));
        write(tree, "wanted.txt", "from the tree -D names");
        write(other, "private.txt", "from the tree the environment names");
        Path fileTree = Files.createDirectories(dir.resolve("file tree"));
        write(fileTree, "file.txt", "from the tree the file names");

        Path work = dir.resolve("run");
        Files.createDirectories(work);
        // the properties file: watch.dir (beaten by -D), s3.prefix (beaten by the environment)
        Files.writeString(work.resolve("application.properties"), "watch.dir = " + fileTree + "\ns3.prefix = file/\n");
        Map<String, String> settings = settings(Map.of("sync.dry-run", "false"));
        settings.remove("s3.prefix");
        List<String> jvm = new ArrayList<>(TestApp.asJvmOptions(settings));
        Map<String, String> env = Map.of("WATCH_DIR", other.toString(), "SYNC_DRY_RUN", "true",
                "S3_PREFIX", "env/", "SYNC_PARALLELISM", "3");

        try (JavaProcess run = JavaProcess.start(work, jvm, env, "--once")) {
            assertEquals(0, run.waitFor(120), run.stderr());
            assertTrue(run.stderr().contains(tree + " → s3://" + bucket + "/env/"), run.stderr());
            assertTrue(run.stderr().contains("3 uploads at once"), run.stderr());
        }
        assertEquals("from the tree -D names", s3.getText(bucket, "env/wanted.txt"));
        assertEquals(List.of("env/wanted.txt"), s3.keys(bucket), "only -D's tree, sent for real, under env's prefix");
        assertFalse(s3.exists(bucket, "env/private.txt"));
    }
}
