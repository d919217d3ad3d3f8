package io.watch2s3.change;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The paths that changed during one quiet period, each once: events are hints, so only the path matters, and the
 * disk decides at upload time what happened to it. Bounded by {@code maxPaths} and {@code maxAgeMillis}.
 */
public final class Batch {

    private final Set<String> paths = new LinkedHashSet<>();
    private final long openedAtMillis;
    private final int maxPaths;
    private final long maxAgeMillis;

    Batch(long openedAtMillis, int maxPaths, long maxAgeMillis) {
        this.openedAtMillis = openedAtMillis;
        this.maxPaths = maxPaths;
        this.maxAgeMillis = maxAgeMillis;
    }

    void add(String path) {
        paths.add(path);
    }

    public List<String> getPaths() {
        return new ArrayList<>(paths);
    }

    public int getSize() {
        return paths.size();
    }

    public long getOpenedAtMillis() {
        return openedAtMillis;
    }

    /** True when the batch must close now although events keep coming: too many paths, or open too long. */
    public boolean isFull() {
        return paths.size() >= maxPaths || System.currentTimeMillis() - openedAtMillis >= maxAgeMillis;
    }

    @Override
    public String toString() {
        return "Batch[" + paths.size() + " paths]";
    }
}
