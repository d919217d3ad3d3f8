package io.watch2s3.s3;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Path ↔ key rules (README "Objects"): key = s3.prefix + the path relative to watch.dir, character for character —
 * the key rclone, aws-cli and s3cmd expect for that file, so their checks agree with ours. A backslash is a character
 * of the name (on Linux it separates nothing); a name in decomposed Unicode (NFD) and its composed twin (NFC) are two
 * files with two keys. Refused: a name that is not valid UTF-8 (an S3 key is UTF-8: it could not name the same file
 * again) and a key over 1024 bytes.
 */
public final class ObjectKeys {

    public static final int MAX_KEY_BYTES = 1024;

    private String prefix = "";

    /** s3.prefix, e.g. "site/". */
    public void setPrefix(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    /** The key for a path relative to watch.dir, or empty with the reason in {@link #whyRefused}. */
    public Optional<String> keyFor(String relativePath) {
        return Optional.ofNullable(whyRefused(relativePath) == null ? toKey(relativePath) : null);
    }

    /** Null when the path can be stored, else a sentence saying why not. */
    public String whyRefused(String relativePath) {
        if (!isWellFormed(relativePath)) {
            // the JVM already replaced the bytes it could not read: the name cannot be shown as it is on disk
            return "its name is not valid UTF-8, which every S3 key must be (\\uFFFD stands for the bytes that are"
                    + " not; 'ls -b' in its directory shows them): rename it";
        }
        int bytes = toKey(relativePath).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            return "its key would be " + bytes + " bytes; S3 allows at most " + MAX_KEY_BYTES;
        }
        return null;
    }

    private String toKey(String relativePath) {
        return prefix + relativePath;
    }

    /**
     * Linux file names are bytes; the JDK decodes undecodable ones to U+FFFD or lone surrogates. Such a name
     * cannot be turned back into the same file name from its key, so it is refused instead of being mangled.
     */
    public static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\uFFFD') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value for the CamelAwsS3Key header. camel-aws2-s3 evaluates a key that contains "${" as a Simple
     * expression (AWS2S3Utils.determineKey), so a file named ${env:AWS_SECRET_ACCESS_KEY} would leak a secret
     * into a key name. Such keys are passed by indirection: the expression reads the literal key from a header,
     * and Simple does not evaluate the value it returns.
     */
    public static String headerValueFor(String key, String literalKeyHeader) {
        return key.contains("${") || key.contains("$simple{") ? "${header." + literalKeyHeader + "}" : key;
    }

    /** A path whose name S3 cannot take as a key. */
    public static class KeyRefusedException extends RuntimeException {
        public KeyRefusedException(String reason) {
            super(reason);
        }
    }
}
