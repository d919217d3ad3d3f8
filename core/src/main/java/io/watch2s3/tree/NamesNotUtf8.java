package io.watch2s3.tree;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which names on the disk are bytes that are not UTF-8. The JVM decodes such bytes to U+FFFD, so a path's string
 * cannot tell them from that very character in a valid name; the directory that holds the name can: it lists an entry
 * of that string which the string itself does not reach (the string reaches the valid twin, or nothing). The JDK gives
 * no other way to a name's bytes but Path#toUri, which needs the Path the listing made, not a string.
 */
public final class NamesNotUtf8 {

    private NamesNotUtf8() {
    }

    /**
     * The start of {@code relativePath} up to and including its first name that is bytes that are not UTF-8
     * ({@code "dir\uFFFD"} of {@code "dir\uFFFD/a.txt"}), or null when each of its names holding U+FFFD is that
     * character (or is not there at all). Only the directories of names that hold U+FFFD are listed, each once per
     * {@code listed} (a batch's).
     *
     * @throws IOException when such a directory cannot be listed: the disk does not say
     */
    public static String firstIn(Path root, String relativePath, Map<Path, Integer> listed) throws IOException {
        Path dir = root;
        int start = 0;
        while (true) {
            int slash = relativePath.indexOf('/', start);
            int end = slash < 0 ? relativePath.length() : slash;
            String name = relativePath.substring(start, end);
            if (name.indexOf('\uFFFD') >= 0) {
                Path named = dir.resolve(name);
                boolean reached = Files.exists(named, LinkOption.NOFOLLOW_LINKS);
                Integer entries = listed.get(named);
                if (entries == null) {
                    entries = entriesNamed(dir, name);
                    listed.put(named, entries);
                }
                if (entries > (reached ? 1 : 0)) {
                    return relativePath.substring(0, end);
                }
                if (!reached) {
                    return null; // nothing of that name: nothing below it either
                }
            }
            if (slash < 0) {
                return null;
            }
            dir = dir.resolve(name);
            start = slash + 1;
        }
    }

    private static int entriesNamed(Path dir, String name) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (name.equals(entry.getFileName().toString())) {
                    n++;
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return 0;
        }
        return n;
    }
}
