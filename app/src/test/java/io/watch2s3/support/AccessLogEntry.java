package io.watch2s3.support;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One line of the S3 server's access log: {@code begin-ms end-ms status METHOD /bucket/key?query HTTP/1.1}. */
public record AccessLogEntry(long beginMillis, long endMillis, int status, String method, String bucket, String key,
        String query) {

    static AccessLogEntry parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length < 5) {
            return null;
        }
        String target = f[4];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        String[] parts = path.substring(1).split("/", 2);
        String key = parts.length > 1 ? URLDecoder.decode(parts[1].replace("+", "%2B"), StandardCharsets.UTF_8) : "";
        return new AccessLogEntry(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]), f[3],
                parts[0], key, query);
    }

    public boolean isPut() {
        return method.equals("PUT") && !key.isEmpty();
    }

    public boolean isDelete() {
        return method.equals("DELETE") && !key.isEmpty();
    }

    /** A listing of the bucket: GET on the bucket itself, whatever the list version. */
    public boolean isList() {
        return method.equals("GET") && key.isEmpty() && !query.contains("location") && !query.contains("versioning");
    }

    public boolean isHeadBucket() {
        return method.equals("HEAD") && key.isEmpty();
    }

    public boolean isHeadObject() {
        return method.equals("HEAD") && !key.isEmpty();
    }

    /** The largest number of requests whose [begin, end) intervals overlap. */
    public static int maxConcurrent(List<AccessLogEntry> entries) {
        List<long[]> events = new java.util.ArrayList<>();
        for (AccessLogEntry e : entries) {
            events.add(new long[] {e.beginMillis(), 1});
            events.add(new long[] {e.endMillis(), -1});
        }
        // at equal times an end comes before a begin: a request that ends as the next begins is not overlapping
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }
}
