package io.watch2s3.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountPointsTest {

    @Test
    void theKernelsEscapesInAMountPointAreUndone() {
        assertEquals("/srv/my site/a\tb\nc\\d", MountPoints.unescape("/srv/my\\040site/a\\011b\\012c\\134d"));
        assertEquals("/plain", MountPoints.unescape("/plain"));
        assertEquals("/odd\\9", MountPoints.unescape("/odd\\9"), "not an escape: kept");
    }

    @Test
    void onlyMountPointsStrictlyBelowTheDirectoryAreListed() {
        // this machine's own table: /proc is mounted below / and nothing is mounted below /proc/self/fd
        assertTrue(MountPoints.below(Path.of("/")).contains("/proc"));
        assertEquals(java.util.Set.of(), MountPoints.below(Path.of("/proc/self/fd")));
        assertEquals(java.util.Set.of(), MountPoints.below(Path.of("/no/such/directory")));
    }
}
