package io.watch2s3.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** watch2s3 as a real process (the test JVM's class path, so no jar is needed), its output in files. */
public final class JavaProcess implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private JavaProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static JavaProcess start(Path workDir, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException {
        return start(workDir, jvmOptions, env, List.of(), args);
    }

    /** With the variables {@code unset} removed from the environment it inherits (LANG, as a service manager does). */
    public static JavaProcess start(Path workDir, List<String> jvmOptions, Map<String, String> env, List<String> unset,
            String... args) throws IOException {
        return start(List.of(), workDir, jvmOptions, env, unset, args);
    }

    /**
     * Without root's power to read any file: as root, with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH taken out of its
     * capability bounding set (util-linux's setpriv; no namespace, which a container's seccomp profile may forbid), so
     * a file of mode 000 cannot be opened while root's own files stay readable — as for the service user watch2s3
     * runs as in production. As another user, simply started.
     */
    public static JavaProcess startWithoutReadingEverything(Path workDir, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> prefix = "root".equals(System.getProperty("user.name"))
                ? List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search") : List.of();
        return start(prefix, workDir, jvmOptions, Map.of(), List.of(), args);
    }

    private static JavaProcess start(List<String> prefix, Path workDir, List<String> jvmOptions,
            Map<String, String> env, List<String> unset, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.watch2s3.Watch2S3");
        command.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "stdout", ".log");
        Path err = Files.createTempFile(workDir, "stderr", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeAll(unset);
        builder.environment().putAll(env);
        return new JavaProcess(builder.start(), out, err);
    }

    /** Waits for the exit and returns its code; fails the test after {@code seconds}. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + seconds + " s; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, as a service manager stops it. */
    public void terminate() {
        process.destroy();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

}
