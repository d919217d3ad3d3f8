package io.watch2s3.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** s3.bandwidth-limit read as rclone's --bwlimit: one rate, off, or a timetable by time of day and weekday. */
class BandwidthLimitTest {

    // 2026-12-07 is a Monday
    private static LocalDateTime monday(int hour, int minute) {
        return LocalDateTime.of(2026, 12, 7, hour, minute);
    }

    private static String refusal(String value) {
        return assertThrows(ConfigurationException.class, () -> BandwidthLimit.parse(value)).getMessage();
    }

    @Test
    void oneRateHoldsAlwaysAndOffLimitsNothing() {
        assertEquals(10L << 20, BandwidthLimit.parse("10MB").bytesPerSecondAt(monday(3, 0)));
        assertEquals(512L << 10, BandwidthLimit.parse("512KB/s").bytesPerSecondAt(monday(23, 59)));
        assertEquals(512L << 10, BandwidthLimit.parse(" 512 kb ").bytesPerSecondAt(monday(0, 0)));
        for (String none : new String[] {"off", "OFF", "0", "", " "}) {
            BandwidthLimit limit = BandwidthLimit.parse(none);
            assertEquals(0, limit.bytesPerSecondAt(monday(12, 0)), none);
            assertFalse(limit.limitsAtSomeTime(), none);
        }
        assertTrue(BandwidthLimit.parse("1MB").limitsAtSomeTime());
    }

    @Test
    void aDailyTimetableEntryHoldsUntilTheNextAndTheLastWrapsRoundToTheFirst() {
        BandwidthLimit limit = BandwidthLimit.parse("08:00,512KB 19:00,off  12:30,2MB");
        assertEquals(0, limit.bytesPerSecondAt(monday(7, 59)), "the evening's off, from the day before");
        assertEquals(512L << 10, limit.bytesPerSecondAt(monday(8, 0)));
        assertEquals(512L << 10, limit.bytesPerSecondAt(monday(12, 29)));
        assertEquals(2L << 20, limit.bytesPerSecondAt(monday(12, 30)), "entries need not be in order");
        assertEquals(0, limit.bytesPerSecondAt(monday(19, 0)));
        assertEquals(0, limit.bytesPerSecondAt(LocalDateTime.of(2026, 12, 13, 3, 0)), "a Sunday night");
        assertTrue(limit.limitsAtSomeTime());
    }

    @Test
    void aWeekdayEntryHoldsFromItsDayAndWinsOverADailyOneAtTheSameMinute() {
        BandwidthLimit limit = BandwidthLimit.parse("Sat-00:00,off Mon-07:00,1MB 09:00,4MB sat-09:00,off");
        assertEquals(0, limit.bytesPerSecondAt(LocalDateTime.of(2026, 12, 12, 8, 0)), "Saturday from 00:00");
        assertEquals(4L << 20, limit.bytesPerSecondAt(monday(6, 59)), "the daily 09:00 holds on Sunday too");
        assertEquals(1L << 20, limit.bytesPerSecondAt(monday(7, 0)));
        assertEquals(4L << 20, limit.bytesPerSecondAt(monday(9, 0)));
        assertEquals(4L << 20, limit.bytesPerSecondAt(LocalDateTime.of(2026, 12, 11, 23, 0)), "Friday night");
        assertEquals(0, limit.bytesPerSecondAt(LocalDateTime.of(2026, 12, 12, 10, 0)), "Saturday's own 09:00");
        assertEquals(4L << 20, limit.bytesPerSecondAt(LocalDateTime.of(2026, 12, 13, 9, 30)), "Sunday's daily 09:00");
    }

    @Test
    void aValueThatIsNoRateOrTimetableIsNamedWithWhatIsAllowed() {
        assertEquals("s3.bandwidth-limit: 'fast' is not a bandwidth limit; use a rate per second such as 10MB or 512KB,"
                + " off, or a timetable such as 08:00,512KB 19:00,off", refusal("fast"));
        assertEquals("s3.bandwidth-limit: '1KB' is below the smallest limit, 64KB per second (off for none)",
                refusal("1KB"));
        assertTrue(refusal("-5MB").contains("not a bandwidth limit"));
        assertTrue(refusal("1.5MB").contains("not a bandwidth limit"));
        assertTrue(refusal("08:00,512KB 19:00").contains("'19:00' is not a timetable entry"));
        assertTrue(refusal("08:00,512KB;19:00,off").contains("is not a bandwidth limit"));
        assertTrue(refusal("25:00,1MB").contains("no time of day 25:00"));
        assertTrue(refusal("08:60,1MB").contains("no time of day"));
        assertTrue(refusal("Fun-08:00,1MB").contains("names no day"));
        assertTrue(refusal("08:00,1MB 08:00,2MB").contains("already"));
        assertTrue(refusal("08:00,lots").startsWith("s3.bandwidth-limit: '08:00,lots' is not a bandwidth limit"));
    }
}
