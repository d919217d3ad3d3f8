package io.watch2s3.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names of bytes that are not UTF-8 told from names that hold U+FFFD itself, on a real file system. */
class NamesNotUtf8Test {

    @TempDir
    Path root;

    /** Makes {@code relative} under the root with the shell, where {@code \377} is the byte 0xFF. */
    private void makeWithByteFF(String relative) throws Exception {
        Process sh = new ProcessBuilder("sh", "-c", "mkdir -p \"$1/$(printf \"$2\")\"", "sh", root.toString(), relative)
                .inheritIO().start();
        assertEquals(0, sh.waitFor());
    }

    @Test
    void aNameOfBytesIsFoundBesideItsTwinAndAloneWhereverItStandsInThePath() throws Exception {
        Map<Path, Integer> listed = new HashMap<>();
        makeWithByteFF("twin\\377/a");
        Files.createDirectories(root.resolve("twin\uFFFD/a"));
        makeWithByteFF("only\\377/b");
        makeWithByteFF("deep/er\\377");
        Files.createDirectories(root.resolve("valid\uFFFD/c"));
        assertEquals("twin\uFFFD", NamesNotUtf8.firstIn(root, "twin\uFFFD/a", listed));
        assertEquals("twin\uFFFD", NamesNotUtf8.firstIn(root, "twin\uFFFD/a/x.txt", listed), "a file below either");
        assertEquals("only\uFFFD", NamesNotUtf8.firstIn(root, "only\uFFFD/b", listed));
        assertEquals("deep/er\uFFFD", NamesNotUtf8.firstIn(root, "deep/er\uFFFD", listed));
        assertNull(NamesNotUtf8.firstIn(root, "valid\uFFFD/c", listed));
        assertNull(NamesNotUtf8.firstIn(root, "gone\uFFFD.txt", listed), "made and deleted: nothing to say");
        assertNull(NamesNotUtf8.firstIn(root, "no-dir/gone\uFFFD.txt", listed));
    }
}
