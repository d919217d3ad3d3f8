package io.watch2s3.scan;

import io.watch2s3.log.LogSafe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The symlinks one walk of the tree passed by. They are never followed, and so never uploaded: a user who expected
 * {@code uploads -> /srv/shared/uploads} in the bucket learns why from the scan's line, with a few of them named.
 */
final class SymlinksNotFollowed {

    private static final int NAMED = 3;

    private long count;
    private final List<String> named = new ArrayList<>(NAMED);

    void add(String path, Path link) {
        count++;
        if (named.size() < NAMED) {
            String target;
            try {
                target = Files.readSymbolicLink(link).toString();
            } catch (IOException | RuntimeException e) { // replaced meanwhile: its name alone says enough
                target = "?";
            }
            named.add(LogSafe.name(path) + " -> " + LogSafe.name(target));
        }
    }

    /** "" when there were none, else what to add to the scan's line. */
    String summary() {
        if (count == 0) {
            return "";
        }
        return "; " + count + (count == 1 ? " symlink" : " symlinks") + " not followed (sync.follow-symlinks=false): "
                + String.join(", ", named) + (count > named.size() ? ", …" : "");
    }
}
