// The floor of watch2s3's architecture, measured beside it: a plain Camel route that splits a list of files over a
// pool of 16 threads and sends each to aws2-s3, with nothing of watch2s3's (no watcher, no batches, no state database,
// no digests, no metadata, no failure handling). Its client is the one watch2s3 builds (io.watch2s3.s3.S3ClientBuilder,
// the same SDK settings), so the difference between the two is what watch2s3's own path costs per file.
//
//   javac -cp target/watch2s3.jar -d DIR bench/PlainCamelRoute.java
//   java [@jvm.options] -cp target/watch2s3.jar:DIR PlainCamelRoute ENDPOINT BUCKET TREE ROUNDS [watch2s3-jit]
//
// With watch2s3-jit (and watch2s3's jvm.options) the JVM gets watch2s3's JIT settings, its compiler directives too.
//
// Round 1 sends every file of TREE as its relative path, round k > 1 as "rk/" + the path (new objects each time, so
// later rounds show the warm JVM). One line per round on stdout: "round K: FILES files, WALL s, CPU s" (the process's
// CPU, every thread). The whole process (JVM start and round 1) is what bench/run.sh sets beside watch2s3 --once.
import io.watch2s3.s3.S3ClientBuilder;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.impl.DefaultCamelContext;
import software.amazon.awssdk.services.s3.S3Client;

public class PlainCamelRoute {

    public static void main(String[] args) throws Exception {
        String endpoint = args[0];
        String bucket = args[1];
        Path tree = Path.of(args[2]).toAbsolutePath();
        int rounds = Integer.parseInt(args[3]);
        if (args.length > 4 && args[4].equals("watch2s3-jit")) {
            // watch2s3's own code for it (package-private; the benchmark reaches in rather than copy it)
            var apply = Class.forName("io.watch2s3.JitDirectives").getDeclaredMethod("apply");
            apply.setAccessible(true);
            if (!(boolean) apply.invoke(null)) {
                throw new IllegalStateException("the JVM did not take watch2s3's compiler directives");
            }
        }

        S3ClientBuilder builder = new S3ClientBuilder();
        builder.setEndpoint(endpoint);
        builder.setPathStyle(true);
        builder.setAccessKey("bench");
        builder.setSecretKey("benchsecret");
        builder.setChecksums("when-required");
        S3Client s3 = builder.build();
        ExecutorService uploads = Executors.newFixedThreadPool(16);

        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("s3", s3);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:burst")
                            .split(body()).executorService(uploads)
                                .process(e -> {
                                    File file = e.getMessage().getBody(File.class);
                                    String prefix = e.getMessage().getHeader("prefix", String.class);
                                    String key = prefix + tree.relativize(file.toPath()).toString();
                                    e.getMessage().setHeader(AWS2S3Constants.KEY, key);
                                })
                                .to("aws2-s3:" + bucket + "?amazonS3Client=#s3")
                            .end();
                }
            });
            camel.start();
            List<File> files;
            try (Stream<Path> walk = Files.walk(tree)) {
                files = walk.filter(Files::isRegularFile).map(Path::toFile).collect(Collectors.toList());
            }
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            for (int round = 1; round <= rounds; round++) {
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                camel.createProducerTemplate().sendBodyAndHeader("direct:burst", files,
                        "prefix", round == 1 ? "" : "r" + round + "/");
                System.out.printf("round %d: %d files, %.3f s, CPU %.3f s%n", round, files.size(),
                        (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9);
            }
        } finally {
            uploads.shutdown();
            s3.close();
        }
    }
}
