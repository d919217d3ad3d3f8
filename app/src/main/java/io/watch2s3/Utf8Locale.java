package io.watch2s3;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JVM reads file names in the encoding of the locale it started in. Under LC_ALL=C, or with no LANG at all (what
 * cron and many service managers give), that is ASCII: one name with another character made the listing of its
 * directory fail, and nothing in it was synced. No JVM option changes it once running, so watch2s3 starts itself
 * again in the C.UTF-8 locale (in every glibc since 2.35, and in Debian's long before), passes signals on to that
 * process and exits with its exit code; where even that locale is missing, it refuses to start and says so.
 */
final class Utf8Locale {

    static final String RELAUNCHED = "WATCH2S3_UTF8_RELAUNCH";
    private static final Path BASH = Path.of("/bin/bash");

    private Utf8Locale() {
    }

    /** True when file names are read as UTF-8, so nothing needs doing. */
    static boolean namesAreUtf8() {
        return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    }

    /** Runs this same command again with LC_ALL=C.UTF-8 and returns its exit code; 2 when that cannot help. */
    static int relaunch() {
        Path cmdline = Path.of("/proc/" + ProcessHandle.current().pid() + "/cmdline");
        if (System.getenv(RELAUNCHED) != null || !Files.isReadable(cmdline) || !Files.isExecutable(BASH)) {
            System.err.println("watch2s3: file names are read as " + System.getProperty("sun.jnu.encoding")
                    + " (the locale: LC_ALL=" + System.getenv("LC_ALL") + ", LANG=" + System.getenv("LANG") + "),"
                    + " so names with other than ASCII characters could not be synced; start it in a UTF-8 locale,"
                    + " e.g. LC_ALL=C.UTF-8 java -jar watch2s3.jar (install the locale if it is missing)");
            return Watch2S3.BAD_CONFIGURATION;
        }
        // The command line is taken byte for byte from /proc by bash, not from Java: in this locale Java has already
        // turned every non-ASCII byte of it into '?', and would do so again when starting the new process (and
        // ProcessHandle.Info gives no arguments at all for a long class path). bash execs it, so the new JVM is this
        // one's child and gets the signals and exit code directly.
        ProcessBuilder builder = new ProcessBuilder(BASH.toString(), "-c",
                "mapfile -d '' -t command < \"$1\" && exec \"${command[@]}\"", "watch2s3", cmdline.toString())
                .inheritIO();
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().put(RELAUNCHED, "1");
        try {
            Process process = builder.start();
            for (String name : new String[] {"TERM", "INT", "HUP"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> process.destroy()); // SIGTERM to it
            }
            return process.waitFor();
        } catch (Exception e) {
            System.err.println("watch2s3: could not start again in the C.UTF-8 locale (" + e + "); start it with"
                    + " LC_ALL=C.UTF-8");
            return Watch2S3.BAD_CONFIGURATION;
        }
    }
}
