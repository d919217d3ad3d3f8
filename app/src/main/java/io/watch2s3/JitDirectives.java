package io.watch2s3;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps HotSpot's optimising compiler (C2) to the JDK's digests. watch2s3 runs a long, flat path per file (Camel,
 * the SDK, the HTTP client, H2) a few thousand times: C2 spent 6 of the 23 CPU-seconds of a 10,000-file sync
 * compiling it, and the C1 code it replaced was left in its slow, profiling form until then. With C2 excluded
 * everywhere else, a method that reaches jvm.options' low Tier4 thresholds is recompiled by C1 without profiling
 * instead (1.47 instead of 2.3 CPU-s per 1,000 files), while hashing a large file still runs C2's SHA-256 with the
 * CPU's SHA instructions (C1 only: a 1 GB upload took 25 s instead of 11).
 *
 * <p>The file ({@code jit-directives.json}, HotSpot's compiler directives: plain JSON, no comments) lets C2 compile
 * {@code sun.security.provider} and {@code MessageDigest} only.
 *
 * <p>jvm.options gives the file to the JVM ({@code -XX:CompilerDirectivesFile}, from its first instruction). Started
 * without it, watch2s3 adds the copy in its jar itself, through the JVM's own diagnostic command (what {@code jcmd
 * Compiler.directives_add} calls), as the first thing main() does. Only the command line does either: a Camel host's
 * JVM is its owner's to tune.
 */
final class JitDirectives {

    private static final String NOT_APPLIED = "JIT directives not applied: ";

    /** What the JVM said; logged by {@link #report} once logging is set up. */
    record Outcome(boolean added, String said) {
    }

    private JitDirectives() {
    }

    /**
     * Adds the directives; on a JVM without the diagnostic command, changes nothing. Called first thing: until then
     * every method that reaches jvm.options' low Tier4 thresholds goes to C2 (140 of the start's methods, 0.8 CPU-s,
     * when this ran after the settings were read). It logs nothing itself, so logging is still configurable after it.
     */
    static Outcome apply() {
        if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(argument -> argument.startsWith("-XX:CompilerDirectivesFile="))) {
            return new Outcome(true, "directives given on the command line (jvm.options)");
        }
        Path file = null;
        try (InputStream in = JitDirectives.class.getResourceAsStream("jit-directives.json")) {
            file = Files.createTempFile("watch2s3-jit", ".json");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            String said = String.valueOf(result).trim();
            return new Outcome(said.endsWith("compiler directives added"), said);
        } catch (IOException | JMException | RuntimeException e) {
            return new Outcome(false, e.toString());
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }

    /** At DEBUG: whether the JVM took the directives, and what it said. */
    static void report(Outcome outcome) {
        Logger log = LoggerFactory.getLogger(JitDirectives.class);
        log.debug(outcome.added() ? "JIT: {}" : NOT_APPLIED + "{}", outcome.said());
    }
}
