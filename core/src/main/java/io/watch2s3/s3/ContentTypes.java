package io.watch2s3.s3;

import java.net.FileNameMap;
import java.net.URLConnection;
import java.util.Locale;
import java.util.Map;

/**
 * Content-Type from the file name. The JDK's table (content-types.properties) lacks several types a web server
 * serves every day (css, js, json, svg, woff2, webp…) and Files.probeContentType depends on /etc/mime.types being
 * installed, so the common web types are listed here first and the JDK's table covers the rest.
 */
public final class ContentTypes {

    private static final Map<String, String> WEB_TYPES = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"),
            Map.entry("css", "text/css"), Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"),
            Map.entry("json", "application/json"), Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain"), Map.entry("csv", "text/csv"), Map.entry("md", "text/markdown"),
            Map.entry("xml", "application/xml"), Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"), Map.entry("avif", "image/avif"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"),
            Map.entry("ttf", "font/ttf"), Map.entry("otf", "font/otf"), Map.entry("wasm", "application/wasm"),
            Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"),
            Map.entry("mp4", "video/mp4"), Map.entry("webm", "video/webm"), Map.entry("mp3", "audio/mpeg"));

    private static final String DEFAULT = "application/octet-stream";

    private final FileNameMap jdkTable = URLConnection.getFileNameMap();

    public String forName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot >= 0 && dot < fileName.length() - 1) {
            String known = WEB_TYPES.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
            if (known != null) {
                return known;
            }
        }
        String jdk = jdkTable.getContentTypeFor(fileName);
        return jdk == null ? DEFAULT : jdk;
    }
}
