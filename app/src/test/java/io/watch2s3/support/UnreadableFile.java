package io.watch2s3.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes an existing file fail to read, for real: as root (who reads any file whatever its mode) a file whose every
 * read fails with an I/O error, as on a failing disk — this JVM's own /proc/PID/mem bind-mounted over it (a regular
 * file of size 0, unmapped at offset 0: EIO); otherwise mode 000, which the unprivileged process cannot open.
 */
public final class UnreadableFile implements AutoCloseable {

    private final Path file;
    private final boolean mounted;

    private UnreadableFile(Path file, boolean mounted) {
        this.file = file;
        this.mounted = mounted;
    }

    public static UnreadableFile make(Path file) throws Exception {
        if ("root".equals(System.getProperty("user.name"))) {
            String mem = "/proc/" + ProcessHandle.current().pid() + "/mem";
            if (Processes.run("mount", "--bind", mem, file.toString()) != 0) {
                throw new IllegalStateException("cannot bind-mount " + mem + " over " + file);
            }
            return new UnreadableFile(file, true);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        return new UnreadableFile(file, false);
    }

    /** Readable again (the file keeps its old content). */
    @Override
    public void close() throws Exception {
        if (mounted) {
            Processes.run("umount", file.toString());
        } else {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
