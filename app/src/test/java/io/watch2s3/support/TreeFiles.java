package io.watch2s3.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a tree holds, as the bucket should: every regular file (symlinks not followed) by its relative path. */
public final class TreeFiles {

    private TreeFiles() {
    }

    /** Relative path → content (as UTF-8) of every regular file below {@code root}. */
    public static Map<String, String> of(Path root) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Key → content of every object in {@code bucket} (one deleted between the listing and its read is left out). */
    public static Map<String, String> bucket(S3TestServer s3, String bucket) {
        Map<String, String> objects = new TreeMap<>();
        for (String key : s3.keys(bucket)) {
            try {
                objects.put(key, s3.getText(bucket, key));
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                // deleted meanwhile: the next look sees the bucket without it
            }
        }
        return objects;
    }

    /** {@code count} files {@code dirName/f<i>.txt}, each with a content of its own, in order. */
    public static Map<String, String> numbered(String dirName, int count) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            files.put(dirName + "/f" + i + ".txt", "file " + i + " of " + dirName);
        }
        return files;
    }

    /** Writes each relative path's content below {@code root}. */
    public static void writeAll(Path root, Map<String, String> files) {
        files.forEach((path, content) -> Files2.write(root, path, content));
    }

    /** Deletes {@code root} and everything below it, without following links. */
    public static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
