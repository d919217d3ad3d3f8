package io.watch2s3.change;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The paths that changed during one quiet period, each once: events are hints, so only the path matters, and the
 * disk decides at upload time what happened to it. Bounded by {@code maxPaths} and {@code maxAgeMillis}.
 */
public final class Batch {

    /**
     * Each path with the time its first event was seen (by the file watcher, or when it came here from a scan), for
     * the latency metric and the batch's pauses.
     */
    private final Map<String, Long> paths = new LinkedHashMap<>();
    /** The paths the file watcher reported; the others came from a catch-up scan or the retry queue. */
    private final Set<String> watched = new HashSet<>();
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

    /** A path the file watcher reported. */
    void addWatched(String path, long seenAtMillis) {
        add(path, seenAtMillis);
        // Only a few of them can go ahead (pathsAhead): one past that many says "too many", so that a burst's batch
        // does not keep a set of all its paths, nor add to it for each of its events.
        if (watched.size() <= BatchLanes.QUICK_BATCH) {
            watched.add(path);
        }
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
     * The few paths that go ahead of the rest, as a batch of their own (none when there are more than
     * {@code maxPaths}, or no others):
     * <ul>
     *   <li>in a batch of paths a catch-up scan found (or the retry queue gave back), those the watcher reported: a
     *       fix made while the first start's scan uploads the whole tree;</li>
     *   <li>otherwise those whose first event came after the batch's last pause of at least {@code pauseMillis}: a
     *       fix made just after a burst settled, closed in one batch with the burst's last files.</li>
     * </ul>
     */
    List<String> pathsAhead(long pauseMillis, int maxPaths) {
        if (!watched.isEmpty() && watched.size() <= maxPaths && watched.size() < paths.size()) {
            return paths.keySet().stream().filter(watched::contains).toList();
        }
        // the map keeps the order of first events, so the first-seen times rise along it
        List<Map.Entry<String, Long>> entries = new ArrayList<>(paths.entrySet());
        for (int first = entries.size() - 1; first > 0 && entries.size() - first <= maxPaths; first--) {
            if (entries.get(first).getValue() - entries.get(first - 1).getValue() >= pauseMillis) {
                return entries.subList(first, entries.size()).stream().map(Map.Entry::getKey).toList();
            }
        }
        return List.of();
    }

    /** Takes {@code taken} (some of this batch's paths) out, into a batch of their own. */
    Batch take(List<String> taken) {
        Batch part = new Batch(paths.get(taken.get(0)), maxPaths, maxAgeMillis);
        for (String path : taken) {
            part.paths.put(path, paths.remove(path));
            if (watched.remove(path)) {
                part.watched.add(path);
            }
        }
        return part;
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
