package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The warm-up's PutObject goes through its own throwaway server, leaves no file behind, and a failure is harmless. */
class ClientWarmUpTest {

    @Test
    void warmsUpThroughItsOwnServerAndLeavesNoFileBehind() throws IOException {
        long before = leftovers();
        assertTrue(ClientWarmUp.run("auto", 4), "the warm-up's PutObject did not go through");
        assertTrue(ClientWarmUp.run("when-required", 4), "the warm-up's PutObject did not go through");
        assertEquals(before, leftovers(), "the warm-up left files in java.io.tmpdir");
    }

    @Test
    void aWarmUpThatFailsSaysSoAndThrowsNothing() {
        // an S3 client that cannot be built (no s3.checksums): the warm-up gives up quietly, the start goes on
        assertFalse(ClientWarmUp.run(null, 4));
    }

    private static long leftovers() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("watch2s3-warm-up")).count();
        }
    }
}
