package io.watch2s3.s3;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Path ↔ key rules (README "Objects"): key = s3.prefix + the path relative to watch.dir, character for character —
 * the key rclone, aws-cli and s3cmd expect for that file, so their checks agree with ours. A backslash is a character
 * of the name (on Linux it separates nothing); a name in decomposed Unicode (NFD) and its composed twin (NFC) are two
 * files with two keys. Refused: a name that is not valid UTF-8 (an S3 key is UTF-8: it could not name the same file
 * again) and a key over 1024 bytes. U+FFFD in a name is the JVM's stand-in for bytes that are not UTF-8, or that very
 * character in a valid name: only the disk can tell (see BatchPlanner); here it is a character like any other.
 */
public final class ObjectKeys {

    public static final int MAX_KEY_BYTES = 1024;
    /** Why a name that is not valid UTF-8 is refused. */
    public static final String NOT_UTF8 = "its name is not valid UTF-8, which every S3 key must be (\\uFFFD stands for"
            + " the bytes that are not; 'ls -b' in its directory shows them): rename it";

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
        if (hasLoneSurrogate(relativePath)) {
            return NOT_UTF8;
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
     * True when {@code s} holds neither U+FFFD nor a lone surrogate: certainly the name as the disk holds it. Linux
     * file names are bytes; the JDK decodes undecodable ones to U+FFFD, which a valid name may hold too.
     */
    public static boolean isWellFormed(String s) {
        return s.indexOf('\uFFFD') < 0 && !hasLoneSurrogate(s);
    }

    /** A surrogate without its pair: no UTF-8 string holds one. */
    public static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
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
