package io.watch2s3.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

    private final ObjectKeys keys = new ObjectKeys();

    @Test
    void theKeyIsThePrefixAndThePathCharacterForCharacter() {
        keys.setPrefix("site/");
        assertEquals(Optional.of("site/a b/c\\d.txt"), keys.keyFor("a b/c\\d.txt"));
        String nfd = "cafe\u0301.txt";
        assertEquals(Optional.of("site/" + nfd), keys.keyFor(nfd), "decomposed Unicode is kept as it is");
        keys.setPrefix(null);
        assertEquals(Optional.of("x"), keys.keyFor("x"));
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedWithAReason() {
        // U+FFFD is a character of a valid name too: whether it stands for bytes only the disk says (BatchPlanner)
        assertEquals(Optional.of("bad\uFFFDname"), keys.keyFor("bad\uFFFDname"));
        assertFalse(ObjectKeys.isWellFormed("bad\uFFFDname"));
        assertTrue(keys.whyRefused("lone\uD800").contains("UTF-8"));
        assertTrue(keys.keyFor("lone\uD800").isEmpty());
        assertTrue(keys.keyFor("lone\uDC00x").isEmpty());
        assertEquals(Optional.of("\uD83D\uDE00.txt"), keys.keyFor("\uD83D\uDE00.txt"), "a surrogate pair is fine");
    }

    @Test
    void aKeyOver1024BytesIsRefusedCountingThePrefix() {
        keys.setPrefix("p/");
        assertNull(keys.whyRefused("a".repeat(1022)));
        assertNotNull(keys.whyRefused("a".repeat(1023)));
        assertNotNull(keys.whyRefused("\u00e9".repeat(512)), "1024 characters of two bytes each");
    }

    @Test
    void aKeyThatCamelWouldEvaluateIsPassedByIndirection() {
        assertEquals("plain.txt", ObjectKeys.headerValueFor("plain.txt", "H"));
        assertEquals("${header.H}", ObjectKeys.headerValueFor("${env:SECRET}", "H"));
        assertEquals("${header.H}", ObjectKeys.headerValueFor("a$simple{x}", "H"));
    }
}
