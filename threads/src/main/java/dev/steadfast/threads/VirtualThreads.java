package dev.steadfast.threads;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads looked up at run time, so the module builds with {@code --release 17} and uses them on JDK 21+.
 */
final class VirtualThreads {
  private final ThreadFactory factory; // null when unsupported
  private final MethodHandle newThreadPerTaskExecutor; // (ThreadFactory) -> ExecutorService
  private final String unsupportedReason;

  private VirtualThreads(ThreadFactory factory, MethodHandle newThreadPerTaskExecutor, String unsupportedReason) {
    this.factory = factory;
    this.newThreadPerTaskExecutor = newThreadPerTaskExecutor;
    this.unsupportedReason = unsupportedReason;
  }

  static VirtualThreads lookup() {
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builder = Class.forName("java.lang.Thread$Builder");
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      Object virtualBuilder = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual)).invoke();
      ThreadFactory factory = (ThreadFactory) lookup
          .findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class)).invoke(virtualBuilder);
      MethodHandle perTask = lookup.findStatic(Executors.class, "newThreadPerTaskExecutor",
          MethodType.methodType(ExecutorService.class, ThreadFactory.class));
      return new VirtualThreads(factory, perTask, null);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      return new VirtualThreads(null, null, "virtual threads need JDK 21 or later; this JVM is "
          + Runtime.version() + ". Use a fixed or cached pool instead.");
    } catch (Throwable e) {
      // ofVirtual() and factory() declare nothing; anything else thrown here is a JVM problem worth naming.
      return new VirtualThreads(null, null, "virtual threads could not be initialized on " + Runtime.version()
          + ": " + e);
    }
  }

  Optional<String> unsupportedReason() {
    return Optional.ofNullable(unsupportedReason);
  }

  ThreadFactory factory() {
    return factory;
  }

  ExecutorService newThreadPerTaskExecutor(ThreadFactory threadFactory) {
    try {
      return (ExecutorService) newThreadPerTaskExecutor.invoke(threadFactory);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
