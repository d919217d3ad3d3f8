package io.watch2s3.change;

import io.watch2s3.state.SyncedFile;
import io.watch2s3.tree.FileStat;

/**
 * What a regular file holds right now: size, mtime and ctime in nanoseconds since the epoch (the ctime of the stat
 * taken before it was read, so that any change after it shows as another ctime), SHA-256 (hex), and MD5 (base64,
 * for the Content-MD5 header, so that the server verifies the body even where trailing checksums are off). The MD5 is
 * null when the file was not read because the state database already knew it. {@code inS3}: the state database says
 * S3 holds exactly this content (looked up once, here, for the file's plan).
 */
public record Fingerprint(long size, long mtimeNanos, long ctimeNanos, String sha256, String md5Base64,
        boolean inS3, long inode) {

    /** A fingerprint whose file's inode is not known. */
    public Fingerprint(long size, long mtimeNanos, long ctimeNanos, String sha256, String md5Base64, boolean inS3) {
        this(size, mtimeNanos, ctimeNanos, sha256, md5Base64, inS3, FileStat.UNKNOWN_INODE);
    }

    /** The state row that records this content under {@code path}, once S3 holds it. */
    public SyncedFile row(String path) {
        return new SyncedFile(path, size, mtimeNanos, ctimeNanos, sha256, inode);
    }

    /** Whether the file is still the one that was hashed: {@code now} has the same size, mtime and ctime. */
    public boolean stillDescribes(FileStat now) {
        boolean sameCtime = now.ctimeNanos() == FileStat.UNKNOWN_CTIME || now.ctimeNanos() == ctimeNanos;
        boolean sameInode = now.inode() == FileStat.UNKNOWN_INODE || inode == FileStat.UNKNOWN_INODE
                || now.inode() == inode;
        return now.isRegularFile() && now.size() == size && now.mtimeNanos() == mtimeNanos && sameCtime && sameInode;
    }

    Fingerprint alreadyInS3() {
        return new Fingerprint(size, mtimeNanos, ctimeNanos, sha256, md5Base64, true, inode);
    }
}
