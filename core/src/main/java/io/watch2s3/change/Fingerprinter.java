package io.watch2s3.change;

import io.watch2s3.log.LogSafe;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what a file holds now. A stat first: if size, mtime and ctime equal the state row, the stored SHA-256 is
 * reused and nothing is read. Otherwise the file is hashed; if only the ctime moved (chmod, chown, a new link,
 * renamed in place) or the mtime went back, the row takes the new times without any S3 request, since S3 already holds
 * these bytes. A newer mtime on the same bytes (touch, rewritten) is said ({@link Read#olderInS3}): the object is
 * brought up to the file (unless s3.update-mtime is false: then it counts as a chmod).
 */
public class Fingerprinter {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");
    private static final int BUFFER = 64 * 1024;
    /**
     * A file up to this size is read into memory once, hashed, and sent from there: the upload does not open and read
     * it again (and the SDK reads it twice more over plain HTTP, to sign it and to send it). At most one such file per
     * upload thread at a time (sync.parallelism).
     */
    static final int IN_MEMORY_MAX = 256 * 1024;
    /**
     * From this size on, a file whose last request S3 may have carried out unheard (see {@link #setWhatS3Holds}) is
     * worth a HEAD before it is sent again: one small request against its bytes over the uplink.
     */
    static final long ASKED_OF_S3_FROM = 1 << 20;

    /**
     * A file's fingerprint, with its bytes when it was read and small enough to be sent from memory (else null).
     * {@code olderInS3}: S3 holds these very bytes, but the file's mtime moved on since (touched, or rewritten with the
     * same bytes): the object is brought up to it (see FilePlanner).
     */
    public record Read(Fingerprint fingerprint, byte[] content, boolean olderInS3) {

        public Read(Fingerprint fingerprint, byte[] content) {
            this(fingerprint, content, false);
        }
    }

    private Path root;
    private StateDatabase state;
    private SyncCounters counters;
    private Runnable otherNamesChanged = () -> { };
    private boolean updateMtime = true;
    private WhatS3Holds whatS3Holds;

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

    /**
     * The catch-up scan, asked for when a file that changed has other hard links: the watcher reports only the name
     * that was written, and another name in the tree, with the same bytes, would keep its old object. The scan finds
     * it by its stat (the links share size, mtime and ctime), as it finds any file changed unseen.
     */
    public void setScan(TreeScan scan) {
        this.otherNamesChanged = () -> scan.requestAfterBurst("a file with other hard links changed: the tree is"
                + " looked at for its other names");
    }

    /**
     * s3.update-mtime: whether the same bytes with a newer mtime are said ({@link Read#olderInS3}); if not, the row
     * takes the new times, as for a chmod, and nothing is sent.
     */
    public void setUpdateMtime(boolean updateMtime) {
        this.updateMtime = updateMtime;
    }

    /**
     * Asked about a file of at least {@link #ASKED_OF_S3_FROM} whose row is pending after a request S3 may have carried
     * out without watch2s3 hearing so: a {@code kill -9} or a power loss between S3's answer and the state's record,
     * an answer lost on the network. When the object under its key holds the file's bytes (its {@code sha256} and
     * size), the file is not sent again: after a crash in the middle of a burst of large files, or a lost answer to a
     * 1 GB upload, only what S3 does not hold goes again. Without it, such files are uploaded in full.
     */
    public void setWhatS3Holds(WhatS3Holds whatS3Holds) {
        this.whatS3Holds = whatS3Holds;
    }

    /**
     * The fingerprint of the regular file at {@code path}, with its bytes when it had to be read and is at most
     * {@link #IN_MEMORY_MAX}; null when it is no longer a regular file.
     */
    public Read read(String path) {
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
        Optional<SyncedFile> found = state.find(path);
        Optional<SyncedFile> row = found.filter(r -> !r.isPending());
        if (row.isPresent() && row.get().sameStat(stat)) {
            state.turnEndedUnchanged(path); // this turn ends here: its batch's doubt goes
            return new Read(new Fingerprint(stat.size(), stat.mtimeNanos(), stat.ctimeNanos(), row.get().sha256(), null,
                    true, stat.inode()), null);
        }
        Read read;
        try {
            read = digest(path, stat);
        } catch (NoSuchFileException e) {
            counters.countVanished(); // or a symlink was swapped in: nothing outside the tree is read
            return null;
        }
        Fingerprint fp = read.fingerprint();
        if (row.isEmpty() && mayBeInS3Unheard(found, fp.size())) {
            row = whatS3Holds.objectOf(path);
            if (row.filter(inS3 -> inS3.size() == fp.size() && inS3.sha256().equals(fp.sha256())).isPresent()) {
                LOG.info("S3 holds the bytes of {} already (their upload was not confirmed before): they are not sent"
                        + " again", LogSafe.name(path));
                whatS3Holds.holdsTheFile(path);
            }
        }
        if (row.isPresent() && row.get().size() == fp.size() && row.get().sha256().equals(fp.sha256())) {
            // the same bytes: so are its other names' (a touch, a new link)
            if (updateMtime && fp.mtimeNanos() > row.get().mtimeNanos()) {
                if (stat.links() > 1) {
                    otherNamesChanged.run(); // touched: their objects are older than the file too
                }
                return new Read(fp, read.content(), true);
            }
            state.confirmUploaded(fp.row(path)); // only the ctime moved (chmod, chown, a new link), or an older mtime
            return new Read(fp.alreadyInS3(), null);
        }
        if (stat.links() > 1) {
            otherNamesChanged.run();
        }
        return read;
    }

    /** A pending row S3 may hold the object of (not one for which nothing was sent), of a file worth a HEAD. */
    private boolean mayBeInS3Unheard(Optional<SyncedFile> found, long size) {
        return whatS3Holds != null && size >= ASKED_OF_S3_FROM
                && found.filter(r -> r.isPending() && !r.isNotSent()).isPresent();
    }

    /**
     * SHA-256 and MD5 in one pass over the file, opened without following a symlink anywhere in its path, of the
     * size and mtime it had when opened: the upload sends exactly those bytes (from memory when the file is small,
     * else from disk, failing if the file's size changed: TreeFileStream).
     */
    Read digest(String path, FileStat stat) throws NoSuchFileException {
        long ctimeNanos = stat.ctimeNanos();
        long statSize = stat.size();
        try {
            SecureTree.OpenFile file = SecureTree.open(root, path);
            try (SeekableByteChannel channel = file.channel()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                // To the end, not to the size the stat gave: what was read is what the upload sends, and a read error
                // shows even where the size is 0. First up to one byte more than the stat said (at most IN_MEMORY_MAX
                // and one): if the end comes first, the whole file is in memory.
                ByteBuffer first = ByteBuffer.allocate((int) Math.min(statSize, IN_MEMORY_MAX) + 1);
                while (first.hasRemaining() && channel.read(first) >= 0) {
                    // fills it, or reaches the end
                }
                long size = first.position();
                sha.update(first.array(), 0, first.position());
                md5.update(first.array(), 0, first.position());
                byte[] content = null;
                if (first.hasRemaining()) {
                    content = Arrays.copyOf(first.array(), first.position());
                } else {
                    ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
                    for (int n; (n = channel.read(buffer.clear())) >= 0; size += n) {
                        sha.update(buffer.array(), 0, n);
                        md5.update(buffer.array(), 0, n);
                    }
                }
                long mtimeNanos = file.attributes().lastModifiedTime().to(TimeUnit.NANOSECONDS);
                return new Read(new Fingerprint(size, mtimeNanos, ctimeNanos, HexFormat.of().formatHex(sha.digest()),
                        Base64.getEncoder().encodeToString(md5.digest()), false, stat.inode()), content);
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
