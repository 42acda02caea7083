package dev.steadfast.bench.doctor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark target: a service with a slow leak next to ordinary churn. The leak puts one {@link Session} into the
 * static {@link #SESSIONS} map per tick, sized so that it retains about {@code bytesPerSecond} (argument); a tick is
 * 100 ms, or longer for small rates so that each session is at least about 100 bytes. The churn is what makes two
 * snapshots hard to read: a cache of random-sized entries with random evictions (its size wanders) and a list of
 * recent requests rebuilt every two seconds with a random number of entries. With 0 bytes per second there is no
 * leak, only the churn. Prints READY.
 *
 * <pre>{@code
 * java -cp bench.jar dev.steadfast.bench.doctor.LeakingServiceMain 1024
 * }</pre>
 */
public final class LeakingServiceMain {

    /** The leak. */
    static final Map<Long, Session> SESSIONS = new ConcurrentHashMap<>();
    /** The classes the leak itself adds to: whatever else a report names is a false culprit. */
    public static final List<String> LEAK_CLASSES = List.of(Session.class.getName(), "byte[]",
            "java.util.concurrent.ConcurrentHashMap$Node", "java.util.concurrent.ConcurrentHashMap$Node[]",
            "java.lang.Long");
    /** Shallow bytes of a session, its key and its map node, besides the payload (64-bit, compressed oops). */
    private static final int SESSION_OVERHEAD_BYTES = 24 + 16 + 16 + 32;
    private static final int MIN_SESSION_BYTES = 100;

    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Integer, CacheEntry> CACHE = new HashMap<>();
    private static volatile List<Request> recent = List.of();

    private LeakingServiceMain() {
    }

    /** A leaked session and its buffer. */
    static final class Session {
        final long id;
        final byte[] buffer;

        Session(long id, int size) {
            this.id = id;
            this.buffer = new byte[size];
        }
    }

    /** A cache entry of random size. */
    record CacheEntry(String key, char[] value) {
    }

    /** A recent request kept for a status page. */
    record Request(long at, String path, int status) {
    }

    public static void main(String[] args) throws InterruptedException {
        int bytesPerSecond = Integer.parseInt(args[0]);
        long tickMillis = Math.max(100, 1000L * MIN_SESSION_BYTES / Math.max(1, bytesPerSecond));
        int payload = (int) Math.max(0, bytesPerSecond * tickMillis / 1000 - SESSION_OVERHEAD_BYTES);
        ScheduledExecutorService service = Executors.newScheduledThreadPool(2, r -> {
            Thread thread = new Thread(r, "service-" + IDS.get());
            thread.setDaemon(true);
            return thread;
        });
        if (bytesPerSecond > 0) {
            service.scheduleAtFixedRate(() -> {
                long id = IDS.incrementAndGet();
                SESSIONS.put(id, new Session(id, payload));
            }, 0, tickMillis, TimeUnit.MILLISECONDS);
        }
        service.scheduleAtFixedRate(LeakingServiceMain::churnCache, 0, 20, TimeUnit.MILLISECONDS);
        service.scheduleAtFixedRate(LeakingServiceMain::rebuildRecent, 0, 2, TimeUnit.SECONDS);
        System.out.println("READY");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
    }

    private static void churnCache() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        synchronized (CACHE) {
            for (int i = 0; i < 20; i++) {
                int key = random.nextInt(4_000);
                if (random.nextBoolean()) {
                    CACHE.put(key, new CacheEntry("k" + key, new char[random.nextInt(16, 512)]));
                } else {
                    CACHE.remove(key);
                }
            }
        }
    }

    private static void rebuildRecent() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int count = random.nextInt(0, 3_000);
        List<Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(new Request(System.nanoTime(), "/orders/" + random.nextInt(100_000), 200));
        }
        recent = requests;
    }
}
