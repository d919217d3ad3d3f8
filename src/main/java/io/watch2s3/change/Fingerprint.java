package io.watch2s3.change;

/**
 * What a regular file holds right now: size, mtime in nanoseconds since the epoch, SHA-256 (hex), and MD5 (base64,
 * for the Content-MD5 header, so that the server verifies the body even where trailing checksums are off). The MD5 is
 * null when the file was not read because the state database already knew it.
 */
public record Fingerprint(long size, long mtimeNanos, String sha256, String md5Base64) {
}
