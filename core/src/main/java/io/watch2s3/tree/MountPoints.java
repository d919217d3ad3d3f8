package io.watch2s3.tree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The file systems mounted below a directory, as /proc/self/mountinfo lists them. A mount or an unmount below
 * watch.dir makes no inotify event: the watcher keeps watching the directory that was there (the one under the new
 * mount, or the gone one's), and a whole tree of files appears or vanishes unseen.
 */
public final class MountPoints {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountPoints() {
    }

    /**
     * One mount: its id (which the kernel may give again once it is unmounted), where it is mounted, the directory of
     * its file system it shows there (not / for a bind mount), the file system's type and its source.
     */
    public record Mount(int id, String mountPoint, String root, String type, String source) {

        /** What it is, without its id: the same for the same file system mounted again the same way. */
        public String describe() {
            return source + ":" + root + " (" + type + ") on " + mountPoint;
        }
    }

    /** The mount points strictly below {@code root} (where it leads, for a symlink); empty where there is no /proc. */
    public static Set<String> below(Path root) {
        String real = realPath(root);
        if (real == null) {
            return Set.of(); // gone: the root's own check says so
        }
        String prefix = real.endsWith("/") ? real : real + "/";
        Set<String> below = new TreeSet<>();
        for (Mount mount : all()) {
            if (mount.mountPoint().startsWith(prefix)) {
                below.add(mount.mountPoint());
            }
        }
        return below;
    }

    /**
     * The mount that holds {@code dir} (where it leads, for a symlink): the last one listed on it or on the nearest
     * directory above it; null where there is no /proc to tell or {@code dir} is gone.
     */
    public static Mount holding(Path dir) {
        String real = realPath(dir);
        if (real == null) {
            return null;
        }
        Mount holding = null;
        for (Mount mount : all()) {
            String point = mount.mountPoint();
            boolean above = real.equals(point) || point.equals("/") || real.startsWith(point + "/");
            if (above && (holding == null || point.length() >= holding.mountPoint().length())) {
                holding = mount; // a later mount on the same point hides an earlier one
            }
        }
        return holding;
    }

    private static String realPath(Path dir) {
        try {
            return dir.toRealPath().toString();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<Mount> all() {
        List<Mount> mounts = new ArrayList<>();
        try {
            // read byte for char, so that the escapes and the raw bytes of names become one UTF-8 string each
            for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.ISO_8859_1)) {
                // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw: the fifth field, \ooo-escaped
                String[] fields = line.split(" ", 6);
                int dash = line.indexOf(" - ");
                String[] after = dash < 0 ? new String[0] : line.substring(dash + 3).split(" ");
                if (fields.length > 4) {
                    mounts.add(new Mount(Integer.parseInt(fields[0]), utf8(fields[4]), utf8(fields[3]),
                            after.length > 0 ? after[0] : "", after.length > 1 ? utf8(after[1]) : ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return mounts;
    }

    private static String utf8(String field) {
        return new String(unescape(field).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The kernel writes space, tab, newline and backslash in a mount point as \040, \011, \012 and \134. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
