package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Clean code that touches the JDK's lazily created per-thread caches (NIO buffer cache, read-lock hold counters,
 * common pool, logging) and the test tools (Awaitility's poller, AssertJ) must not be reported: a detector that blames
 * the first test to use them is useless.
 */
class EverydayCodeTest {

    @Test
    void everydayJdkAndTestToolCalls_areNotReportedAsLeaks() throws Exception {
        try (LeakScope scope = LeakDetector.ofDefaults().open("everyday code", getClass())) {
            String.format(Locale.GERMANY, "%,.2f %s", 1234.5, LocalDateTime.now());
            DateTimeFormatter.ISO_DATE_TIME.format(ZonedDateTime.now());
            new SimpleDateFormat("yyyy", Locale.ROOT).format(new Date());
            NumberFormat.getInstance().format(3.5);
            new BigDecimal("1.5").setScale(3).toPlainString();
            UUID.randomUUID();
            Pattern.compile("a+").matcher("aaa").matches();
            useFiles();
            serializeAndBack();
            useReadLockFromTwoThreads();
            assertThat(CompletableFuture.supplyAsync(() -> 1).get(10, TimeUnit.SECONDS)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> true);
            Logger.getLogger(EverydayCodeTest.class.getName()).fine("logged");
            LeakReport report = scope.check();

            assertThat(report.isClean()).as(report.toString()).isTrue();
        }
    }

    private static void useFiles() throws Exception {
        Path file = Files.createTempFile("steadfast-leak-everyday", ".txt");
        try {
            Files.writeString(file, "hello");
            Files.readAllLines(file);
            try (FileChannel channel = FileChannel.open(file)) {
                channel.read(ByteBuffer.allocate(10));
            }
        } finally {
            Files.delete(file);
        }
    }

    private static void serializeAndBack() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new ArrayList<>(List.of("a")));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            in.readObject();
        }
    }

    private static void useReadLockFromTwoThreads() throws InterruptedException {
        ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        Thread other = new Thread(() -> {
            lock.readLock().lock();
            lock.readLock().unlock();
        }, "second-reader");
        lock.readLock().lock();
        try {
            other.start();
            other.join(10_000);
            lock.readLock().lock();
            lock.readLock().unlock();
        } finally {
            lock.readLock().unlock();
        }
    }
}
