package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.config.Globs;
import java.util.List;
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

    @Test
    void aGlobThatMatchesADirectoryMatchesEverythingBelowIt() {
        filter.setExclude(".git, node_modules, build/cache");
        assertFalse(filter.accepts("repo/.git/config"));
        assertFalse(filter.accepts(".git/objects/ab/cdef"));
        assertFalse(filter.accepts("web/node_modules/left-pad/index.js"));
        assertFalse(filter.accepts("build/cache/x.bin"));
        assertTrue(filter.accepts("src/build/cache/x.bin"), "a glob with '/' is the whole path");
        assertTrue(filter.accepts("repo/.gitignore"));
        assertTrue(filter.accepts("docs/git/page.html"));
        assertTrue(filter.excludesAllBelow("repo/.git"));
        assertTrue(filter.excludesAllBelow("repo/.git/objects"));
        assertFalse(filter.excludesAllBelow("repo/src"));
        filter.setInclude("*.html");
        assertFalse(filter.excludesAllBelow("repo/src"), "an include never keeps a walk out: *.html may be below");
    }

    @Test
    void anIncludedDirectoryIncludesWhatIsBelowIt() {
        filter.setInclude("public");
        assertTrue(filter.accepts("public/css/site.css"));
        assertTrue(filter.accepts("app/public/index.html"));
        assertFalse(filter.accepts("private/key.pem"));
    }

    @Test
    void aCommaInsideBracesOrBracketsBelongsToItsGlob() {
        assertEquals(List.of("*.{swp,swo}", "*~", "[,;]x", "{a,b}/**"), Globs.split(" *.{swp,swo}, *~ ,,[,;]x,{a,b}/** "));
        filter.setExclude(".*.{swp,swo}, *~, {drafts,tmp}/**");
        assertFalse(filter.accepts(".index.html.swp"));
        assertFalse(filter.accepts("deep/.index.html.swo"));
        assertFalse(filter.accepts("about.html~"));
        assertFalse(filter.accepts("drafts/new.html"));
        assertFalse(filter.accepts("tmp/x"));
        assertTrue(filter.accepts("index.html"));
        assertTrue(filter.accepts("site/drafts/new.html"));
    }

    @Test
    void anEscapedCommaIsPartOfItsGlob() {
        assertEquals(List.of("a\\,b.txt", "c"), Globs.split("a\\,b.txt,c"));
        filter.setExclude("a\\,b.txt");
        assertFalse(filter.accepts("a,b.txt"));
    }
}
