package io.watch2s3.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * A test that runs watch2s3 as a process ({@link JavaProcess}): the process loads the shipped YAML route whatever the
 * test JVM's {@code watch2s3.test.routes} says, so the build's second run of a class against the XML twin skips it
 * instead of repeating it exactly (minutes of kill -9 and SIGTERM scenarios).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Test
@DisabledIfSystemProperty(named = "watch2s3.test.routes", matches = ".+",
        disabledReason = "runs the jar, which loads the YAML route: run once, by the YAML run of this class")
public @interface JarTest {
}
