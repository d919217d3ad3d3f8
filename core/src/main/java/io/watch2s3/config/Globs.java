package io.watch2s3.config;

import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * The globs of sync.include and sync.exclude: a comma-separated list, where a comma inside {@code {…}} or
 * {@code […]} belongs to its glob ({@code *.{swp,swo}}, as rclone and shells write it). A glob without '/' matches a
 * name at any depth ("*.tmp"), one with '/' the whole relative path ("drafts/**"). The JDK's glob syntax; only the list
 * around it is ours, as is the "any depth" rule, which a single JDK glob cannot say when the glob has a group of its
 * own ({@code {g,**}/g} would nest groups).
 */
public final class Globs {

    private Globs() {
    }

    /** The globs of a setting's value, trimmed, empty ones left out. */
    public static List<String> split(String value) {
        List<String> globs = new ArrayList<>();
        if (value == null) {
            return globs;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++; // an escaped character, a comma included, is the glob's
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                add(globs, value.substring(start, i));
                start = i + 1;
            }
        }
        add(globs, value.substring(start));
        return globs;
    }

    private static void add(List<String> globs, String glob) {
        if (!glob.isBlank()) {
            globs.add(glob.trim());
        }
    }

    /**
     * The matchers of one glob: itself, and for a glob without '/' the same at any depth.
     *
     * @throws IllegalArgumentException when it is no glob (an unclosed group, a nested one)
     */
    public static List<PathMatcher> matchers(String glob) {
        PathMatcher itself = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        return glob.contains("/") ? List.of(itself)
                : List.of(itself, FileSystems.getDefault().getPathMatcher("glob:**/" + glob));
    }
}
