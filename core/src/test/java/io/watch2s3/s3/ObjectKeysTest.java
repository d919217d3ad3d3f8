package io.watch2s3.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertTrue(keys.keyFor("bad\uFFFDname").isEmpty());
        assertTrue(keys.whyRefused("bad\uFFFDname").contains("UTF-8"));
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
