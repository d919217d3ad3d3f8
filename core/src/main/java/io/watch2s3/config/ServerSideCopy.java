package io.watch2s3.config;

import java.util.Locale;

/**
 * s3.server-side-copy: {@code off}, or the smallest file that S3 copies from an object holding its content instead of
 * an upload, from 64KB (a smaller file costs one request either way, and the state database lists no smaller
 * contents) to 5GB (the most one CopyObject takes).
 */
public final class ServerSideCopy {

    public static final String KEY = "s3.server-side-copy";
    public static final long SMALLEST_ALLOWED = 64 << 10;
    public static final long LARGEST = 5L << 30;
    /** What {@link #smallestCopied} gives for off: no file is that large. */
    public static final long OFF = Long.MAX_VALUE;

    private ServerSideCopy() {
    }

    public static long smallestCopied(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("off") || text.equals("false")) {
            return OFF;
        }
        long size;
        try {
            size = Sizes.parse(KEY, value);
        } catch (ConfigurationException e) {
            throw ConfigurationException.forKey(KEY, "'" + value + "' is neither off nor a size; use e.g. 256KB, 1MB"
                    + " or off");
        }
        if (size < SMALLEST_ALLOWED || size > LARGEST) {
            throw ConfigurationException.forKey(KEY, "'" + value + "' is out of range; allowed 64KB to 5GB (the"
                    + " smallest file S3 copies instead of an upload), or off");
        }
        return size;
    }
}
