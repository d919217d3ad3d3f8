package io.watch2s3.camel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The core is an OSGi bundle for Karaf: it imports Camel with a range that covers the 4.14 LTS line of camel-karaf and
 * Camel 4.17, exports every package of its own, imports H2 and nothing of the command line's (Spring, S3Mock,
 * Logback) or the JDK's internals.
 */
class BundleManifestTest {

    @Test
    void theCoreIsABundleForCamel414To4x() throws Exception {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(
                Path.of(System.getProperty("basedir", "."), "target/classes/META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        var main = manifest.getMainAttributes();
        assertEquals("io.watch2s3.core", main.getValue("Bundle-SymbolicName"));

        List<String> imports = clauses(main.getValue("Import-Package"));
        List<String> camel = imports.stream().filter(c -> c.startsWith("org.apache.camel")).toList();
        assertFalse(camel.isEmpty(), "imports Camel: " + imports);
        for (String clause : camel) {
            assertTrue(clause.endsWith(";version=\"[4.14,5)\""), "Camel 4.14 LTS to 4.x: " + clause);
        }
        for (String clause : imports) {
            assertFalse(clause.startsWith("org.springframework") || clause.startsWith("ch.qos.logback")
                    || clause.startsWith("com.adobe"), "nothing of the command line's: " + clause);
            // Karaf's JRE package list lacks it: the bundle would not resolve
            assertFalse(clause.startsWith("com.sun."), "no JDK-internal package: " + clause);
        }
        // the state database's JDBC driver, which DriverManager gives a bundle only when it imports its package
        assertTrue(imports.contains("org.h2;version=\"[2.3,3)\""), "imports H2: " + imports);

        String exports = main.getValue("Export-Package");
        for (String own : List.of("camel", "change", "config", "failure", "health", "log", "s3", "scan", "state",
                "stats", "sync", "tree")) {
            assertTrue(exports.contains("io.watch2s3." + own + ";version="), "exports io.watch2s3." + own);
        }
    }

    /** The clauses of a header: commas inside quoted attribute values (version ranges) do not split. */
    private static List<String> clauses(String header) {
        List<String> clauses = new ArrayList<>();
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                clauses.add(clause.toString());
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        clauses.add(clause.toString());
        return clauses;
    }
}
