package io.watch2s3.local;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.config.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in endpoint's store is looked at before S3Mock starts on it: on real files, the damage a kill leaves and a
 * store that cannot be read at all. (StartupErrorsTest runs the whole start for an empty and a cut-short index.)
 */
class DamagedStoreTest {

    @TempDir
    Path dir;

    @Test
    void anIndexWithBytesThatAreNotTextIsDamageNotAFailureToRead() throws Exception {
        Path objects = Files.createDirectories(dir.resolve("state/local-s3"));
        Path index = Files.createDirectories(objects.resolve("site")).resolve("bucketMetadata.json");
        Files.write(index, new byte[] {'{', '"', 'n', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0, 0});
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> LocalS3Endpoint.refuseDamagedStore(objects));
        assertTrue(e.getMessage().startsWith("s3.endpoint: the built-in endpoint's store is damaged: " + index
                + " is cut short"), e.getMessage());
        Files.writeString(index, "{\"name\":\"site\",\"objects\":{}}\n");
        assertDoesNotThrow(() -> LocalS3Endpoint.refuseDamagedStore(objects), "a whole index passes");
    }

    /** Root lists any directory: a store whose path runs through a file is one that cannot be listed even so. */
    @Test
    void aStoreThatCannotBeListedNamesStateDir() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("state"), "a file where state.dir should be");
        Path objects = notADirectory.resolve("local-s3");
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> LocalS3Endpoint.refuseDamagedStore(objects));
        assertEquals("state.dir: cannot read the built-in endpoint's store " + objects + " (NotDirectoryException: "
                + objects + ")", e.getMessage());
    }
}
