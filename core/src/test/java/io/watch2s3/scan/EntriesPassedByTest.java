package io.watch2s3.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntriesPassedByTest {

    @TempDir
    Path tree;

    @Test
    void namesThreeWithWhereTheyPointAndCountsTheRest() throws Exception {
        EntriesPassedBy links = new EntriesPassedBy();
        assertEquals("", links.summary());
        for (String name : new String[] {"a", "b", "c", "d"}) {
            links.symlink(name, Files.createSymbolicLink(tree.resolve(name), Path.of("/srv/shared/" + name)));
        }
        assertEquals("; 4 symlinks not followed (sync.follow-symlinks=false): a -> /srv/shared/a, b -> /srv/shared/b,"
                + " c -> /srv/shared/c, …", links.summary());
    }

    @Test
    void aLinkReplacedByAFileOrGoneSinceTheListingIsNamedWithoutItsTarget() throws Exception {
        EntriesPassedBy links = new EntriesPassedBy();
        links.symlink("now a file", Files.writeString(tree.resolve("now a file"), "x"));
        links.symlink("gone\nname", tree.resolve("gone"));
        assertEquals("; 2 symlinks not followed (sync.follow-symlinks=false): now a file -> ?, gone\\nname -> ?",
                links.summary());
    }

    @Test
    void specialFilesAreCountedAfterTheSymlinks() throws Exception {
        EntriesPassedBy passed = new EntriesPassedBy();
        passed.special("run/app.sock");
        assertEquals("; 1 special file not uploaded (a named pipe, socket or device has no content to send):"
                + " run/app.sock", passed.summary());
        passed.symlink("a", Files.createSymbolicLink(tree.resolve("a"), Path.of("/srv/a")));
        passed.special("queue.fifo");
        assertEquals("; 1 symlink not followed (sync.follow-symlinks=false): a -> /srv/a; 2 special files not uploaded"
                + " (a named pipe, socket or device has no content to send): run/app.sock, queue.fifo", passed.summary());
    }
}
