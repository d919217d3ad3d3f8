package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PairSettingsTest {

    @Test
    void keysGroupByPairAndMinusDWinsOverTheFile() {
        Properties file = properties("pair.docs.watch.dir", "/srv/docs", "pair.docs.s3.bucket", "docs",
                "s3.bucket", "site");
        Properties system = properties("pair.docs.s3.bucket", "docs-2");
        assertEquals(Map.of("docs", Map.of("watch.dir", "/srv/docs", "s3.bucket", "docs-2")),
                PairSettings.from(file, system));
    }

    @Test
    void mainIsTheCommandLinesOwnPairAndCannotBeSetWithThePrefix() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> PairSettings.from(properties("pair.main.s3.bucket", "other")));
        assertEquals("pair.main.s3.bucket: 'main' is the command line's own pair: set its keys without the prefix"
                + " (s3.bucket)", e.getMessage());
    }

    @Test
    void aPairsStateIsItsOwnUnderMainsUnlessItNamesOne() {
        Settings main = Settings.resolve(properties("state.dir", "/var/lib/w2s"), Map.of(), new Properties());
        assertEquals(Path.of("/var/lib/w2s/pairs/docs").toString(),
                PairSettings.parameters("docs", Map.of(), main).get("state.dir"));
        assertEquals("/elsewhere", PairSettings.parameters("docs", Map.of("state.dir", "/elsewhere"), main)
                .get("state.dir"));
    }

    private static Properties properties(String... keysAndValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }
}
