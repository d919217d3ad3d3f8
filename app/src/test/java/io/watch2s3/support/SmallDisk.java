package io.watch2s3.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real, small file system (tmpfs) that a test can fill up and free again, to produce "No space left on device"
 * for whatever lives on it. Needs the right to mount (root, as the CI runs); skipped where that is missing.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path mountpoint;
    private final Path filler;

    private SmallDisk(Path mountpoint) {
        this.mountpoint = mountpoint;
        this.filler = mountpoint.resolve("filler");
    }

    /** Mounts a tmpfs of {@code size} (e.g. "8m") on {@code mountpoint}, creating it. */
    public static SmallDisk mount(Path mountpoint, String size) throws Exception {
        Files.createDirectories(mountpoint);
        assumeTrue(Processes.run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mountpoint.toString()) == 0,
                "needs the right to mount a tmpfs (root)");
        return new SmallDisk(mountpoint);
    }

    public Path path() {
        return mountpoint;
    }

    /** Takes every free byte, as a log file or a dump gone wild would. */
    public void fill() throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (Files.getFileStore(mountpoint).getUsableSpace() > block.length) {
                throw e; // not the full disk it was meant to be
            }
        }
    }

    /** Gives the space back. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws Exception {
        Processes.run("umount", "-l", mountpoint.toString());
    }
}
