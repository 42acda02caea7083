package dev.steadfast.junit.corpus;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.junit.NoHeapGrowth;
import dev.steadfast.leak.LeakWatcher;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.time.Duration;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leaky scenarios of the accuracy corpus: each fixture makes one mistake seen in real services, and
 * {@link ExpectLeak} says what its failure must name. Shared state that the scenario leaks into is undone through
 * {@link Leftovers} after the verdict.
 */
public final class LeakyScenarios {

    private LeakyScenarios() {
    }

    /** A value object standing for whatever a real registry would keep. */
    public static final class Session {
        final String user;

        Session(String user) {
            this.user = user;
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("LeakyScenarios$StaticListGrowth.ITEMS")
    public static class StaticListGrowth {
        static final List<Object> ITEMS = new ArrayList<>();

        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("ann");
            ITEMS.add(session);
            Leftovers.undoAfterVerdict(ITEMS::clear);
            watcher.watch(session, "session added to a static list");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("LeakyScenarios$StaticMapNeverPruned.SESSIONS")
    public static class StaticMapNeverPruned {
        static final Map<String, Session> SESSIONS = new HashMap<>();

        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("bob");
            SESSIONS.put("bob", session);
            Leftovers.undoAfterVerdict(SESSIONS::clear);
            watcher.watch(session, "session in a static map");
        }
    }

    /** An event source whose listeners are strongly held until removed. */
    public static final class EventBus {
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();

        void register(Runnable listener) {
            listeners.add(listener);
        }

        void unregister(Runnable listener) {
            listeners.remove(listener);
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$ListenerNeverRemoved.BUS", "LeakyScenarios$EventBus.listeners"})
    public static class ListenerNeverRemoved {
        static final EventBus BUS = new EventBus();

        static final class OrderListener implements Runnable {
            @Override
            public void run() {
            }
        }

        @Test
        void test(LeakWatcher watcher) {
            OrderListener listener = new OrderListener();
            BUS.register(listener);
            Leftovers.undoAfterVerdict(BUS.listeners::clear);
            watcher.watch(listener, "order listener");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$AnonymousClassCapturesOuter.BUS", "this$0"})
    public static class AnonymousClassCapturesOuter {
        static final EventBus BUS = new EventBus();

        /** A screen that registers a callback; the anonymous class keeps the whole screen alive. */
        static final class Screen {
            final byte[] pixels = new byte[1024];

            void show() {
                BUS.register(new Runnable() {
                    @Override
                    public void run() {
                        System.out.println(pixels.length);
                    }
                });
            }
        }

        @Test
        void test(LeakWatcher watcher) {
            Screen screen = new Screen();
            screen.show();
            Leftovers.undoAfterVerdict(BUS.listeners::clear);
            watcher.watch(screen, "closed screen");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$LambdaCapturesSession.BUS", "arg$1"})
    public static class LambdaCapturesSession {
        static final EventBus BUS = new EventBus();

        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("cid");
            BUS.register(() -> System.out.println(session.user));
            Leftovers.undoAfterVerdict(BUS.listeners::clear);
            watcher.watch(session, "session captured by a lambda listener");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$ThreadLocalOnTestThread.CURRENT_USER", "LeakyScenarios$Session"})
    public static class ThreadLocalOnTestThread {
        static final ThreadLocal<Session> CURRENT_USER = new ThreadLocal<>();

        @Test
        void test() {
            CURRENT_USER.set(new Session("dan"));
            Leftovers.undoAfterVerdict(CURRENT_USER::remove);
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$ThreadLocalSetInBeforeEach.REQUEST", "LeakyScenarios$Session"})
    public static class ThreadLocalSetInBeforeEach {
        static final ThreadLocal<Session> REQUEST = new ThreadLocal<>();

        @BeforeEach
        void setUp() {
            REQUEST.set(new Session("eve"));
            Leftovers.undoAfterVerdict(REQUEST::remove);
        }

        @Test
        void test() {
            REQUEST.get();
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$InheritableThreadLocalNeverRemoved.TENANT", "[inheritable]"})
    public static class InheritableThreadLocalNeverRemoved {
        static final InheritableThreadLocal<String> TENANT = new InheritableThreadLocal<>();

        @Test
        void test() {
            TENANT.set("acme");
            Leftovers.undoAfterVerdict(TENANT::remove);
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"LeakyScenarios$ThreadLocalOnPoolThread.CONTEXT", "corpus-shared-pool"})
    public static class ThreadLocalOnPoolThread {
        static final ThreadLocal<Session> CONTEXT = new ThreadLocal<>();
        static ExecutorService pool;

        @BeforeAll
        static void startSharedPool() throws Exception {
            // The pool outlives the test, as a server's request pool would; only the entry is the test's leak.
            pool = startedSingleThreadPool("corpus-shared-pool");
        }

        @AfterAll
        static void stopSharedPool() throws Exception {
            pool.submit(CONTEXT::remove).get();
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }

        @Test
        void test() throws Exception {
            pool.submit(() -> CONTEXT.set(new Session("fay"))).get();
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-poller\"", "LeakyScenarios$ThreadNeverStopped"})
    public static class ThreadNeverStopped {
        @Test
        void test() {
            Loop.start("corpus-poller");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-grandchild\"", "LeakyScenarios$DescendantThreadNeverStopped"})
    public static class DescendantThreadNeverStopped {
        @Test
        void test() throws InterruptedException {
            Thread child = new Thread(() -> Loop.start("corpus-grandchild"), "corpus-child");
            child.start();
            child.join();
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"pool-", "java.util.concurrent.ThreadPoolExecutor"})
    public static class ExecutorNeverShutDown {
        @Test
        void test() throws Exception {
            ExecutorService executor = Executors.newFixedThreadPool(2);
            Leftovers.undoAfterVerdict(() -> stop(executor));
            executor.submit(() -> "done").get();
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"pool-", "java.util.concurrent.ScheduledThreadPoolExecutor"})
    public static class ScheduledExecutorNeverShutDown {
        @Test
        void test() {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            Leftovers.undoAfterVerdict(() -> stop(scheduler));
            scheduler.scheduleAtFixedRate(() -> { }, 0, 10, TimeUnit.MILLISECONDS);
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-timer\"", "java.util.TimerThread"})
    public static class TimerNeverCancelled {
        @Test
        void test() {
            Timer timer = new Timer("corpus-timer");
            Leftovers.undoAfterVerdict(timer::cancel);
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                }
            }, 10, 10);
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"ForkJoinPool", "worker"})
    public static class ForkJoinPoolNeverShutDown {
        @Test
        void test() {
            ForkJoinPool pool = new ForkJoinPool(2);
            Leftovers.undoAfterVerdict(() -> stop(pool));
            pool.submit(() -> "done").join();
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak({"\"corpus-plugin-host\"", "contextClassLoader"})
    public static class ContextClassLoaderHeldByThread {
        static ExecutorService pluginHost;

        @BeforeAll
        static void startHost() throws Exception {
            pluginHost = startedSingleThreadPool("corpus-plugin-host");
        }

        @AfterAll
        static void stopHost() throws Exception {
            stop(pluginHost);
        }

        @Test
        void test(LeakWatcher watcher) throws Exception {
            URLClassLoader plugin = new URLClassLoader(new URL[0], null);
            // The plugin's task switches the context class loader and never switches it back.
            pluginHost.submit(() -> Thread.currentThread().setContextClassLoader(plugin)).get();
            plugin.close();
            watcher.watch(plugin, "unloaded plugin class loader");
        }
    }

    /** A connection that forgets to leave the registry when closed. */
    public static final class Connection implements AutoCloseable {
        static final Map<String, Connection> REGISTRY = new ConcurrentHashMap<>();
        final String id;
        boolean closed;

        Connection(String id) {
            this.id = id;
            REGISTRY.put(id, this);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("LeakyScenarios$Connection.REGISTRY")
    public static class ClosedConnectionKeptInRegistry {
        @Test
        void test(LeakWatcher watcher) {
            Connection connection = new Connection("db-1");
            connection.close();
            Leftovers.undoAfterVerdict(Connection.REGISTRY::clear);
            watcher.watch(connection, "closed connection");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("LeakyScenarios$WeakMapValueHoldsKey.CACHE")
    public static class WeakMapValueHoldsKey {
        static final Map<Session, List<Object>> CACHE = new WeakHashMap<>();

        @Test
        void test(LeakWatcher watcher) {
            Session key = new Session("gus");
            // The value refers back to its key, so the weak key can never be cleared.
            CACHE.put(key, List.of(key));
            Leftovers.undoAfterVerdict(CACHE::clear);
            watcher.watch(key, "weak-map key");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("ApplicationShutdownHooks.hooks")
    public static class ShutdownHookNeverRemoved {
        @Test
        void test(LeakWatcher watcher) {
            Session session = new Session("hal");
            Thread hook = new Thread(() -> System.out.println(session.user), "corpus-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            Leftovers.undoAfterVerdict(() -> Runtime.getRuntime().removeShutdownHook(hook));
            watcher.watch(session, "session captured by a shutdown hook");
        }
    }

    /** A trivial MBean. */
    public interface CounterMBean {
        /** @return the count */
        int getCount();
    }

    /** Implementation of {@link CounterMBean}. */
    public static final class Counter implements CounterMBean {
        @Override
        public int getCount() {
            return 0;
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("platformMBeanServer")
    public static class MBeanNeverUnregistered {
        @Test
        void test(LeakWatcher watcher) throws Exception {
            Counter counter = new Counter();
            ObjectName name = new ObjectName("dev.steadfast.corpus:type=Counter,name=leaky");
            ManagementFactory.getPlatformMBeanServer().registerMBean(counter, name);
            Leftovers.undoAfterVerdict(() -> ManagementFactory.getPlatformMBeanServer().unregisterMBean(name));
            watcher.watch(counter, "MBean of a stopped component");
        }
    }

    @Fixture
    @LeakFree
    @ExpectLeak("handlers")
    public static class LoggingHandlerNeverRemoved {
        static final Logger LOGGER = Logger.getLogger("dev.steadfast.corpus.leaky");

        @Test
        void test(LeakWatcher watcher) {
            Handler handler = new NoOpHandler();
            LOGGER.addHandler(handler);
            Leftovers.undoAfterVerdict(() -> LOGGER.removeHandler(handler));
            watcher.watch(handler, "log handler of a stopped component");
        }
    }

    @Fixture
    @ExpectLeak({"Heap GROWS with the iterations", "LeakyScenarios$UnboundedCache$CacheEntry"})
    public static class UnboundedCache {
        static final Map<Integer, CacheEntry> CACHE = new ConcurrentHashMap<>();
        static final AtomicInteger NEXT_KEY = new AtomicInteger();

        static final class CacheEntry {
            final int key;

            CacheEntry(int key) {
                this.key = key;
            }
        }

        @Test
        @NoHeapGrowth
        void test() {
            int key = NEXT_KEY.incrementAndGet();
            CACHE.computeIfAbsent(key, CacheEntry::new);
            if (key == 1) {
                Leftovers.undoAfterVerdict(CACHE::clear);
            }
        }
    }

    @Fixture
    @ExpectLeak({"Heap GROWS with the iterations", "LeakyScenarios$StaticListGrowsPerCall$Node"})
    public static class StaticListGrowsPerCall {
        static final List<Node> NODES = new CopyOnWriteArrayList<>();

        static final class Node {
            long value;
        }

        @Test
        @NoHeapGrowth
        void test() {
            if (NODES.isEmpty()) {
                Leftovers.undoAfterVerdict(NODES::clear);
            }
            NODES.add(new Node());
        }
    }

    @Fixture
    @ExpectLeak({"Heap GROWS with the iterations", "LeakyScenarios$ListenerAddedPerCall$PriceListener"})
    public static class ListenerAddedPerCall {
        static final EventBus BUS = new EventBus();

        static final class PriceListener implements Runnable {
            @Override
            public void run() {
            }
        }

        @Test
        @NoHeapGrowth(iterations = 500)
        void test() {
            if (BUS.listeners.isEmpty()) {
                Leftovers.undoAfterVerdict(BUS.listeners::clear);
            }
            BUS.register(new PriceListener());
        }
    }

    /** Starts a named thread that runs until {@link Leftovers} stops it. */
    public static final class Loop {
        private Loop() {
        }

        public static void start(String name) {
            CountDownLatch stop = new CountDownLatch(1);
            Thread thread = new Thread(() -> {
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            Leftovers.undoAfterVerdict(() -> {
                stop.countDown();
                thread.join(TimeUnit.SECONDS.toMillis(10));
            });
        }

        /** Starts a named thread that keeps busy for {@code busy}, then ends by itself. */
        public static void startBusy(String name, Duration busy) {
            Thread thread = new Thread(() -> {
                long end = System.nanoTime() + busy.toNanos();
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** A log handler that drops everything. */
    public static final class NoOpHandler extends Handler {
        @Override
        public void publish(LogRecord record) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** A single-thread pool whose thread is already running, as a server's pool started before the test would be. */
    static ExecutorService startedSingleThreadPool(String threadName) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> new Thread(runnable, threadName));
        pool.prestartAllCoreThreads();
        return pool;
    }

    static void stop(ExecutorService executor) throws InterruptedException {
        executor.shutdownNow();
        if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("executor did not stop: " + executor);
        }
    }
}
