package io.watch2s3.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small file helpers for tests. */
public final class Files2 {

    private Files2() {
    }

    /**
     * Plays a writer that is slow on purpose (a scenario, not a wait for a result): runs {@code step} {@code times}
     * times, {@code pauseMillis} apart.
     */
    public static void paced(int times, long pauseMillis, IntStep step) throws Exception {
        for (int i = 1; i <= times; i++) {
            step.run(i);
            if (i < times) {
                Thread.sleep(pauseMillis);
            }
        }
    }

    /** One step of {@link #paced}. */
    @FunctionalInterface
    public interface IntStep {
        void run(int i) throws Exception;
    }

    /**
     * Puts a whole file into the tree in one step (written beside the tree, then renamed in), as deploy tools do: one
     * event. A plain write gives two (create, modify), which a loaded machine may deliver more than a quiet period
     * apart, in two batches: the file then has two turns, which a test counting requests must not meet by chance.
     */
    public static Path placeWhole(Path root, String relative, String content) {
        return place(root, relative, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code content} placed whole with the mtime {@code mtime} (given before it is in place): the same bytes put back
     * as they were, which S3 need not hear of (a newer mtime brings the object up to the file).
     */
    public static Path placeWhole(Path root, String relative, String content, java.nio.file.attribute.FileTime mtime) {
        try {
            Path file = root.resolve(relative);
            Path aside = Files.createTempFile(root.toAbsolutePath().getParent(), "whole", ".tmp");
            Files.writeString(aside, content);
            Files.setLastModifiedTime(aside, mtime);
            return Files.move(aside, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code size} random bytes from {@code seed}, placed whole as {@link #placeWhole} does; returns them. */
    public static byte[] placeRandom(Path root, String relative, int size, long seed) {
        byte[] content = new byte[size];
        new java.util.Random(seed).nextBytes(content);
        place(root, relative, content);
        return content;
    }

    private static Path place(Path root, String relative, byte[] content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            Path aside = Files.createTempFile(root.toAbsolutePath().getParent(), "whole", ".tmp");
            Files.write(aside, content);
            return Files.move(aside, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path write(Path root, String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
