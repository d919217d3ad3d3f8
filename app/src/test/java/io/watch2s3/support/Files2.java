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
