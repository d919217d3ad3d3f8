package io.watch2s3.change;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Arrays;
import java.util.List;

/**
 * sync.include / sync.exclude: comma-separated globs on the path relative to watch.dir. A glob without '/' matches the
 * file name at any depth (as in rsync and rclone users expect: "*.tmp"), one with '/' matches the whole path.
 */
public class PathFilter {

    private List<PathMatcher> includes = List.of();
    private List<PathMatcher> excludes = List.of();

    /** sync.include; empty means everything. */
    public void setInclude(String globs) {
        this.includes = matchers(FileSystems.getDefault(), globs);
    }

    /** sync.exclude; empty means nothing. */
    public void setExclude(String globs) {
        this.excludes = matchers(FileSystems.getDefault(), globs);
    }

    private static List<PathMatcher> matchers(FileSystem fs, String globs) {
        return Arrays.stream(globs == null ? new String[0] : globs.split(","))
                .map(String::trim).filter(g -> !g.isEmpty())
                .map(g -> g.contains("/") ? g : "{" + g + ",**/" + g + "}")
                .map(g -> fs.getPathMatcher("glob:" + g))
                .toList();
    }

    public boolean accepts(String relativePath) {
        Path path = Path.of(relativePath);
        boolean included = includes.isEmpty() || includes.stream().anyMatch(m -> m.matches(path));
        return included && excludes.stream().noneMatch(m -> m.matches(path));
    }
}
