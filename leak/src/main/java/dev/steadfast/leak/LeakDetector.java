package dev.steadfast.leak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Entry point of the leak module: an immutable configuration that opens {@link LeakScope}s. A scope tracks the
 * threads its thread (and their descendants) start, the ThreadLocal entries they add and the objects it is asked to
 * watch; {@link LeakScope#check()} reports what is still there.
 *
 * <p>Scopes are independent: tests running in parallel each open their own, and a thread is reported only by the
 * scope whose thread (or a descendant of it) constructed it. Thread attribution and the ThreadLocal check read
 * {@link Thread}'s private maps and so need {@code --add-opens java.base/java.lang=ALL-UNNAMED}; without it threads
 * are attributed by before/after snapshots and the ThreadLocal check reports that it did not run (see
 * {@link LeakReport#warnings()}).
 *
 * <pre>{@code
 * LeakDetector detector = LeakDetector.builder()
 *         .linger(Duration.ofMillis(500))
 *         .threadFilter(ThreadFilter.nameStartsWith("shared-io-"))
 *         .build();
 * try (LeakScope scope = detector.open("OrderServiceTest.cancel")) {
 *     Order order = service.place(...);
 *     service.cancel(order);
 *     scope.watch(order, "cancelled order");
 *     order = null;
 *     LeakReport report = scope.check();
 *     assertThat(report.isClean()).as(report.toString()).isTrue();
 * }
 * }</pre>
 */
public final class LeakDetector {

    /** How long threads started in a scope may take to end once {@link LeakScope#check()} is called: 1 s. */
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);
    /** Longest time a check spends forcing garbage collection before reporting survivors: 5 s. */
    public static final Duration DEFAULT_GC_TIMEOUT = Duration.ofSeconds(5);
    /** All checks run by default. */
    public static final Set<LeakCheck> DEFAULT_CHECKS = Collections.unmodifiableSet(EnumSet.allOf(LeakCheck.class));
    /** Retained objects are explained with a heap-dump retention path by default. */
    public static final boolean DEFAULT_RETENTION_PATHS = true;
    /** {@link ThreadFilter#builtIn()} applies by default. */
    public static final boolean DEFAULT_BUILT_IN_THREAD_FILTERS = true;
    /** Default of {@link Builder#strict(boolean)}: notes are not failures. */
    public static final boolean DEFAULT_STRICT = false;

    private static final LeakDetector DEFAULTS = new Builder().build();

    private final Duration linger;
    private final Duration gcTimeout;
    private final Set<LeakCheck> checks;
    private final List<ThreadFilter> threadFilters;
    private final boolean builtInThreadFilters;
    private final boolean retentionPaths;
    private final Path heapDumpDirectory;
    private final boolean strict;
    private final List<KnownBehavior> knownBehaviors;
    private final Set<String> ignoredThreadLocals;
    private final Set<String> ignoredThreadCreators;
    private final ThreadLocalRules threadLocalRules;

    private LeakDetector(Builder builder) {
        this.linger = builder.linger;
        this.gcTimeout = builder.gcTimeout;
        this.checks = Collections.unmodifiableSet(EnumSet.copyOf(builder.checks));
        this.threadFilters = List.copyOf(builder.threadFilters);
        this.builtInThreadFilters = builder.builtInThreadFilters;
        this.retentionPaths = builder.retentionPaths;
        this.heapDumpDirectory = builder.heapDumpDirectory;
        this.strict = builder.strict;
        List<KnownBehavior> catalog = new ArrayList<>(builder.knownBehaviors);
        catalog.addAll(KnownBehaviors.builtIn());
        this.knownBehaviors = List.copyOf(catalog);
        this.ignoredThreadLocals = Set.copyOf(builder.ignoredThreadLocals);
        this.ignoredThreadCreators = Set.copyOf(builder.ignoredThreadCreators);
        this.threadLocalRules = new ThreadLocalRules(knownBehaviors, ignoredThreadLocals);
    }

    /** @return a detector with every default: all checks, 1 s linger, built-in thread filters, retention paths */
    public static LeakDetector ofDefaults() {
        return DEFAULTS;
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from {@code existing}'s settings, e.g. to let an annotation override a suite-wide
     * configuration. Settings copied from {@code existing} may be set again once.
     *
     * @param existing the configuration to start from; not null
     * @return the builder
     */
    public static Builder from(LeakDetector existing) {
        return new Builder(existing);
    }

    /**
     * Opens a scope on the calling thread: threads constructed from now on by this thread and its descendants are
     * attributed to it, and ThreadLocal baselines are taken. Close it on the same thread.
     *
     * @param scopeName names the scope in reports, e.g. the test's display name; not null or blank
     * @return the open scope
     * @throws IllegalArgumentException if {@code scopeName} is blank
     */
    public LeakScope open(String scopeName) {
        return open(scopeName, null);
    }

    /**
     * Like {@link #open(String)}, naming the class that owns the scope (a test class): its static fields, and those
     * of its nest, are among those searched when naming the field that declares a leaked ThreadLocal.
     *
     * @param scopeName  names the scope in reports; not null or blank
     * @param ownerClass the class that owns the scope, or null
     * @return the open scope
     * @throws IllegalArgumentException if {@code scopeName} is blank
     */
    public LeakScope open(String scopeName, Class<?> ownerClass) {
        Objects.requireNonNull(scopeName, "scopeName");
        if (scopeName.isBlank()) {
            throw new IllegalArgumentException("scopeName must not be blank");
        }
        return new LeakScope(this, scopeName, ownerClass);
    }

    /** @return how long threads started in a scope may take to end after {@link LeakScope#check()} is called */
    public Duration linger() {
        return linger;
    }

    /** @return the longest time a check spends forcing garbage collection */
    public Duration gcTimeout() {
        return gcTimeout;
    }

    /** @return the checks a scope runs */
    public Set<LeakCheck> checks() {
        return checks;
    }

    /** @return the filters added with {@link Builder#threadFilter(ThreadFilter)}, in order (built-ins not included) */
    public List<ThreadFilter> threadFilters() {
        return threadFilters;
    }

    /** @return whether {@link ThreadFilter#builtIn()} applies */
    public boolean builtInThreadFilters() {
        return builtInThreadFilters;
    }

    /** @return whether retained objects are explained with a retention path from a heap dump */
    public boolean retentionPaths() {
        return retentionPaths;
    }

    /** @return the directory heap dumps are kept in, or empty when they are deleted after analysis */
    public Optional<Path> keepHeapDumps() {
        return Optional.ofNullable(heapDumpDirectory);
    }

    /** @return whether notes (known library behaviour, per-thread caches) are reported as leaks */
    public boolean strict() {
        return strict;
    }

    /** @return the catalog of known library behaviour: entries added to the builder, then the built-in ones */
    public List<KnownBehavior> knownBehaviors() {
        return knownBehaviors;
    }

    /** @return declaring fields of ThreadLocals never reported, e.g. {@code com.acme.Cache.BUFFER} */
    public Set<String> ignoredThreadLocals() {
        return ignoredThreadLocals;
    }

    /** @return classes (with their nested classes) and {@code package.*} patterns whose threads are never reported */
    public Set<String> ignoredThreadCreators() {
        return ignoredThreadCreators;
    }

    /**
     * @return whether a class configured with {@link Builder#ignoreThreadsCreatedBy(String)} appears in the creation
     *         site (above the test framework), i.e. created the thread or ran the executor or factory that did
     */
    boolean ignoresCreationSite(List<StackTraceElement> creationSite) {
        if (ignoredThreadCreators.isEmpty()) {
            return false;
        }
        for (StackTraceElement frame : creationSite) {
            if (Texts.isFrameworkFrame(frame)) {
                return false;
            }
            String type = frame.getClassName();
            for (String creator : ignoredThreadCreators) {
                boolean matches = creator.endsWith(".*")
                        ? type.startsWith(creator.substring(0, creator.length() - 1))
                        : type.equals(creator) || type.startsWith(creator + "$");
                if (matches) {
                    return true;
                }
            }
        }
        return false;
    }

    ThreadLocalRules threadLocalRules() {
        return threadLocalRules;
    }

    /** @return whether {@code thread} is left out of thread-leak reports by the configured filters */
    boolean ignores(Thread thread) {
        if (builtInThreadFilters && ThreadFilter.builtIn().ignores(thread)) {
            return true;
        }
        for (ThreadFilter filter : threadFilters) {
            if (filter.ignores(thread)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "LeakDetector{checks=" + checks + ", linger=" + linger + ", gcTimeout=" + gcTimeout
                + ", threadFilters=" + threadFilters.size() + (builtInThreadFilters ? " + built-in" : "")
                + ", retentionPaths=" + retentionPaths
                + (heapDumpDirectory == null ? "" : ", keepHeapDumps=" + heapDumpDirectory)
                + (strict ? ", strict" : "") + ", knownBehaviors=" + knownBehaviors.size()
                + (ignoredThreadLocals.isEmpty() ? "" : ", ignoredThreadLocals=" + ignoredThreadLocals)
                + (ignoredThreadCreators.isEmpty() ? "" : ", ignoredThreadCreators=" + ignoredThreadCreators) + '}';
    }

    /**
     * Configures a {@link LeakDetector}. Each setting may be called once (calling it twice throws
     * {@link IllegalStateException}), except {@link #threadFilter(ThreadFilter)}, which adds up.
     *
     * <pre>{@code
     * LeakDetector detector = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREADS)).linger(Duration.ZERO).build();
     * }</pre>
     */
    public static final class Builder {

        private Duration linger = DEFAULT_LINGER;
        private Duration gcTimeout = DEFAULT_GC_TIMEOUT;
        private Set<LeakCheck> checks = DEFAULT_CHECKS;
        private final List<ThreadFilter> threadFilters = new ArrayList<>();
        private boolean builtInThreadFilters = DEFAULT_BUILT_IN_THREAD_FILTERS;
        private boolean retentionPaths = DEFAULT_RETENTION_PATHS;
        private Path heapDumpDirectory;
        private boolean strict = DEFAULT_STRICT;
        private final List<KnownBehavior> knownBehaviors = new ArrayList<>();
        private final Set<String> ignoredThreadLocals = new LinkedHashSet<>();
        private final Set<String> ignoredThreadCreators = new LinkedHashSet<>();
        private final Set<String> alreadySet = new HashSet<>();

        private Builder() {
        }

        private Builder(LeakDetector existing) {
            Objects.requireNonNull(existing, "existing");
            linger = existing.linger;
            gcTimeout = existing.gcTimeout;
            checks = existing.checks;
            threadFilters.addAll(existing.threadFilters);
            builtInThreadFilters = existing.builtInThreadFilters;
            retentionPaths = existing.retentionPaths;
            heapDumpDirectory = existing.heapDumpDirectory;
            strict = existing.strict;
            knownBehaviors.addAll(existing.knownBehaviors.subList(0,
                    existing.knownBehaviors.size() - KnownBehaviors.builtIn().size()));
            ignoredThreadLocals.addAll(existing.ignoredThreadLocals);
            ignoredThreadCreators.addAll(existing.ignoredThreadCreators);
        }

        /**
         * Makes notes failures: ThreadLocal entries the catalog or the generic rules call a cache (see
         * {@link KnownBehavior}) are reported as leaks. For auditing a library, not for everyday suites.
         *
         * @param strict default {@link #DEFAULT_STRICT false}
         * @return this builder
         * @throws IllegalStateException if already set on this builder
         */
        public Builder strict(boolean strict) {
            once("strict", this.strict);
            this.strict = strict;
            return this;
        }

        /**
         * Adds an entry to the catalog of known library behaviour, ahead of the built-in ones; entries add up.
         *
         * @param behavior the entry; not null
         * @return this builder
         */
        public Builder knownBehavior(KnownBehavior behavior) {
            knownBehaviors.add(Objects.requireNonNull(behavior, "behavior"));
            return this;
        }

        /**
         * Never reports the ThreadLocal held by this static field, neither as a leak nor as a note; fields add up.
         *
         * @param declaringField {@code com.acme.Cache.BUFFER} (class name, a dot, field name; nested classes with
         *                       {@code $})
         * @return this builder
         * @throws IllegalArgumentException if it does not look like {@code package.Class.FIELD}
         */
        public Builder ignoreThreadLocal(String declaringField) {
            Objects.requireNonNull(declaringField, "declaringField");
            String field = declaringField.trim();
            int dot = field.lastIndexOf('.');
            if (dot <= 0 || dot == field.length() - 1 || field.contains(" ")) {
                throw new IllegalArgumentException("ignoreThreadLocal needs the declaring static field as "
                        + "package.Class.FIELD, e.g. com.acme.Cache.BUFFER: \"" + declaringField + "\"");
            }
            ignoredThreadLocals.add(field);
            return this;
        }

        /**
         * Never reports threads that this class (or one of its nested classes), or any class of this package, created
         * - directly, or by calling the executor, timer or factory that did: it is named in the thread's creation
         * site. For a library's threads that a name filter cannot single out ({@code Timer-2}); classes add up.
         *
         * @param classOrPackage {@code com.acme.Scheduler} or {@code com.acme.*}
         * @return this builder
         * @throws IllegalArgumentException if it is not a class name or a package followed by {@code .*}
         */
        public Builder ignoreThreadsCreatedBy(String classOrPackage) {
            Objects.requireNonNull(classOrPackage, "classOrPackage");
            String name = classOrPackage.trim();
            String body = name.endsWith(".*") ? name.substring(0, name.length() - 2) : name;
            if (!body.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
                throw new IllegalArgumentException("ignoreThreadsCreatedBy needs a class name (com.acme.Scheduler, "
                        + "nested classes with $) or a package followed by .* (com.acme.*): \"" + classOrPackage
                        + "\"");
            }
            ignoredThreadCreators.add(name);
            return this;
        }

        /**
         * How long threads started in the scope may take to end once {@link LeakScope#check()} is called. The check
         * returns as soon as they have ended, so a clean scope pays nothing for a long linger.
         *
         * @param linger zero or positive; default {@link #DEFAULT_LINGER 1 s}
         * @return this builder
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException    if already set on this builder
         */
        public Builder linger(Duration linger) {
            Objects.requireNonNull(linger, "linger");
            if (linger.isNegative()) {
                throw new IllegalArgumentException("linger must not be negative: " + linger);
            }
            once("linger", this.linger);
            this.linger = linger;
            return this;
        }

        /**
         * Longest time a check spends forcing garbage collection (repeated {@code System.gc()} until sentinel weak
         * references are cleared) before reporting survivors. Only paid when something is watched.
         *
         * @param gcTimeout positive; default {@link #DEFAULT_GC_TIMEOUT 5 s}
         * @return this builder
         * @throws IllegalArgumentException if zero or negative
         * @throws IllegalStateException    if already set on this builder
         */
        public Builder gcTimeout(Duration gcTimeout) {
            Objects.requireNonNull(gcTimeout, "gcTimeout");
            if (gcTimeout.isNegative() || gcTimeout.isZero()) {
                throw new IllegalArgumentException("gcTimeout must be positive: " + gcTimeout);
            }
            once("gcTimeout", this.gcTimeout);
            this.gcTimeout = gcTimeout;
            return this;
        }

        /**
         * Which checks a scope runs.
         *
         * @param checks at least one check; default {@link #DEFAULT_CHECKS all}
         * @return this builder
         * @throws IllegalArgumentException if empty (use no scope at all instead)
         * @throws IllegalStateException    if already set on this builder
         */
        public Builder checks(Set<LeakCheck> checks) {
            Objects.requireNonNull(checks, "checks");
            if (checks.isEmpty()) {
                throw new IllegalArgumentException("checks must not be empty: choose at least one of "
                        + EnumSet.allOf(LeakCheck.class));
            }
            once("checks", this.checks);
            this.checks = EnumSet.copyOf(checks);
            return this;
        }

        /**
         * Adds a filter of threads to ignore; filters add up (a thread is ignored when any filter ignores it).
         *
         * @param filter the filter; not null
         * @return this builder
         */
        public Builder threadFilter(ThreadFilter filter) {
            threadFilters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /**
         * Whether {@link ThreadFilter#builtIn()} (JVM, test-tool and common-pool threads) applies. Turn it off to
         * choose among {@link ThreadFilter#jvm()}, {@link ThreadFilter#testTools()} and
         * {@link ThreadFilter#commonPool()} yourself.
         *
         * @param enabled default {@link #DEFAULT_BUILT_IN_THREAD_FILTERS true}
         * @return this builder
         * @throws IllegalStateException if already set on this builder
         */
        public Builder builtInThreadFilters(boolean enabled) {
            once("builtInThreadFilters", this.builtInThreadFilters);
            this.builtInThreadFilters = enabled;
            return this;
        }

        /**
         * Whether retained objects are explained by a retention path computed from a live heap dump (a few hundred
         * milliseconds to seconds, paid only when a watched object is retained). The same dump also names the static
         * field of a leaked ThreadLocal that reflection on the likely classes did not find.
         *
         * @param enabled default {@link #DEFAULT_RETENTION_PATHS true}
         * @return this builder
         * @throws IllegalStateException if already set on this builder
         */
        public Builder retentionPaths(boolean enabled) {
            once("retentionPaths", this.retentionPaths);
            this.retentionPaths = enabled;
            return this;
        }

        /**
         * Keeps the heap dumps taken for retention paths in {@code directory} (created if missing) instead of
         * deleting them; each {@link RetainedObject#heapDump()} names its file. Default: dumps are deleted.
         *
         * @param directory where to keep dumps; not null
         * @return this builder
         * @throws IllegalStateException if already set on this builder, or (at {@link #build()}) if retention paths
         *                               are off, since then no dump is taken
         */
        public Builder keepHeapDumps(Path directory) {
            Objects.requireNonNull(directory, "directory");
            once("keepHeapDumps", this.heapDumpDirectory);
            this.heapDumpDirectory = directory;
            return this;
        }

        /**
         * @return the immutable detector
         * @throws IllegalStateException if {@link #keepHeapDumps(Path)} is set while retention paths are off
         */
        public LeakDetector build() {
            if (heapDumpDirectory != null && !retentionPaths) {
                throw new IllegalStateException("keepHeapDumps(" + heapDumpDirectory
                        + ") needs retentionPaths(true): heap dumps are only taken to compute retention paths");
            }
            return new LeakDetector(this);
        }

        private void once(String setting, Object current) {
            if (!alreadySet.add(setting)) {
                throw new IllegalStateException(setting + " was already set to " + current);
            }
        }
    }
}
