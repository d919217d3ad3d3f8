package io.watch2s3.support;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A reverse HTTP proxy on 127.0.0.1 in front of a real S3 server, which fails chosen requests the way S3 or the
 * network does: an S3 error status, a connection closed without a response, a slow answer, or a request held until
 * the test lets it go. Use its {@link #url()} as the app's {@code s3.endpoint} (path-style addressing).
 *
 * <pre>{@code
 * FaultyS3Proxy proxy = FaultyS3Proxy.start(s3.url());
 * Fault bad = proxy.when(r -> r.isPut() && r.key().equals("bad.txt")).respond(400, "InvalidArgument");
 * proxy.when(Request::isPut).times(3).respond(503, "SlowDown");
 * Hold hold = proxy.when(r -> r.key().equals("a.txt")).hold();
 * hold.awaitArrival(Duration.ofSeconds(30));
 * hold.release();
 * }</pre>
 *
 * Rules are tried in the order they were added; the first that matches decides. Request and response bodies are
 * held in memory whole, which suits test-sized objects.
 */
public final class FaultyS3Proxy implements AutoCloseable {

    /** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, never the message passed on. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade");
    /** Set by the JDK client itself, which refuses them from callers; the body we pass on is already whole. */
    private static final Set<String> CLIENT_SETS = Set.of("host", "content-length", "expect");

    private final String target;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    /** Every hold ever made, also removed ones, so that close() can free whatever is still waiting. */
    private final List<Hold> holds = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Requests per key that arrived and are not yet in {@link #requests()}. */
    private final Map<String, Integer> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private FaultyS3Proxy(String targetUrl, javax.net.ssl.SSLContext tls) throws IOException {
        this.target = targetUrl.endsWith("/") ? targetUrl.substring(0, targetUrl.length() - 1) : targetUrl;
        AtomicInteger threads = new AtomicInteger();
        // one thread per request: the app sends many at once, and a held or delayed one must not stall the rest
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "faulty-s3-proxy-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            this.server = HttpServer.create(loopback, 64);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(loopback, 64);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            this.server = https;
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a proxy on a free port of 127.0.0.1 that passes requests on to {@code targetUrl}. */
    public static FaultyS3Proxy start(String targetUrl) {
        return start(targetUrl, null);
    }

    /** As {@link #start(String)}, answering over TLS with {@code tls}'s certificate (see {@link TestCertificate}). */
    public static FaultyS3Proxy start(String targetUrl, javax.net.ssl.SSLContext tls) {
        try {
            return new FaultyS3Proxy(targetUrl, tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the proxy", e);
        }
    }

    public String url() {
        return (server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http") + "://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Starts a rule for the requests {@code matching}; finish it with one of its actions. A predicate that throws
     * fails its request as a closed connection, recorded as {@code "error: …"} in {@link #requests()}.
     */
    public Rule when(Predicate<Request> matching) {
        return new Rule(Objects.requireNonNull(matching));
    }

    /** Removes every rule (releasing their holds): from now on every request is passed on. */
    public void clearFaults() {
        for (Fault f : List.copyOf(faults)) {
            f.remove();
        }
    }

    /** The requests answered so far, in the order they were finished. */
    public List<Seen> requests() {
        return List.copyOf(seen);
    }

    public void clearRequests() {
        seen.clear();
    }

    /** Stops at once: held and delayed requests end without a response, the port is closed. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        holds.forEach(Hold::release);
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) {
        Request request = Request.of(exchange.getRequestMethod(), exchange.getRequestURI(), amzHeaders(exchange));
        inFlight.merge(request.key(), 1, Integer::sum);
        try {
            handle(exchange, request);
        } finally {
            inFlight.computeIfPresent(request.key(), (key, n) -> n == 1 ? null : n - 1);
        }
    }

    /**
     * True while a request for {@code key} is under way here. S3 holds an object before its answer reaches the
     * proxy, so a test that saw the object and then counted the proxy's requests could count one too few.
     */
    public boolean isInFlight(String key) {
        return inFlight.containsKey(key);
    }

    private void handle(HttpExchange exchange, Request request) {
        String outcome;
        try {
            holdBeforeBody(request);
            // the whole request is read before any fault acts: S3 too answers only once the client has sent it all,
            // and a client still writing would see a broken pipe rather than the status
            byte[] body = exchange.getRequestBody().readAllBytes();
            countSighting(body);
            Fault fault = firstMatch(request);
            outcome = fault == null ? forward(exchange, body) : fault.act(exchange, request, body);
        } catch (Exception e) {
            // e.g. the target is down: the client sees the connection closed, as with an unreachable S3
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            outcome = "error: " + e;
        } finally {
            exchange.close();
        }
        seen.add(new Seen(request, outcome, request.amzHeaders()));
    }

    /** The request's x-amz-* headers but its signature's, names in lower case. */
    private static Map<String, String> amzHeaders(HttpExchange exchange) {
        Map<String, String> headers = new java.util.TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("x-amz-") && !lower.equals("x-amz-content-sha256") && !values.isEmpty()) {
                headers.put(lower, values.get(0));
            }
        });
        return headers;
    }

    private volatile byte[] watchedFor;
    private final AtomicInteger sightings = new AtomicInteger();

    /** From now on, counts the requests whose body contains {@code marker} (what must never be sent). */
    public void watchFor(String marker) {
        watchedFor = marker.getBytes(StandardCharsets.UTF_8);
    }

    /** How many request bodies contained the marker of {@link #watchFor}, whatever was answered. */
    public int sightings() {
        return sightings.get();
    }

    private void countSighting(byte[] body) {
        byte[] marker = watchedFor;
        if (marker == null || body.length < marker.length) {
            return;
        }
        outer:
        for (int i = 0; i <= body.length - marker.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (body[i + j] != marker[j]) {
                    continue outer;
                }
            }
            sightings.incrementAndGet();
            return;
        }
    }

    /** The first hold before the body that takes the request keeps it waiting; the other rules then see it as usual. */
    private void holdBeforeBody(Request request) throws InterruptedException {
        for (Fault f : faults) {
            if (f instanceof Hold hold && hold.beforeBody && hold.claim(request)) {
                hold.waitForRelease(request);
                return;
            }
        }
    }

    private Fault firstMatch(Request request) {
        for (Fault f : faults) {
            if (!(f instanceof Hold hold && hold.beforeBody) && f.claim(request)) {
                return f;
            }
        }
        return null;
    }

    private String forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        return deliver(exchange, forwardOnly(exchange, body));
    }

    /** Sends the request on to S3 and returns S3's answer, which the client has not seen yet. */
    private HttpResponse<byte[]> forwardOnly(HttpExchange exchange, byte[] body)
            throws IOException, InterruptedException {
        URI in = exchange.getRequestURI();
        // the raw forms, so that the key's percent-encoding reaches S3 exactly as the client wrote it
        String query = in.getRawQuery() == null ? "" : "?" + in.getRawQuery();
        Headers inHeaders = exchange.getRequestHeaders();
        boolean hasBody = body.length > 0 || inHeaders.containsKey("Content-Length")
                || inHeaders.containsKey("Transfer-Encoding");
        HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(target + in.getRawPath() + query))
                .method(exchange.getRequestMethod(),
                        hasBody ? BodyPublishers.ofByteArray(body) : BodyPublishers.noBody());
        Set<String> skip = skipped(inHeaders.get("Connection"), CLIENT_SETS);
        inHeaders.forEach((name, values) -> {
            if (!skip.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> out.header(name, v));
            }
        });
        return client.send(out.build(), BodyHandlers.ofByteArray());
    }

    private String deliver(HttpExchange exchange, HttpResponse<byte[]> response) throws IOException {
        int status = response.statusCode();
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        // a HEAD answer's Content-Length is the object's size, which clients read; HttpServer keeps one set by hand
        // when told there is no body (-1). For other answers HttpServer writes the length of what we send.
        Set<String> skipBack = skipped(response.headers().allValues("Connection"),
                head ? Set.of() : Set.of("content-length"));
        Headers back = exchange.getResponseHeaders();
        response.headers().map().forEach((name, values) -> {
            if (!skipBack.contains(name.toLowerCase(Locale.ROOT))) {
                back.put(name, new ArrayList<>(values));
            }
        });
        boolean noBody = head || status == 204 || status == 304 || status < 200;
        try {
            send(exchange, status, noBody ? new byte[0] : response.body());
        } catch (IOException e) {
            // S3 did the work but the client had gone (e.g. it timed out during a delay)
            return status + " (not delivered: " + e.getMessage() + ")";
        }
        return String.valueOf(status);
    }

    /** The hop-by-hop headers, those the Connection header names, and {@code more}, all in lower case. */
    private static Set<String> skipped(List<String> connection, Set<String> more) {
        Set<String> skip = new HashSet<>(HOP_BY_HOP);
        skip.addAll(more);
        if (connection != null) {
            for (String value : connection) {
                for (String token : value.split(",")) {
                    skip.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return skip;
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (body.length == 0) {
            // to HttpServer 0 means "chunked, length unknown"; -1 means no body
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String respondError(HttpExchange exchange, int status, String code) throws IOException {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                + "injected by FaultyS3Proxy</Message><RequestId>fault</RequestId></Error>";
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.getResponseHeaders().set("x-amz-request-id", "fault");
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        send(exchange, status, head ? new byte[0] : xml.getBytes(StandardCharsets.UTF_8));
        return status + " " + code + " (fault)";
    }

    /**
     * Ends the exchange before any response header: HttpServer then closes the connection without writing a byte,
     * so the client sees a connection-level failure (Apache: NoHttpResponseException), never an HTTP status.
     */
    private static String drop(HttpExchange exchange) {
        exchange.close();
        return "dropped";
    }

    /**
     * One request as the rules see it.
     *
     * @param bucket the first path segment, empty for the service itself (ListBuckets)
     * @param key    the decoded object key, empty for requests on the bucket
     * @param query  the raw query string, empty if none
     * @param amzHeaders its x-amz-* headers but its signature's, names in lower case
     */
    public record Request(String method, String bucket, String key, String query, Map<String, String> amzHeaders) {

        public Request(String method, String bucket, String key, String query) {
            this(method, bucket, key, query, Map.of());
        }

        static Request of(String method, URI uri, Map<String, String> amzHeaders) {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String[] parts = path.substring(1).split("/", 2);
            String key = parts.length > 1 ? decode(parts[1]) : "";
            return new Request(method, decode(parts[0]), key, Objects.requireNonNullElse(uri.getRawQuery(), ""),
                    Map.copyOf(amzHeaders));
        }

        /** The same request without its headers, to compare with one written in a test. */
        public Request withoutHeaders() {
            return new Request(method, bucket, key, query);
        }

        /** Whether it carries any x-amz-* header whose (lower-case) name starts with {@code prefix}. */
        public boolean carriesHeader(String prefix) {
            return amzHeaders.keySet().stream().anyMatch(name -> name.startsWith(prefix));
        }

        // a '+' in a path is a plus, not a space as URLDecoder would have it
        private static String decode(String raw) {
            try {
                return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return raw; // a malformed escape: still passed on, for S3 to judge
            }
        }

        public boolean isPut() {
            return method.equals("PUT") && !key.isEmpty();
        }

        public boolean isGet() {
            return method.equals("GET") && !key.isEmpty();
        }

        public boolean isDelete() {
            return method.equals("DELETE") && !key.isEmpty();
        }

        public boolean isHeadObject() {
            return method.equals("HEAD") && !key.isEmpty();
        }

        /** A listing of the bucket: GET on the bucket itself, whatever the list version. */
        public boolean isList() {
            return method.equals("GET") && key.isEmpty() && !bucket.isEmpty() && !query.contains("location")
                    && !query.contains("versioning");
        }
    }

    /**
     * A request the proxy answered.
     *
     * @param outcome the status passed back ({@code "200"}), a fault's answer ({@code "503 SlowDown (fault)"}),
     *                {@code "dropped"}, or {@code "error: …"} when passing it on failed (the connection was then
     *                closed). {@code "200 (not delivered: …)"} when writing the answer failed; a client that has
     *                just timed out often still shows as {@code "200"}, as the first write to a socket the peer
     *                closed succeeds.
     * @param amzHeaders its x-amz-* headers (names in lower case), e.g. x-amz-server-side-encryption
     */
    public record Seen(Request request, String outcome, Map<String, String> amzHeaders) {

        /** The HTTP status the proxy sent or meant to send, -1 if there was none. */
        public int status() {
            int end = outcome.indexOf(' ');
            String first = end < 0 ? outcome : outcome.substring(0, end);
            return first.chars().allMatch(Character::isDigit) && !first.isEmpty() ? Integer.parseInt(first) : -1;
        }

        public boolean dropped() {
            return outcome.startsWith("dropped");
        }
    }

    /** A rule under construction: which requests, how many of them, then what to do. */
    public final class Rule {

        private final Predicate<Request> matching;
        private int limit = Integer.MAX_VALUE;

        private Rule(Predicate<Request> matching) {
            this.matching = matching;
        }

        /** Only the first {@code n} matching requests; after them the rule no longer matches. */
        public Rule times(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be at least 1: " + n);
            }
            limit = n;
            return this;
        }

        /** Answers with {@code status} and an S3 error body with {@code s3ErrorCode}, without passing it on. */
        public Fault respond(int status, String s3ErrorCode) {
            return add(new Fault(matching, limit) {
                @Override
                String act(HttpExchange exchange, Request request, byte[] body) throws IOException {
                    return respondError(exchange, status, s3ErrorCode);
                }
            });
        }

        /**
         * Answers 200 with {@code xml} as the body, without passing the request on: a server that says it did
         * something and answers what the test chose.
         */
        public Fault answerOk(String xml) {
            return add(new Fault(matching, limit) {
                @Override
                String act(HttpExchange exchange, Request request, byte[] body) throws IOException {
                    exchange.getResponseHeaders().set("Content-Type", "application/xml");
                    exchange.getResponseHeaders().set("x-amz-request-id", "fault");
                    send(exchange, 200, xml.getBytes(StandardCharsets.UTF_8));
                    return "200 (answered by the fault)";
                }
            });
        }

        /** Closes the connection without any response, as a crashed server or a broken network would. */
        public Fault dropConnection() {
            return add(new Fault(matching, limit) {
                @Override
                String act(HttpExchange exchange, Request request, byte[] body) {
                    return drop(exchange);
                }
            });
        }

        /**
         * Passes the request on, then closes the connection without the answer: S3 did the work (stored or deleted
         * the object) and the client never heard of it, as when a network breaks at the wrong moment.
         */
        public Fault loseTheAnswer() {
            return add(new Fault(matching, limit) {
                @Override
                String act(HttpExchange exchange, Request request, byte[] body)
                        throws IOException, InterruptedException {
                    forwardOnly(exchange, body);
                    return drop(exchange);
                }
            });
        }

        /** Waits, then passes the request on; longer than the client's socket timeout, the client times out. */
        public Fault delay(Duration delay) {
            Objects.requireNonNull(delay);
            return add(new Fault(matching, limit) {
                @Override
                String act(HttpExchange exchange, Request request, byte[] body)
                        throws IOException, InterruptedException {
                    if (closing.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                        return drop(exchange);
                    }
                    return forward(exchange, body);
                }
            });
        }

        /** Keeps matching requests waiting until {@link Hold#release()}, then passes them on. */
        public Hold hold() {
            Hold hold = new Hold(matching, limit, false);
            holds.add(hold);
            return add(hold);
        }

        /**
         * Keeps matching requests waiting before a byte of their body is read, until {@link Hold#release()}; then the
         * other rules see them as usual. A client sending a body larger than the sockets' buffers (some MB on the
         * loopback) stalls in the middle of it meanwhile.
         */
        public Hold holdBeforeBody() {
            Hold hold = new Hold(matching, limit, true);
            holds.add(hold);
            return add(hold);
        }

        private <F extends Fault> F add(F fault) {
            faults.add(fault);
            return fault;
        }
    }

    /** A rule in force. */
    public abstract class Fault {

        private final Predicate<Request> matching;
        private final int limit;
        private final AtomicInteger matches = new AtomicInteger();

        private Fault(Predicate<Request> matching, int limit) {
            this.matching = matching;
            this.limit = limit;
        }

        /** How many requests this rule has taken. */
        public int matches() {
            return matches.get();
        }

        /** Takes the rule out: later requests no longer see it (those it already took go on as they were). */
        public void remove() {
            faults.remove(this);
        }

        boolean claim(Request request) {
            if (matches.get() >= limit || !matching.test(request)) {
                return false;
            }
            // a compare-and-set, so that concurrent requests never take more than times(n) between them
            int n;
            do {
                n = matches.get();
                if (n >= limit) {
                    return false;
                }
            } while (!matches.compareAndSet(n, n + 1));
            return true;
        }

        abstract String act(HttpExchange exchange, Request request, byte[] body)
                throws IOException, InterruptedException;
    }

    /**
     * A rule that keeps its requests waiting. {@link #release()} lets the waiting ones and all later ones through
     * (add the rule with {@code times(1)} to hold only one); removing the rule or closing the proxy releases it too.
     */
    public final class Hold extends Fault {

        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private final List<Request> arrivals = new CopyOnWriteArrayList<>();
        private final boolean beforeBody;

        private Hold(Predicate<Request> matching, int limit, boolean beforeBody) {
            super(matching, limit);
            this.beforeBody = beforeBody;
        }

        /**
         * Waits until the first held request has arrived (returns at once if one already has).
         *
         * @throws AssertionError if none arrived within {@code timeout}
         */
        public Request awaitArrival(Duration timeout) throws InterruptedException {
            if (!arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError("no request matching the hold arrived within " + timeout);
            }
            return arrivals.get(0);
        }

        /** The requests this rule has held so far (released ones included). */
        public List<Request> arrivals() {
            return new ArrayList<>(arrivals);
        }

        public void release() {
            released.countDown();
        }

        @Override
        public void remove() {
            super.remove();
            release();
        }

        @Override
        String act(HttpExchange exchange, Request request, byte[] body) throws IOException, InterruptedException {
            waitForRelease(request);
            if (closed.get()) {
                return drop(exchange);
            }
            return forward(exchange, body);
        }

        private void waitForRelease(Request request) throws InterruptedException {
            arrivals.add(request);
            arrived.countDown();
            released.await();
        }
    }
}
