package io.watch2s3.change;

/** What a regular file holds right now: size, mtime in nanoseconds since the epoch, and SHA-256 (hex). */
public record Fingerprint(long size, long mtimeNanos, String sha256) {
}
