package io.watch2s3.spring;

import io.watch2s3.camel.Pairs;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * The application's pair when it sets {@code watch2s3.watch.dir}: one templated route of watch2s3, named
 * {@value #PAIR}, with the {@code watch2s3.*} settings. An application that mirrors several directories leaves
 * {@code watch2s3.watch.dir} unset and declares one templatedRoute per pair in its own route files instead.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "watch2s3.watch", name = "dir")
public class Watch2S3AutoConfiguration {

    /** The pair's id: its routes are watch2s3, watch2s3-sync-file, …; its meters are tagged pair=watch2s3. */
    public static final String PAIR = "watch2s3";

    @Bean
    RoutesBuilder watch2s3Pair() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                templatedRoute(Pairs.TEMPLATE).routeId(PAIR);
            }
        };
    }
}
