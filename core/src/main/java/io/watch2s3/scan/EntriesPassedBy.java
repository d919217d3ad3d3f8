package io.watch2s3.scan;

import io.watch2s3.log.LogSafe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one walk of the tree passed by without uploading: symlinks (never followed) and special files (named pipes,
 * sockets, devices: they have no content to send). A user who expected {@code uploads -> /srv/shared/uploads} or a
 * FIFO's output in the bucket learns why from the scan's line, with a few of them named.
 */
final class EntriesPassedBy {

    private static final int NAMED = 3;

    private final Kind symlinks = new Kind("symlink", "symlinks", "not followed (sync.follow-symlinks=false)");
    private final Kind special = new Kind("special file", "special files",
            "not uploaded (a named pipe, socket or device has no content to send)");

    void symlink(String path, Path link) {
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (IOException | RuntimeException e) { // replaced meanwhile: its name alone says enough
            target = "?";
        }
        symlinks.add(LogSafe.name(path) + " -> " + LogSafe.name(target));
    }

    void special(String path) {
        special.add(LogSafe.name(path));
    }

    /** "" when there were none, else what to add to the scan's line. */
    String summary() {
        return symlinks.summary() + special.summary();
    }

    private static final class Kind {
        private final String one;
        private final String many;
        private final String why;
        private long count;
        private final List<String> named = new ArrayList<>(NAMED);

        Kind(String one, String many, String why) {
            this.one = one;
            this.many = many;
            this.why = why;
        }

        void add(String name) {
            count++;
            if (named.size() < NAMED) {
                named.add(name);
            }
        }

        String summary() {
            if (count == 0) {
                return "";
            }
            return "; " + count + " " + (count == 1 ? one : many) + " " + why + ": " + String.join(", ", named)
                    + (count > named.size() ? ", …" : "");
        }
    }
}
