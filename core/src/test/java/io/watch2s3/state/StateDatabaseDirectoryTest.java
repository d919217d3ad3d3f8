package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.config.ConfigurationException;
import org.junit.jupiter.api.Test;

/** The directory becomes part of a JDBC URL: the bean refuses one H2 would read settings from, whoever creates it. */
class StateDatabaseDirectoryTest {

    @Test
    void aDirectoryThatWouldChangeTheJdbcUrlIsRefusedByTheBeanItself() {
        StateDatabase state = new StateDatabase();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> state.setDirectory("/tmp/x;INIT=RUNSCRIPT FROM 'evil.sql'"));
        assertTrue(e.getMessage().startsWith("state.dir: ") && e.getMessage().contains("';'"), e.getMessage());
    }
}
