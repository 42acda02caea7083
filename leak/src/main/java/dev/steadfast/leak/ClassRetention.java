package dev.steadfast.leak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Who holds the instances of a class in a heap dump: the shortest strong path from a GC root shared by most of a
 * sample of its instances. Where a class histogram says <em>what</em> grows, this says <em>who keeps it</em>; the
 * doctor uses it on the classes a {@link ClassHistogramTrend} found growing.
 *
 * <pre>{@code
 * for (ClassRetention retention : ClassRetention.find(Path.of("app.hprof"), List.of("com.acme.Session"))) {
 *     System.out.println(retention);
 *     // com.acme.Session: 48 of 50 sampled instances held by
 *     // GC root: class com.acme.SessionRegistry
 *     //   static com.acme.SessionRegistry.SESSIONS -> java.util.HashMap
 *     //   ...
 * }
 * }</pre>
 *
 * @param className the class, as in source
 * @param path the path most sampled instances share
 * @param instancesOnPath how many sampled instances are held the same way
 * @param instancesSampled how many instances were sampled
 */
public record ClassRetention(String className, RetentionPath path, int instancesOnPath, int instancesSampled) {

    /** Instances sampled per class: enough for the majority path to stand out, few enough for one quick pass. */
    public static final int DEFAULT_INSTANCES_PER_CLASS = 50;

    /** Validates. */
    public ClassRetention {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(path, "path");
    }

    /**
     * Reads a heap dump ({@code .hprof}) with Shark and finds, for each class, where its instances are held.
     *
     * @param dump the heap dump, best taken of live objects only
     * @param classNames classes as in source ({@code com.acme.Session}, {@code byte[]}); a class with no instance
     *                   in the dump, or none strongly reachable, is left out of the result
     * @return one entry per class found, in the order asked
     * @throws IOException if the dump cannot be read or analysed
     */
    public static List<ClassRetention> find(Path dump, List<String> classNames) throws IOException {
        Objects.requireNonNull(dump, "dump");
        Objects.requireNonNull(classNames, "classNames");
        if (!Files.isReadable(dump)) {
            throw new IOException("heap dump " + dump + " cannot be read");
        }
        return RetentionPaths.ofClasses(dump, List.copyOf(classNames), DEFAULT_INSTANCES_PER_CLASS);
    }

    @Override
    public String toString() {
        return className + ": " + instancesOnPath + " of " + instancesSampled + " sampled instances held by"
                + System.lineSeparator() + path;
    }
}
