package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathFilterTest {

    private final PathFilter filter = new PathFilter();

    @Test
    void noGlobsAcceptEverything() {
        filter.setInclude("");
        filter.setExclude(null);
        assertTrue(filter.accepts("a/b/c.txt"));
        assertTrue(filter.accepts(".hidden"));
    }

    @Test
    void aGlobWithoutSlashMatchesTheNameAtAnyDepth() {
        filter.setExclude("*.tmp, .git");
        assertFalse(filter.accepts("x.tmp"));
        assertFalse(filter.accepts("deep/down/x.tmp"));
        assertTrue(filter.accepts("x.tmp.txt"));
        assertFalse(filter.accepts("src/.git"));
    }

    @Test
    void aGlobWithSlashMatchesTheWholePath() {
        filter.setInclude("site/**");
        assertTrue(filter.accepts("site/index.html"));
        assertFalse(filter.accepts("other/site/index.html"));
        assertFalse(filter.accepts("index.html"));
    }

    @Test
    void excludeWinsOverInclude() {
        filter.setInclude("*.html");
        filter.setExclude("drafts/**");
        assertTrue(filter.accepts("index.html"));
        assertFalse(filter.accepts("drafts/index.html"));
        assertFalse(filter.accepts("style.css"));
    }
}
