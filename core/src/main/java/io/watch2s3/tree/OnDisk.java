package io.watch2s3.tree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path relative to watch.dir is on disk right now, looked at component by component without following any
 * symlink. A path below a component that is not a real directory (a file, a symlink, nothing) does not exist in the
 * tree: it is {@link #GONE} — the answer a plain stat gives only for a missing path, while a file in the way makes it
 * fail with "Not a directory" and a symlinked directory makes it look through the link to outside the tree.
 */
public enum OnDisk {
    /** A regular file. */
    FILE,
    /** A real directory. */
    DIRECTORY,
    /** A symlink, a FIFO, a socket or a device: nothing to upload. */
    OTHER,
    /** Nothing there, as far as the tree goes. */
    GONE,
    /** Could not be looked at (permissions, I/O error): neither uploaded nor taken for deleted. */
    UNKNOWN;

    /** Looks at {@code relativePath} ("a/b/c.txt") under {@code root}. */
    public static OnDisk look(Path root, String relativePath) {
        Path current = root;
        int start = 0;
        while (true) {
            int slash = relativePath.indexOf('/', start);
            String name = slash < 0 ? relativePath.substring(start) : relativePath.substring(start, slash);
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return UNKNOWN; // not a path the watcher or the scan produce
            }
            try {
                current = current.resolve(name);
            } catch (RuntimeException e) { // a name the file system cannot take (InvalidPathException)
                return UNKNOWN;
            }
            OnDisk here = typeOf(current);
            if (slash < 0 || here != DIRECTORY) {
                return slash < 0 || here == UNKNOWN ? here : GONE;
            }
            start = slash + 1;
        }
    }

    /**
     * Whether this process may list the directory and look at what it holds: what the watcher needs to watch it, and
     * the walk to scan it.
     */
    public static boolean canList(Path dir) {
        return Files.isReadable(dir) && Files.isExecutable(dir);
    }

    private static OnDisk typeOf(Path path) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attrs.isRegularFile() ? FILE : attrs.isDirectory() ? DIRECTORY : OTHER;
        } catch (NoSuchFileException e) {
            return GONE;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }
}
