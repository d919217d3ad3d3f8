package io.watch2s3.tree;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * Opens a file of the tree for reading without following a symlink at any component of its path. Opening
 * "watch.dir/y/hostname" by name follows "y" if someone swapped a symlink to /etc in after the tree was looked at;
 * NOFOLLOW_LINKS only guards the last component. Here each directory is opened relative to the one before it
 * (openat with O_NOFOLLOW, through the JDK's SecureDirectoryStream), so a symlink anywhere below watch.dir makes the
 * open fail instead of leading out of the tree. watch.dir itself may be a symlink (current -> releases/N).
 */
public final class SecureTree {

    private SecureTree() {
    }

    /** An open regular file of the tree and what it was when opened. The caller closes the channel. */
    public record OpenFile(SeekableByteChannel channel, BasicFileAttributes attributes) {
    }

    /**
     * @throws NoSuchFileException when {@code relativePath} is not a regular file reached through real directories
     *                             only (it vanished, or a symlink or something else is in the way)
     * @throws AccessDeniedException when it is there but may not be read (the file's or a directory's permissions)
     */
    public static OpenFile open(Path root, String relativePath) throws IOException {
        String[] names = relativePath.split("/");
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> dir)) {
            top.close();
            return openByName(root, relativePath); // no openat on this platform
        }
        try {
            for (int i = 0; i < names.length - 1; i++) {
                SecureDirectoryStream<Path> next = dir.newDirectoryStream(name(names[i], relativePath),
                        LinkOption.NOFOLLOW_LINKS);
                dir.close();
                dir = next;
            }
            Path last = name(names[names.length - 1], relativePath);
            BasicFileAttributes attributes = dir.getFileAttributeView(last, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!attributes.isRegularFile()) {
                throw new NoSuchFileException(relativePath, null, "not a regular file");
            }
            return new OpenFile(dir.newByteChannel(last, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)),
                    attributes);
        } catch (NoSuchFileException | AccessDeniedException e) {
            throw e; // gone, or there and unreadable (permissions): not the same failure, nor the same next step
        } catch (FileSystemException e) {
            // ELOOP (a symlink in the way), ENOTDIR (a file in the way): not a file of the tree any more
            throw new NoSuchFileException(relativePath, null, "not reachable inside watch.dir: " + e.getReason());
        } finally {
            dir.close();
        }
    }

    private static Path name(String name, String relativePath) throws NoSuchFileException {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new NoSuchFileException(relativePath, null, "not a path inside watch.dir");
        }
        return Path.of(name);
    }

    private static OpenFile openByName(Path root, String relativePath) throws IOException {
        if (OnDisk.look(root, relativePath) != OnDisk.FILE) {
            throw new NoSuchFileException(relativePath, null, "not a regular file");
        }
        Path file = root.resolve(relativePath);
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new OpenFile(Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), attributes);
    }
}
