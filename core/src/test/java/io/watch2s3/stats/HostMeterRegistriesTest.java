package io.watch2s3.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** A pair's meters reach the host's registries as well as its own, and count each file once in every one. */
class HostMeterRegistriesTest {

    private final MeterRegistry own = MetricsRegistries.prometheus();

    @Test
    void withoutAHostRegistryTheMetersStayInTheirOwn() {
        assertSame(own, MetricsRegistries.withHostRegistries(own, List.of()));
        assertSame(own, MetricsRegistries.withHostRegistries(own, List.of(own)));
    }

    @Test
    void aHostCompositeAndItsMembersCountEachFileOnce() {
        SimpleMeterRegistry member = new SimpleMeterRegistry();
        CompositeMeterRegistry host = new CompositeMeterRegistry();
        host.add(member);
        SimpleMeterRegistry other = new SimpleMeterRegistry();

        MeterRegistry all = MetricsRegistries.withHostRegistries(own, List.of(member, own, host, other));
        all.counter("watch2s3.files.uploaded", "pair", "site").increment();

        for (MeterRegistry registry : List.of(own, member, other)) {
            assertEquals(1.0, registry.get("watch2s3.files.uploaded").tag("pair", "site").counter().count(),
                    registry.toString());
        }
    }

    @Test
    void aPairsCountersReachTheRegistryTheHostHasInCamelsRegistry() throws Exception {
        SimpleMeterRegistry host = new SimpleMeterRegistry();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("hostMeters", host);
            camel.getRegistry().bind("metricsRegistry", own);
            SyncCounters counters = new SyncCounters();
            counters.setMeterRegistry(own);
            counters.setPair("site");
            counters.setCamelContext(camel);
            counters.register();
            counters.countUploaded(5, 0);
        }
        assertEquals(1.0, host.get("watch2s3.files.uploaded").tag("pair", "site").counter().count());
        assertEquals(5.0, host.get("watch2s3.bytes.uploaded").tag("pair", "site").counter().count());
        assertEquals(1.0, own.get("watch2s3.files.uploaded").tag("pair", "site").counter().count());
    }
}
