package io.watch2s3.change;

import io.watch2s3.config.Globs;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * sync.include / sync.exclude: comma-separated globs on the path relative to watch.dir ({@link Globs}). A glob without
 * '/' matches the file name at any depth (as rsync and rclone users expect: "*.tmp"), one with '/' matches the whole
 * path. A glob that matches a directory matches everything below it, as in rsync, which does not go into an excluded
 * directory: {@code .git} or {@code node_modules} leave out the whole tree below them, not only a file of that name.
 */
public class PathFilter {

    private List<PathMatcher> includes = List.of();
    private List<PathMatcher> excludes = List.of();

    /** sync.include; empty means everything. */
    public void setInclude(String globs) {
        this.includes = matchers(globs);
    }

    /** sync.exclude; empty means nothing. */
    public void setExclude(String globs) {
        this.excludes = matchers(globs);
    }

    private static List<PathMatcher> matchers(String globs) {
        return Globs.split(globs).stream().flatMap(glob -> Globs.matchers(glob).stream()).toList();
    }

    public boolean accepts(String relativePath) {
        if (includes.isEmpty() && excludes.isEmpty()) {
            return true;
        }
        Path path = Path.of(relativePath);
        return (includes.isEmpty() || matchesItOrADirectoryAbove(includes, path))
                && !matchesItOrADirectoryAbove(excludes, path);
    }

    /** True when sync.exclude leaves out {@code relativePath} and so everything below it: a walk need not go in. */
    public boolean excludesAllBelow(String relativePath) {
        return !excludes.isEmpty() && matchesItOrADirectoryAbove(excludes, Path.of(relativePath));
    }

    private static boolean matchesItOrADirectoryAbove(List<PathMatcher> matchers, Path path) {
        for (Path p = path; p != null; p = p.getParent()) {
            for (PathMatcher m : matchers) {
                if (m.matches(p)) {
                    return true;
                }
            }
        }
        return false;
    }
}
