package dev.steadfast.junit.corpus;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.junit.NoHeapGrowth;
import dev.steadfast.junit.corpus.LeakyScenarios.Counter;
import dev.steadfast.junit.corpus.LeakyScenarios.EventBus;
import dev.steadfast.junit.corpus.LeakyScenarios.Session;
import dev.steadfast.leak.LeakWatcher;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.time.Duration;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clean look-alikes of the {@link LeakyScenarios}: the same shapes done right (removed, bounded, weak, stopped), which
 * must pass. A false positive here is a test a user would have to silence.
 */
public final class CleanScenarios {

    private CleanScenarios() {
    }

    @Fixture
    @LeakFree
    public static class StaticListClearedInFinally {
        static final List<Object> ITEMS = new ArrayList<>();

        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("ann");
            try {
                ITEMS.add(session);
            } finally {
                ITEMS.remove(session);
            }
            watcher.watch(session, "session removed from the static list");
        }
    }

    @Fixture
    @LeakFree
    public static class ListenerRemovedInAfterEach {
        static final EventBus BUS = new EventBus();
        Runnable listener;

        @Test
        void test(LeakWatcher watcher) {
            // A capturing lambda: a non-capturing one is a JVM-wide constant and never unreachable.
            Session session = new Session("ann");
            listener = () -> session.user.length();
            BUS.register(listener);
            watcher.watch(listener, "listener removed in @AfterEach");
        }

        @AfterEach
        void tearDown() {
            BUS.unregister(listener);
            listener = null;
        }
    }

    /** An event source that holds its listeners weakly. */
    static final class WeakEventBus {
        final List<WeakReference<Runnable>> listeners = new CopyOnWriteArrayList<>();

        void register(Runnable listener) {
            listeners.add(new WeakReference<>(listener));
        }
    }

    @Fixture
    @LeakFree
    public static class WeakListener {
        static final WeakEventBus BUS = new WeakEventBus();

        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("bob");
            Runnable listener = () -> session.user.length();
            BUS.register(listener);
            watcher.watch(listener, "weakly registered listener");
        }
    }

    @Fixture
    @LeakFree
    public static class AnonymousClassUsedLocally {
        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("bob");
            Runnable printer = new Runnable() {
                @Override
                public void run() {
                    session.user.length();
                }
            };
            printer.run();
            watcher.watch(session, "session captured by a local anonymous class");
        }
    }

    @Fixture
    @LeakFree
    public static class ThreadLocalRemovedInFinally {
        static final ThreadLocal<Session> CURRENT_USER = new ThreadLocal<>();

        @Test
        void test() {
            CURRENT_USER.set(new Session("cid"));
            try {
                CURRENT_USER.get().user.length();
            } finally {
                CURRENT_USER.remove();
            }
        }
    }

    @Fixture
    @LeakFree
    public static class InheritableThreadLocalRemoved {
        static final InheritableThreadLocal<String> TENANT = new InheritableThreadLocal<>();

        @Test
        void test() {
            TENANT.set("acme");
            TENANT.remove();
        }
    }

    @Fixture
    @LeakFree
    public static class ThreadLocalOnPoolThreadRemovedInFinally {
        static final ThreadLocal<Session> CONTEXT = new ThreadLocal<>();
        static ExecutorService pool;

        @BeforeAll
        static void startSharedPool() throws Exception {
            pool = LeakyScenarios.startedSingleThreadPool("corpus-clean-pool");
        }

        @AfterAll
        static void stopSharedPool() throws Exception {
            LeakyScenarios.stop(pool);
        }

        @Test
        void test() throws Exception {
            pool.submit(() -> {
                CONTEXT.set(new Session("dan"));
                try {
                    CONTEXT.get().user.length();
                } finally {
                    CONTEXT.remove();
                }
            }).get();
        }
    }

    @Fixture
    @LeakFree
    public static class ThreadLocalOnThreadThatEnds {
        static final ThreadLocal<Session> CONTEXT = new ThreadLocal<>();

        @Test
        void test() throws InterruptedException {
            Thread worker = new Thread(() -> CONTEXT.set(new Session("eve")), "corpus-short-worker");
            worker.start();
            worker.join();
        }
    }

    @Fixture
    @LeakFree
    public static class ThreadJoined {
        @Test
        void test() throws InterruptedException {
            Thread worker = new Thread(() -> { }, "corpus-joined");
            worker.start();
            worker.join();
        }
    }

    @Fixture
    @LeakFree
    public static class ThreadEndsWithinLinger {
        @Test
        void test() {
            // Still finishing its work when the test returns; done well within the linger.
            LeakyScenarios.Loop.startBusy("corpus-finishing", Duration.ofMillis(50));
        }
    }

    @Fixture
    @LeakFree
    public static class ExecutorShutDownAndAwaited {
        @Test
        void test() throws Exception {
            ExecutorService executor = Executors.newFixedThreadPool(2);
            try {
                executor.submit(() -> "done").get();
            } finally {
                executor.shutdown();
                executor.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Fixture
    @LeakFree
    public static class ExecutorShutDownWithoutWaiting {
        @Test
        void test() throws Exception {
            ExecutorService executor = Executors.newFixedThreadPool(2);
            executor.submit(() -> "done").get();
            executor.shutdown();
        }
    }

    @Fixture
    @LeakFree
    public static class ScheduledExecutorShutDownNow {
        @Test
        void test() {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            scheduler.scheduleAtFixedRate(() -> { }, 0, 10, TimeUnit.MILLISECONDS);
            scheduler.shutdownNow();
        }
    }

    @Fixture
    @LeakFree
    public static class ForkJoinPoolShutDown {
        @Test
        void test() throws InterruptedException {
            ForkJoinPool pool = new ForkJoinPool(2);
            pool.submit(() -> "done").join();
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Fixture
    @LeakFree
    public static class TimerCancelled {
        @Test
        void test() {
            Timer timer = new Timer("corpus-cancelled-timer");
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                }
            }, 10, 10);
            timer.cancel();
        }
    }

    @Fixture
    @LeakFree
    public static class CommonPoolUsed {
        @Test
        void test() {
            int sum = CompletableFuture.supplyAsync(() -> 21).thenApply(x -> x * 2).join();
            sum += IntStream.range(0, 10_000).parallel().map(x -> x % 3).sum();
            if (sum <= 0) {
                throw new AssertionError(sum);
            }
        }
    }

    @Fixture
    @LeakFree
    public static class SharedPoolFromBeforeAll {
        static ExecutorService pool;

        @BeforeAll
        static void startPool() throws Exception {
            ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), runnable -> new Thread(runnable, "corpus-class-pool"));
            // Started here, outside any test: a pool thread started lazily by a test is attributed to that test.
            executor.prestartAllCoreThreads();
            pool = executor;
        }

        @AfterAll
        static void stopPool() throws Exception {
            LeakyScenarios.stop(pool);
        }

        @Test
        void test() throws Exception {
            pool.submit(() -> "done").get();
        }
    }

    @Fixture
    @LeakFree
    public static class ContextClassLoaderRestored {
        static ExecutorService pluginHost;

        @BeforeAll
        static void startHost() throws Exception {
            pluginHost = LeakyScenarios.startedSingleThreadPool("corpus-clean-host");
        }

        @AfterAll
        static void stopHost() throws Exception {
            LeakyScenarios.stop(pluginHost);
        }

        @Test
        void test(LeakWatcher watcher) throws Exception {
            URLClassLoader plugin = new URLClassLoader(new URL[0], null);
            pluginHost.submit(() -> {
                Thread current = Thread.currentThread();
                ClassLoader previous = current.getContextClassLoader();
                current.setContextClassLoader(plugin);
                try {
                    current.getContextClassLoader().getParent();
                } finally {
                    current.setContextClassLoader(previous);
                }
            }).get();
            plugin.close();
            watcher.watch(plugin, "unloaded plugin class loader");
        }
    }

    /** A connection that leaves the registry when closed. */
    static final class RegisteredConnection implements AutoCloseable {
        static final Map<String, RegisteredConnection> REGISTRY = new ConcurrentHashMap<>();
        final String id;

        RegisteredConnection(String id) {
            this.id = id;
            REGISTRY.put(id, this);
        }

        @Override
        public void close() {
            REGISTRY.remove(id, this);
        }
    }

    @Fixture
    @LeakFree
    public static class ClosedConnectionRemovedFromRegistry {
        @Test
        void test(LeakWatcher watcher) {
            RegisteredConnection connection = new RegisteredConnection("db-1");
            connection.close();
            watcher.watch(connection, "closed connection");
        }
    }

    @Fixture
    @LeakFree
    public static class WeakMapValueWithoutKey {
        static final Map<Session, String> CACHE = new WeakHashMap<>();

        @Test
        void test(LeakWatcher watcher) {
            Session key = new Session("fay");
            CACHE.put(key, "profile of fay");
            watcher.watch(key, "weak-map key");
        }
    }

    @Fixture
    @LeakFree
    public static class ShutdownHookRemoved {
        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("gus");
            Thread hook = new Thread(() -> System.out.println(session.user), "corpus-removed-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            Runtime.getRuntime().removeShutdownHook(hook);
            watcher.watch(session, "session captured by a removed shutdown hook");
        }
    }

    @Fixture
    @LeakFree
    public static class MBeanUnregistered {
        @Test
        void test(LeakWatcher watcher) throws Exception {
            Counter counter = new Counter();
            ObjectName name = new ObjectName("dev.steadfast.corpus:type=Counter,name=clean");
            ManagementFactory.getPlatformMBeanServer().registerMBean(counter, name);
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            watcher.watch(counter, "unregistered MBean");
        }
    }

    @Fixture
    @LeakFree
    public static class LoggingHandlerRemoved {
        static final Logger LOGGER = Logger.getLogger("dev.steadfast.corpus.clean");

        @Test
        void test(LeakWatcher watcher) {
            Handler handler = new LeakyScenarios.NoOpHandler();
            LOGGER.addHandler(handler);
            LOGGER.removeHandler(handler);
            watcher.watch(handler, "removed log handler");
        }
    }

    @Fixture
    public static class BoundedCache {
        static final int MAX_ENTRIES = 64;
        static final Map<Integer, Session> CACHE = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Session> eldest) {
                return size() > MAX_ENTRIES;
            }
        });
        static final AtomicInteger NEXT_KEY = new AtomicInteger();

        @Test
        @NoHeapGrowth
        void test() {
            int key = NEXT_KEY.incrementAndGet();
            CACHE.put(key, new Session("user-" + key));
        }
    }

    @Fixture
    public static class FixedKeyMemo {
        static final Map<Integer, Session> MEMO = new ConcurrentHashMap<>();
        static final AtomicInteger CALLS = new AtomicInteger();

        @Test
        @NoHeapGrowth
        void test() {
            MEMO.computeIfAbsent(CALLS.incrementAndGet() % 16, key -> new Session("user-" + key));
        }
    }

    @Fixture
    public static class GarbageOnlyLoop {
        static final AtomicInteger SINK = new AtomicInteger();

        @Test
        @NoHeapGrowth
        void test() {
            List<String> temporary = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                temporary.add("item-" + i);
            }
            SINK.addAndGet(temporary.size() + new byte[256].length);
        }
    }

    @Fixture
    public static class ListenerAddedAndRemovedPerCall {
        static final EventBus BUS = new EventBus();

        @Test
        @NoHeapGrowth(iterations = 500)
        void test() {
            Session session = new Session("ivy");
            Runnable listener = () -> session.user.length();
            BUS.register(listener);
            BUS.unregister(listener);
        }
    }

    @Fixture
    @LeakFree(ignoreThreads = "corpus-background-.*")
    public static class IgnoredBackgroundThread {
        @Test
        void test() {
            LeakyScenarios.Loop.start("corpus-background-indexer");
        }
    }
}
