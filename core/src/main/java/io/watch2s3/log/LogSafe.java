package io.watch2s3.log;

/**
 * File names are data from whoever can write into watch.dir: a name with a newline would otherwise split a log line
 * and let its author forge the next one. Every name and key that reaches a log line goes through {@link #name}.
 */
public final class LogSafe {

    private LogSafe() {
    }

    /**
     * {@code s} with every control character, backslash and U+FFFD (what the JVM makes of bytes that are not UTF-8)
     * written as an escape: {@code \n}, {@code \t}, {@code \\}, {@code \x01}, {@code \uFFFD}. Printable text,
     * including any script, stays as it is.
     */
    public static String name(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String escape = switch (c) {
                case '\n' -> "\\n";
                case '\t' -> "\\t";
                case '\r' -> "\\r";
                case '\\' -> "\\\\";
                case '\uFFFD' -> "\\uFFFD";
                default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                        ? String.format("\\x%02X", (int) c) : null;
            };
            if (escape != null && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
