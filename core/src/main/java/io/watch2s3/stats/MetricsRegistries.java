package io.watch2s3.stats;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The Prometheus registry, declared in the route as bean "metricsRegistry": camel-micrometer-prometheus serves the
 * bean of that name on /observe/metrics, so Camel's meters and ours share it.
 */
public final class MetricsRegistries {

    private MetricsRegistries() {
    }

    public static PrometheusMeterRegistry prometheus() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }
}
