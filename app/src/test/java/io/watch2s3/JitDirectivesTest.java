package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The directives file parses and the JVM takes it: C2 is kept to the digests (see jvm.options). */
class JitDirectivesTest {

    @Test
    void theJvmTakesTheDirectivesAndKeepsC2ToTheDigests() throws Exception {
        assertTrue(JitDirectives.apply(), "the JVM refused jit-directives.json");
        String printed = String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()}));
        assertTrue(printed.contains("sun/security/provider/*.*"), printed);
        assertTrue(printed.contains("matching: *.*"), printed);
    }
}
