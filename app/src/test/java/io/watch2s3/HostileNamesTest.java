package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.JarTest;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.Processes;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.text.Normalizer;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Any name a Linux file system can hold becomes exactly one key with the same characters — the key rclone, aws-cli
 * and s3cmd expect for it, so their checks agree with ours — or is refused with one log line that shows it escaped
 * and a count. Never another key, another file's content, a leaked setting or a stalled pipeline.
 */
class HostileNamesTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);

    /** Names whose key is the name itself. */
    private static Map<String, String> exactNames() {
        String composed = Normalizer.normalize("café-twin.txt", Normalizer.Form.NFC);
        String decomposed = Normalizer.normalize("café-twin.txt", Normalizer.Form.NFD);
        Map<String, String> names = new LinkedHashMap<>();
        for (String name : List.of("null", "'x'", "\"y\"", "a,b", "*", "${env:HOME}", "{{s3.secret-key}}",
                "#{x}", "$simple{header.relPath}", "${header.relPath}", "a\\b.txt", "new\nline.txt", "tab\there.txt",
                "sp ace+plus%25#?.txt", "日本語/ファイル.txt", composed, decomposed)) {
            names.put(name, "content of [" + name + "]");
        }
        names.put("a/b.txt", "the real a/b.txt, not the backslash one");
        return names;
    }

    @Test
    void everyNameBecomesExactlyItsOwnKeyWithItsOwnContent() throws Exception {
        Map<String, String> names = exactNames();
        try (TestApp app = start(Map.of("s3.secret-key", "TOP-SECRET-VALUE"))) {
            names.forEach((name, content) -> write(tree, name, content));
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1)).alias("keys " + names.keySet())
                    .until(() -> s3.keys(bucket), keys -> new HashSet<>(keys).containsAll(names.keySet()));
            names.forEach((name, content) -> assertEquals(content, s3.getText(bucket, name), name));
            Set<String> keys = new HashSet<>(s3.keys(bucket));
            assertEquals(names.keySet(), keys, "no other key");
            assertTrue(keys.stream().noneMatch(k -> k.contains("TOP-SECRET")), "no setting expanded in a key");
            assertEquals(0, app.counters().getFailed(), app.counters().toString());
        }
    }

    @Test
    void aNameThatIsNotUtf8OrTooLongIsRefusedWithAnEscapedLogLineAndCountedAndTheOthersGoOn() throws Exception {
        String longName = "n".repeat(200) + "/" + "n".repeat(200) + "/" + "n".repeat(200) + "/" + "n".repeat(200) + "/"
                + "n".repeat(200) + "/" + "n".repeat(200) + ".txt";
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of())) {
            // a name with the byte 0xFF, as a Latin-1 system or a broken archive leaves it
            assertEquals(0, Processes.run("sh", "-c", "printf 'latin-1' > \"$1/caf$(printf '\\351').txt\"", "sh",
                    tree.toString()));
            write(tree, longName, "too long for S3");
            write(tree, "fine.txt", "fine");
            await().atMost(LONG).until(() -> s3.exists(bucket, "fine.txt"));
            await().atMost(LONG).until(() -> app.counters().getRefused() == 2);
            assertEquals(List.of("fine.txt"), s3.keys(bucket));
            List<String> warnings = log.lines(Level.WARN, "BatchPlanner");
            // the JVM has already decoded the byte to U+FFFD; the log shows that, escaped, and why
            assertTrue(warnings.stream().anyMatch(l -> l.contains("caf\\uFFFD.txt") && l.contains("not valid UTF-8")),
                    "the name, escaped: " + warnings);
            write(tree, "later.txt", "later");
            await().atMost(LONG).until(() -> s3.exists(bucket, "later.txt"));
        }
    }

    /**
     * U+FFFD is what the JVM makes of bytes that are not UTF-8, and a character a valid name may hold (bytes EF BF
     * BD): such a name was refused as "not valid UTF-8" while rclone, aws and s3cmd all expected its object (outside
     * probe). It syncs like any name now, its deletes and renames too.
     */
    @Test
    void aNameThatHoldsTheReplacementCharacterItselfIsAnOrdinaryName() throws Exception {
        String dirName = "ok\uFFFD dir";
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of("sync.deletes", "true"))) {
            write(tree, dirName + "/h.txt", "hello");
            write(tree, "file\uFFFD.txt", "a file");
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 2);
            assertEquals("hello", s3.getText(bucket, dirName + "/h.txt"));
            assertEquals("a file", s3.getText(bucket, "file\uFFFD.txt"));

            java.nio.file.Files.move(tree.resolve(dirName), tree.resolve("moved\uFFFD"));
            java.nio.file.Files.delete(tree.resolve("file\uFFFD.txt"));
            await().atMost(LONG).until(() -> s3.keys(bucket).equals(List.of("moved\uFFFD/h.txt")));
            assertEquals("hello", s3.getText(bucket, "moved\uFFFD/h.txt"));
            assertEquals(0, app.counters().getRefused(), app.counters().toString());
            assertTrue(log.atLeast(Level.WARN).stream().noneMatch(l -> l.contains("not valid UTF-8")),
                    log.atLeast(Level.WARN).toString());
        }
    }

    /**
     * A directory whose name is not UTF-8, found by the catch-up scan (a restart, --once): the walk passed it by
     * without a word, --once said everything was synced and ended with 0 (outside probe). It is refused as its files
     * would be when the watcher reports them: one line, counted, and --once says not all was synced.
     */
    @Test
    void aDirectoryWhoseNameIsNotUtf8IsSaidAndCountedByTheCatchUpScanToo() throws Exception {
        String makeIt = "d=\"$1/bad$(printf '\\377') dir\"; mkdir \"$d\" && echo x > \"$d/f.txt\"";
        assertEquals(0, Processes.run("sh", "-c", makeIt, "sh", tree.toString()));
        write(tree, "plain.txt", "plain");
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of("sync.once", "true"))) {
            assertFalse(app.awaitOnceDone(), "not everything was synced");
            assertEquals(List.of("plain.txt"), s3.keys(bucket));
            assertEquals(1, app.counters().getRefused(), app.counters().toString());
            assertTrue(log.lines(Level.WARN, "BatchPlanner").stream().anyMatch(l -> l.contains("bad\\uFFFD dir")
                    && l.contains("not valid UTF-8")), log.atLeast(Level.WARN).toString());
        }
        try (TestApp app = start(Map.of())) { // watching: its scan says it too, and changes still arrive
            await().atMost(LONG).until(() -> app.counters().getRefused() == 1);
            write(tree, "later.txt", "later");
            await().atMost(LONG).until(() -> s3.exists(bucket, "later.txt"));
        }
    }

    /**
     * A name of bytes that are not UTF-8 and a twin that holds U+FFFD itself decode to one string: the twin syncs, and
     * the name of bytes is said once and counted, when the watcher reports it and when a scan finds it (it went unsaid:
     * the string named the twin). A valid name holding U+FFFD made and deleted within one quiet period, as an editor's
     * temporary file, is nothing to say (it was said to be "not valid UTF-8").
     */
    @Test
    void aNameOfBytesBesideItsTwinThatHoldsTheReplacementCharacterIsSaidAndTheTwinSyncs() throws Exception {
        String makeBytes = "printf 'bytes' > \"$1/twin$(printf '\\377').txt\"";
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of("sync.deletes", "true"))) {
            write(tree, "tmp\uFFFD.txt", "short-lived");
            java.nio.file.Files.delete(tree.resolve("tmp\uFFFD.txt"));
            write(tree, "twin\uFFFD.txt", "the valid one");
            assertEquals(0, Processes.run("sh", "-c", makeBytes, "sh", tree.toString()));
            await().atMost(LONG).until(() -> app.counters().getRefused() == 1 && s3.exists(bucket, "twin\uFFFD.txt"));
            assertEquals("the valid one", s3.getText(bucket, "twin\uFFFD.txt"));
            write(tree, "later.txt", "later");
            await().atMost(LONG).until(() -> s3.exists(bucket, "later.txt"));
            assertEquals(List.of("later.txt", "twin\uFFFD.txt"), s3.keys(bucket));
            assertEquals(1, app.counters().getRefused(), app.counters().toString());
            List<String> warnings = log.lines(Level.WARN, "BatchPlanner");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("twin\\uFFFD.txt") && warnings.get(0).contains("not valid UTF-8"),
                    warnings.toString());
        }
        try (TestApp app = start(Map.of("sync.once", "true"))) { // the scan finds it too
            assertFalse(app.awaitOnceDone(), "the name of bytes was not synced");
            assertEquals(1, app.counters().getRefused(), app.counters().toString());
            assertEquals("the valid one", s3.getText(bucket, "twin\uFFFD.txt"));
        }
    }

    @Test
    void controlCharactersInANameAreEscapedInTheLog() throws Exception {
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of())) {
            write(tree, "forged\nINFO  sync uploaded everything.txt", "a name that tries to forge a log line");
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 1);
            // the upload's line comes once the state recorded what S3 confirmed, a moment after S3 holds the object
            await().atMost(LONG).until(() -> log.atLeast(Level.INFO).stream()
                    .anyMatch(l -> l.contains("forged\\nINFO")));
            List<String> all = log.atLeast(Level.INFO);
            assertTrue(all.stream().noneMatch(l -> l.contains("\n")), "no line is split: " + all);
        }
    }

    @Test
    void deletingOneOfTwoUnicodeTwinsDeletesOnlyItsOwnObject() throws Exception {
        String composed = Normalizer.normalize("twin-é.txt", Normalizer.Form.NFC);
        String decomposed = Normalizer.normalize("twin-é.txt", Normalizer.Form.NFD);
        try (TestApp app = start(Map.of("sync.deletes", "true"))) {
            write(tree, composed, "composed");
            write(tree, decomposed, "decomposed");
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 2);
            java.nio.file.Files.delete(tree.resolve(decomposed));
            await().atMost(LONG).until(() -> s3.keys(bucket).equals(List.of(composed)));
            assertEquals("composed", s3.getText(bucket, composed));
        }
    }

    private void nonAsciiNamesSyncUnder(Map<String, String> env, List<String> unset) throws Exception {
        write(tree, "日本語/ファイル.txt", "japanese");
        write(tree, "café.txt", "coffee");
        List<String> jvm = TestApp.asJvmOptions(settings(Map.of()));
        try (JavaProcess once = JavaProcess.start(dir.resolve("run"), jvm, env, unset, "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        assertEquals(Set.of("日本語/ファイル.txt", "café.txt"), new HashSet<>(s3.keys(bucket)));
        assertEquals("japanese", s3.getText(bucket, "日本語/ファイル.txt"));
    }

    /** What cron gives. */
    @JarTest
    void underTheCLocaleNonAsciiNamesSyncAsUnderUtf8() throws Exception {
        nonAsciiNamesSyncUnder(Map.of("LC_ALL", "C"), List.of());
    }

    /** What a systemd unit without Environment=LANG gives; it is stopped as a service manager stops it. */
    @JarTest
    void withNoLocaleAtAllNonAsciiNamesSyncAndSigtermStillEndsItWithZero() throws Exception {
        List<String> jvm = TestApp.asJvmOptions(settings(Map.of()));
        try (JavaProcess watching = JavaProcess.start(dir.resolve("run"), jvm, Map.of(),
                List.of("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE"))) {
            await().atMost(LONG).until(() -> watching.stderr().contains("watching "));
            write(tree, "日本語/ファイル.txt", "japanese");
            await().atMost(LONG).until(() -> s3.exists(bucket, "日本語/ファイル.txt"));
            assertEquals("japanese", s3.getText(bucket, "日本語/ファイル.txt"));
            watching.terminate();
            assertEquals(0, watching.waitFor(60), watching.stderr());
        }
    }
}
