package io.watch2s3.sync;

import io.watch2s3.change.Fingerprint;
import java.nio.file.Path;

/**
 * The body of an upload too large for one PUT (larger than s3.part-size): the file at {@code path} below
 * {@code root}, as it was fingerprinted, to be sent by {@link PartedUploads} in parts of about {@code partSize} bytes.
 */
public record FileInParts(Path root, String path, Fingerprint fingerprint, long partSize) {

    /** S3's limits: at most 10,000 parts, each at least 5 MiB (but the last) and at most 5 GiB. */
    static final int MAX_PARTS = 10_000;
    static final long MIN_PART = 5L << 20;
    static final long MAX_PART = 5L << 30;

    /** The part size used: s3.part-size, or larger where the file would otherwise need more than 10,000 parts. */
    public long sizeOfParts() {
        long size = fingerprint.size();
        long least = (size + MAX_PARTS - 1) / MAX_PARTS;
        long mib = 1L << 20;
        return Math.min(MAX_PART, Math.max(partSize, (least + mib - 1) / mib * mib));
    }

    public int parts() {
        long each = sizeOfParts();
        return (int) Math.max(1, (fingerprint.size() + each - 1) / each);
    }

    /** Where part {@code number} (from 1) starts. */
    public long offsetOf(int number) {
        return (number - 1) * sizeOfParts();
    }

    public long lengthOf(int number) {
        return Math.min(sizeOfParts(), fingerprint.size() - offsetOf(number));
    }
}
