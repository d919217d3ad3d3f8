package io.watch2s3.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;

/**
 * The body of one upload: the bytes of a file of the tree, opened with {@link SecureTree} (so that no symlink swapped
 * in at any moment leads the upload out of watch.dir) only when the S3 client starts to read, and again for each
 * attempt: the aws2-s3 producer closes the body after a failed attempt, as it would close a file. Exactly
 * {@code size} bytes — the size that was hashed — or it fails with {@link FileChangedException}, so that what S3
 * receives is what the checksum describes. mark/reset seek in the file: the S3 client reads the body twice over
 * plain HTTP (once to sign it).
 *
 * <p>{@link #part} gives one part of a multipart upload: the bytes from an offset, in a file that must still have the
 * size that was hashed.
 */
public final class TreeFileStream extends InputStream {

    private final Path root;
    private final String path;
    private final long size;
    private final long start;
    private final long end;
    private SeekableByteChannel channel;
    private long markedAt;

    public TreeFileStream(Path root, String path, long size) {
        this(root, path, size, 0, size);
    }

    private TreeFileStream(Path root, String path, long size, long start, long end) {
        this.root = root;
        this.path = path;
        this.size = size;
        this.start = start;
        this.end = end;
        this.markedAt = start;
    }

    /** The {@code length} bytes from {@code offset} of a file of {@code size} bytes. */
    public static TreeFileStream part(Path root, String path, long size, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException("no part " + offset + "+" + length + " in " + size + " bytes");
        }
        return new TreeFileStream(root, path, size, offset, offset + length);
    }

    private SeekableByteChannel channel() throws IOException {
        if (channel == null) {
            SecureTree.OpenFile file = SecureTree.open(root, path);
            if (file.attributes().size() != size) {
                file.channel().close();
                throw new FileChangedException(path + " changed size since it was hashed");
            }
            channel = file.channel();
            channel.position(start);
        }
        return channel;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        SeekableByteChannel c = channel();
        long left = end - c.position();
        if (left <= 0) {
            if (end == size && c.size() > size) {
                throw new FileChangedException(path + " grew while it was being sent");
            }
            return -1;
        }
        int n = c.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)));
        if (n < 0) {
            throw new FileChangedException(path + " shrank while it was being sent");
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        SeekableByteChannel c = channel();
        long to = Math.min(end, c.position() + Math.max(0, n));
        long skipped = to - c.position();
        c.position(to);
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return channel == null ? 0 : (int) Math.min(Integer.MAX_VALUE, end - channel.position());
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public synchronized void mark(int readLimit) {
        try {
            markedAt = channel == null ? start : channel.position();
        } catch (IOException e) {
            markedAt = start;
        }
    }

    @Override
    public synchronized void reset() throws IOException {
        channel().position(markedAt);
    }

    /** Closes the file; a later read opens it again from the start (the next attempt of the upload). */
    @Override
    public void close() throws IOException {
        if (channel != null) {
            try {
                channel.close();
            } finally {
                channel = null;
                markedAt = start;
            }
        }
    }

    /** The file is not the one that was hashed any more. */
    public static class FileChangedException extends IOException {
        public FileChangedException(String message) {
            super(message);
        }
    }
}
