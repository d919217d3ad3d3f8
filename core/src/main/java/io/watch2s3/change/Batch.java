package io.watch2s3.change;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paths that changed during one quiet period, each once: events are hints, so only the path matters, and the
 * disk decides at upload time what happened to it. Bounded by {@code maxPaths} and {@code maxAgeMillis}.
 */
public final class Batch {

    /** Each path with the time its first event arrived, for the latency metric. */
    private final Map<String, Long> paths = new LinkedHashMap<>();
    private final long openedAtMillis;
    private final int maxPaths;
    private final long maxAgeMillis;

    Batch(long openedAtMillis, int maxPaths, long maxAgeMillis) {
        this.openedAtMillis = openedAtMillis;
        this.maxPaths = maxPaths;
        this.maxAgeMillis = maxAgeMillis;
    }

    void add(String path, long seenAtMillis) {
        paths.putIfAbsent(path, seenAtMillis);
    }

    public List<String> getPaths() {
        return List.copyOf(paths.keySet());
    }

    /** When the first event for {@code path} arrived (0 if unknown). */
    public long firstSeen(String path) {
        return paths.getOrDefault(path, 0L);
    }

    public int getSize() {
        return paths.size();
    }

    public long getOpenedAtMillis() {
        return openedAtMillis;
    }

    /**
     * Takes out the paths whose first event came after the batch's last pause of at least {@code pauseMillis}: a
     * change made just after a burst settled, closed in one batch with the burst's last files. They come back as a
     * batch of their own, when they are at most {@code maxPaths} and paths came before the pause; otherwise nothing
     * is taken and the result is null.
     */
    Batch takeLatecomers(long pauseMillis, int maxPaths) {
        // the map keeps the order of first events, so the first-seen times rise along it
        List<Map.Entry<String, Long>> entries = new ArrayList<>(paths.entrySet());
        for (int first = entries.size() - 1; first > 0 && entries.size() - first <= maxPaths; first--) {
            if (entries.get(first).getValue() - entries.get(first - 1).getValue() >= pauseMillis) {
                Batch latecomers = new Batch(entries.get(first).getValue(), maxPaths, maxAgeMillis);
                for (Map.Entry<String, Long> late : entries.subList(first, entries.size())) {
                    latecomers.paths.put(late.getKey(), late.getValue());
                    paths.remove(late.getKey());
                }
                return latecomers;
            }
        }
        return null;
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
