package io.watch2s3.change;

import java.io.File;
import java.nio.file.Path;
import org.apache.camel.Body;

/**
 * The path relative to watch.dir of a file event, as the file system spells it. file-watch's own
 * CamelFileRelativePath header is "normalized" for Windows: a backslash, an ordinary character of a Linux name,
 * becomes a '/', so `a\b.txt` was reported as `a/b.txt` — another file. The event's body is the real File.
 */
public class EventPaths {

    private Path root;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    /** "dir/name" for an event on watch.dir/dir/name; "" for the root itself. */
    public String relativeToRoot(@Body File file) {
        // normalize(): the watcher watches watch.dir/. (see the route) and reports watch.dir/./a/b
        return root.relativize(file.toPath().toAbsolutePath().normalize()).toString();
    }
}
