package io.watch2s3.change;

import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import io.watch2s3.tree.FileStat;
import io.watch2s3.tree.SecureTree;
import io.watch2s3.tree.TreeFileStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Says what a file holds now. A stat first: if size, mtime and ctime equal the state row, the stored SHA-256 is
 * reused and nothing is read. Otherwise the file is hashed; if only the times moved (touch, chmod, same bytes
 * rewritten, renamed in place) the row takes the new times without any S3 request, since S3 already holds these bytes.
 */
public class Fingerprinter {

    private static final int BUFFER = 64 * 1024;

    private Path root;
    private StateDatabase state;
    private SyncCounters counters;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /** The fingerprint of the regular file at {@code path}, or null when it is no longer a regular file. */
    public Fingerprint fingerprint(String path) {
        FileStat stat;
        try {
            stat = FileStat.of(root.resolve(path));
        } catch (NoSuchFileException e) {
            counters.countVanished();
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + path, e);
        }
        if (!stat.isRegularFile()) {
            counters.countVanished();
            return null;
        }
        Optional<SyncedFile> row = state.find(path).filter(r -> !r.isPending());
        if (row.isPresent() && row.get().sameStat(stat.size(), stat.mtimeNanos(), stat.ctimeNanos())) {
            return new Fingerprint(stat.size(), stat.mtimeNanos(), stat.ctimeNanos(), row.get().sha256(), null, true);
        }
        Fingerprint fp;
        try {
            fp = digest(path, stat.ctimeNanos());
        } catch (NoSuchFileException e) {
            counters.countVanished(); // or a symlink was swapped in: nothing outside the tree is read
            return null;
        }
        if (row.isPresent() && row.get().size() == fp.size() && row.get().sha256().equals(fp.sha256())) {
            state.confirmUploaded(fp.row(path));
            return fp.alreadyInS3();
        }
        return fp;
    }

    /**
     * SHA-256 and MD5 in one pass over the file, opened without following a symlink anywhere in its path, of the
     * size and mtime it had when opened: the upload sends exactly those bytes or fails (TreeFileStream).
     */
    private Fingerprint digest(String path, long ctimeNanos) throws NoSuchFileException {
        try {
            SecureTree.OpenFile file = SecureTree.open(root, path);
            try (SeekableByteChannel channel = file.channel()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
                long size = 0;
                // to the end, not to the size the stat gave: what was read is what the upload sends (TreeFileStream
                // checks the size again), and a read error shows even where the size is 0
                for (int n; (n = channel.read(buffer.clear())) >= 0; size += n) {
                    sha.update(buffer.array(), 0, n);
                    md5.update(buffer.array(), 0, n);
                }
                return new Fingerprint(size, file.attributes().lastModifiedTime().to(TimeUnit.NANOSECONDS), ctimeNanos,
                        HexFormat.of().formatHex(sha.digest()), Base64.getEncoder().encodeToString(md5.digest()), false);
            }
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
