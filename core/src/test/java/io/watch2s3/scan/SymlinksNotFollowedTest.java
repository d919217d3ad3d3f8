package io.watch2s3.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymlinksNotFollowedTest {

    @TempDir
    Path tree;

    @Test
    void namesThreeWithWhereTheyPointAndCountsTheRest() throws Exception {
        SymlinksNotFollowed links = new SymlinksNotFollowed();
        assertEquals("", links.summary());
        for (String name : new String[] {"a", "b", "c", "d"}) {
            links.add(name, Files.createSymbolicLink(tree.resolve(name), Path.of("/srv/shared/" + name)));
        }
        assertEquals("; 4 symlinks not followed (sync.follow-symlinks=false): a -> /srv/shared/a, b -> /srv/shared/b,"
                + " c -> /srv/shared/c, …", links.summary());
    }

    @Test
    void aLinkReplacedByAFileOrGoneSinceTheListingIsNamedWithoutItsTarget() throws Exception {
        SymlinksNotFollowed links = new SymlinksNotFollowed();
        links.add("now a file", Files.writeString(tree.resolve("now a file"), "x"));
        links.add("gone\nname", tree.resolve("gone"));
        assertEquals("; 2 symlinks not followed (sync.follow-symlinks=false): now a file -> ?, gone\\nname -> ?",
                links.summary());
    }
}
