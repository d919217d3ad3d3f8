package io.watch2s3.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The file systems mounted below a directory, as /proc/self/mountinfo lists them. A mount or an unmount below
 * watch.dir makes no inotify event: the watcher keeps watching the directory that was there (the one under the new
 * mount, or the gone one's), and a whole tree of files appears or vanishes unseen.
 */
final class MountPoints {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountPoints() {
    }

    /** The mount points strictly below {@code root} (where it leads, for a symlink); empty where there is no /proc. */
    static Set<String> below(Path root) {
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            return Set.of(); // gone: the root's own check says so
        }
        String prefix = real.toString().endsWith("/") ? real.toString() : real + "/";
        Set<String> below = new TreeSet<>();
        try {
            // read byte for char, so that the escapes and the raw bytes of names become one UTF-8 string each
            for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.ISO_8859_1)) {
                // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw: the fifth field, \ooo-escaped
                String[] fields = line.split(" ", 6);
                if (fields.length > 4) {
                    String mountPoint = new String(unescape(fields[4]).getBytes(StandardCharsets.ISO_8859_1),
                            StandardCharsets.UTF_8);
                    if (mountPoint.startsWith(prefix)) {
                        below.add(mountPoint);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
        return below;
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
