package io.watch2s3.scan;

import io.watch2s3.change.PathFilter;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what changed while nobody was watching by walking watch.dir against the state database — never by listing
 * the bucket. A stat per file; a file counts as changed when it has no row or its size or mtime differ (hashing
 * happens later, only for those). Paths with a row but no file, and directories that vanished, are reported too, so
 * the planner can delete their objects. Lazy: one directory's worth of paths in memory at a time.
 */
public class CatchUpScan {

    private static final Logger LOG = LoggerFactory.getLogger(CatchUpScan.class);

    private Path root;
    private StateDatabase state;
    private PathFilter filter;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setFilter(PathFilter filter) {
        this.filter = filter;
    }

    /** The relative paths that may differ from what S3 holds, found as the walk goes. */
    public Iterator<String> changedPaths() {
        if (!Files.isDirectory(root)) {
            LOG.error("catch-up scan: watch.dir {} is missing or not a directory; nothing scanned, nothing deleted", root);
            return java.util.Collections.emptyIterator();
        }
        return new Walk();
    }

    private final class Walk implements Iterator<String> {
        private final Deque<String> directories = new ArrayDeque<>();
        private final Deque<String> found = new ArrayDeque<>();
        private final Set<String> visited = new HashSet<>();
        private final long startedNanos = System.nanoTime();
        private long files;
        private long changed;
        private boolean vanishedDirectoriesChecked;
        private boolean reported;

        Walk() {
            directories.push("");
        }

        @Override
        public boolean hasNext() {
            while (found.isEmpty()) {
                if (!directories.isEmpty()) {
                    visit(directories.pop());
                } else if (!vanishedDirectoriesChecked) {
                    vanishedDirectoriesChecked = true;
                    findVanishedDirectories();
                } else {
                    if (!reported) {
                        reported = true;
                        LOG.info("catch-up scan: {} files in {} directories, {} to check, {} ms", files, visited.size(),
                                changed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
                    }
                    return false;
                }
            }
            return true;
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            changed++;
            return found.pop();
        }

        private void visit(String dir) {
            Map<String, SyncedFile> known = new HashMap<>();
            for (SyncedFile row : state.inDirectory(dir)) {
                known.put(row.path(), row);
            }
            Path absolute = dir.isEmpty() ? root : root.resolve(dir);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(absolute)) {
                for (Path entry : entries) {
                    String path = dir.isEmpty() ? entry.getFileName().toString() : dir + "/" + entry.getFileName();
                    BasicFileAttributes attrs;
                    try {
                        attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (IOException e) {
                        known.remove(path); // there but unreadable: neither upload nor delete
                        LOG.warn("catch-up scan: cannot stat {}: {}", path, e.toString());
                        continue;
                    }
                    if (attrs.isDirectory()) {
                        directories.push(path);
                    } else if (attrs.isRegularFile()) {
                        files++;
                        SyncedFile row = known.remove(path);
                        long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                        if ((row == null || !row.sameStat(attrs.size(), mtime)) && filter.accepts(path)) {
                            found.add(path);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("catch-up scan: cannot list {}: {}; its files stay as they are", absolute, e.toString());
                return;
            }
            visited.add(dir);
            found.addAll(known.keySet()); // rows whose file is gone or is no longer a regular file
        }

        private void findVanishedDirectories() {
            for (String dir : state.knownDirectories()) {
                if (!visited.contains(dir) && !isUnderUnvisited(dir) && !Files.exists(root.resolve(dir), LinkOption.NOFOLLOW_LINKS)) {
                    found.add(dir);
                }
            }
        }

        /** A directory whose parent could not be listed is unknown, not gone. */
        private boolean isUnderUnvisited(String dir) {
            int slash = dir.lastIndexOf('/');
            String parent = slash < 0 ? "" : dir.substring(0, slash);
            return !visited.contains(parent) && Files.exists(root.resolve(parent), LinkOption.NOFOLLOW_LINKS);
        }
    }
}
