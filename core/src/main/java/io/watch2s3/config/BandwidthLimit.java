package io.watch2s3.config;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * s3.bandwidth-limit: the bytes per second a pair's uploads may send, as rclone's {@code --bwlimit} takes it. One rate
 * ({@code 10MB}, {@code 512KB/s}), {@code off}, or a timetable of {@code [Day-]HH:MM,rate} entries separated by spaces
 * ({@code 08:00,512KB 19:00,off}, {@code Sat-00:00,off Mon-07:00,1MB}): each entry holds from its time until the next
 * one, the last wrapping round to the first. An entry without a day holds on every day; where an entry for one day
 * falls on the same minute, the day's wins.
 */
public final class BandwidthLimit {

    /** Below this the throttled requests would idle so long between writes that servers drop them (S3: after 20 s). */
    public static final long SMALLEST = 64L << 10;
    private static final String KEY = "s3.bandwidth-limit";
    private static final Pattern ENTRY = Pattern.compile("(?:([A-Za-z]{3})-)?(\\d{1,2}):(\\d{2}),(\\S+)");
    private static final int MINUTES_PER_DAY = 24 * 60;

    /** Minute of the week (Monday 00:00 is 0) → bytes per second, 0 for no limit. */
    private final NavigableMap<Integer, Long> rates;

    private BandwidthLimit(NavigableMap<Integer, Long> rates) {
        this.rates = rates;
    }

    public static BandwidthLimit parse(String text) {
        String value = text == null ? "" : text.trim();
        NavigableMap<Integer, Long> rates = new TreeMap<>();
        if (!value.contains(",")) {
            rates.put(0, rate(value, value));
            return new BandwidthLimit(rates);
        }
        Map<Integer, Long> everyDay = new TreeMap<>();
        for (String entry : value.split("\\s+")) {
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw ConfigurationException.forKey(KEY, "'" + entry + "' is not a timetable entry; write [Day-]HH:MM,rate"
                        + " as in 08:00,512KB or Sat-00:00,off, entries separated by spaces");
            }
            int hour = Integer.parseInt(m.group(2));
            int minute = Integer.parseInt(m.group(3));
            if (hour > 23 || minute > 59) {
                throw ConfigurationException.forKey(KEY, "'" + entry + "' has no time of day " + m.group(2) + ":" + m.group(3)
                        + "; use 00:00 to 23:59");
            }
            long rate = rate(m.group(4), entry);
            int minuteOfDay = hour * 60 + minute;
            if (m.group(1) == null) {
                if (everyDay.put(minuteOfDay, rate) != null) {
                    throw twice(entry);
                }
            } else if (rates.put(day(m.group(1), entry).ordinal() * MINUTES_PER_DAY + minuteOfDay, rate) != null) {
                throw twice(entry);
            }
        }
        for (var daily : everyDay.entrySet()) {
            for (int day = 0; day < 7; day++) {
                rates.putIfAbsent(day * MINUTES_PER_DAY + daily.getKey(), daily.getValue());
            }
        }
        return new BandwidthLimit(rates);
    }

    /** Bytes per second at {@code time}; 0 for no limit. */
    public long bytesPerSecondAt(LocalDateTime time) {
        int minuteOfWeek = time.getDayOfWeek().ordinal() * MINUTES_PER_DAY + time.getHour() * 60 + time.getMinute();
        Map.Entry<Integer, Long> holding = rates.floorEntry(minuteOfWeek);
        return (holding != null ? holding : rates.lastEntry()).getValue();
    }

    /** Whether uploads are ever limited; if not, they need no throttling at all. */
    public boolean limitsAtSomeTime() {
        return rates.values().stream().anyMatch(rate -> rate > 0);
    }

    /** {@code 10MB}, {@code 512KB/s}, {@code off} (also {@code 0} or empty): bytes per second, 0 for no limit. */
    private static long rate(String text, String entry) {
        String rate = text.toLowerCase(Locale.ROOT).endsWith("/s") ? text.substring(0, text.length() - 2) : text;
        if (rate.isEmpty() || rate.equalsIgnoreCase("off") || rate.equals("0")) {
            return 0;
        }
        long bytes;
        try {
            bytes = Sizes.parse(KEY, rate);
        } catch (ConfigurationException e) {
            throw ConfigurationException.forKey(KEY, "'" + entry + "' is not a bandwidth limit; use a rate per second"
                    + " such as 10MB or 512KB, off, or a timetable such as 08:00,512KB 19:00,off");
        }
        if (bytes < SMALLEST) {
            throw ConfigurationException.forKey(KEY, "'" + entry + "' is below the smallest limit, 64KB per second"
                    + " (off for none)");
        }
        return bytes;
    }

    private static DayOfWeek day(String name, String entry) {
        for (DayOfWeek day : DayOfWeek.values()) {
            if (day.getDisplayName(TextStyle.SHORT, Locale.ENGLISH).equalsIgnoreCase(name)) {
                return day;
            }
        }
        throw ConfigurationException.forKey(KEY, "'" + entry + "' names no day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun");
    }

    private static ConfigurationException twice(String entry) {
        return ConfigurationException.forKey(KEY, "'" + entry + "' gives a time the timetable has already");
    }
}
