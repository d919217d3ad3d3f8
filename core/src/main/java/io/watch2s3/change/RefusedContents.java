package io.watch2s3.change;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contents S3 refused for good (a 4xx about the file), by path, so that the same bytes are not sent again until
 * the file changes: the start's catch-up scan and the watcher, or a periodic scan, would otherwise each send a file
 * S3 already refused, and each count and log it once more. Held in memory: a restart tries every refused file once
 * again, which is what a user who fixed the bucket's side expects. Bounded: past 10,000 paths the oldest are
 * forgotten, which only costs them one more refused request.
 */
public class RefusedContents {

    private static final int MAX_PATHS = 10_000;

    private final Map<String, Refused> byPath = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Refused> eldest) {
            return size() > MAX_PATHS;
        }
    };

    private record Refused(long size, String sha256) {
    }

    /** S3 refused {@code fingerprint}'s content at {@code path} for good. */
    public synchronized void remember(String path, Fingerprint fingerprint) {
        if (path != null && fingerprint != null && fingerprint.sha256() != null) {
            byPath.put(path, new Refused(fingerprint.size(), fingerprint.sha256()));
        }
    }

    /** True when S3 refused exactly this content at {@code path}; a path whose content changed is forgotten. */
    public synchronized boolean wasRefused(String path, Fingerprint fingerprint) {
        Refused refused = byPath.get(path);
        if (refused == null) {
            return false;
        }
        if (refused.size() == fingerprint.size() && refused.sha256().equals(fingerprint.sha256())) {
            return true;
        }
        byPath.remove(path);
        return false;
    }

    public synchronized int size() {
        return byPath.size();
    }
}
