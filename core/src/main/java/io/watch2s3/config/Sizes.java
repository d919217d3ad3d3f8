package io.watch2s3.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the size format of the configuration contract: {@code 64MB}, {@code 1GB}, {@code 512KB}, {@code 100}. */
public final class Sizes {

    private static final long MAX = 5L << 40;
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    public static long parse(String key, String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw ConfigurationException.forKey(key, "'" + text + "' is not a size; use e.g. 64MB, 1GB or 512KB");
        }
        String digits = m.group(1).replaceFirst("^0+(?=\\d)", "");
        if (digits.length() > 15) {
            throw tooLarge(key, text);
        }
        long amount = Long.parseLong(digits);
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long factor = switch (unit) {
            case "KB" -> 1L << 10;
            case "MB" -> 1L << 20;
            case "GB" -> 1L << 30;
            case "TB" -> 1L << 40;
            default -> 1L;
        };
        if (amount > MAX / factor) {
            throw tooLarge(key, text);
        }
        return amount * factor;
    }

    private static ConfigurationException tooLarge(String key, String text) {
        return ConfigurationException.forKey(key, "'" + text + "' is too large; at most 5TB, S3's largest object");
    }
}
