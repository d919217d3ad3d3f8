package io.watch2s3.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration format of the configuration contract: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 0}. */
public final class Durations {

    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    /** No setting needs more; past it, "99999999999999h" would overflow instead of meaning anything. */
    private static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    public static Duration parse(String key, String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw ConfigurationException.forKey(key,
                    "'" + text + "' is not a duration; use a whole number with ms, s, m, h or d (e.g. 5s, 500ms, 1h)");
        }
        String digits = m.group(1).replaceFirst("^0+(?=\\d)", "");
        if (digits.length() > 12) {
            throw tooLong(key, text);
        }
        long amount = Long.parseLong(digits);
        String unit = m.group(2) == null ? (amount == 0 ? "s" : "") : m.group(2);
        Duration duration = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw ConfigurationException.forKey(key,
                    "'" + text + "' has no unit; write e.g. " + amount + "s or " + amount + "ms");
        };
        if (duration.compareTo(MAX) > 0) {
            throw tooLong(key, text);
        }
        return duration;
    }

    private static ConfigurationException tooLong(String key, String text) {
        return ConfigurationException.forKey(key, "'" + text + "' is too long; at most 365d");
    }
}
