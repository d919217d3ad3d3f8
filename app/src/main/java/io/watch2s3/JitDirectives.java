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
 * <p>A command-line flag would need the directives file's path, which depends on the directory java is started in;
 * the JVM's own diagnostic command (what {@code jcmd Compiler.directives_add} calls) takes the file at run time.
 * Only the command line applies it: a Camel host's JVM is its owner's to tune.
 */
final class JitDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(JitDirectives.class);

    private JitDirectives() {
    }

    /**
     * Adds the directives; on a JVM without the diagnostic command, says so at DEBUG and changes nothing.
     *
     * @return whether the JVM took them
     */
    static boolean apply() {
        Path file = null;
        try (InputStream in = JitDirectives.class.getResourceAsStream("jit-directives.json")) {
            file = Files.createTempFile("watch2s3-jit", ".json");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            String said = String.valueOf(result).trim();
            boolean added = said.endsWith("compiler directives added");
            LOG.debug(added ? "JIT: {}" : "JIT directives not applied: {}", said);
            return added;
        } catch (IOException | JMException | RuntimeException e) {
            LOG.debug("JIT directives not applied: {}", e.toString());
            return false;
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }
}
