package io.watch2s3.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

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

    /**
     * Where a pair's meters go: its own registry and every registry of the host's, once each. A registry that is part
     * of a composite the host has is reached through that composite only (a counter registered twice in one registry
     * is one counter, and would count every file twice).
     */
    public static MeterRegistry withHostRegistries(MeterRegistry own, Collection<MeterRegistry> found) {
        Set<MeterRegistry> inside = Collections.newSetFromMap(new IdentityHashMap<>());
        found.forEach(registry -> addMembers(registry, inside));
        List<MeterRegistry> hosts = found.stream()
                .filter(registry -> registry != own && !inside.contains(registry))
                .filter(registry -> !contains(registry, own))
                .toList();
        if (hosts.isEmpty()) {
            return own;
        }
        CompositeMeterRegistry all = new CompositeMeterRegistry();
        all.add(own);
        hosts.forEach(all::add);
        return all;
    }

    private static void addMembers(MeterRegistry registry, Set<MeterRegistry> members) {
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry member : composite.getRegistries()) {
                if (members.add(member)) {
                    addMembers(member, members);
                }
            }
        }
    }

    private static boolean contains(MeterRegistry registry, MeterRegistry own) {
        Set<MeterRegistry> members = Collections.newSetFromMap(new IdentityHashMap<>());
        addMembers(registry, members);
        return members.contains(own);
    }
}
