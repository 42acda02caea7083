package dev.steadfast.startup;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered queue of step events on their way to the listeners. Decisions queue events while holding the run's
 * decision role; whichever thread releases the role next delivers them, outside the role, in the order queued, one
 * thread at a time. A listener's failure is logged and added to the run's warnings, never thrown.
 *
 * <pre>{@code
 * ListenerQueue listeners = new ListenerQueue(plan.listeners(), warnings);
 * listeners.queue(event);       // under the role
 * listeners.deliverPending();   // after releasing it
 * }</pre>
 */
final class ListenerQueue {
  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private final List<StartupListener> listeners;
  private final List<String> warnings;
  private final ConcurrentLinkedQueue<StepEvent> pending = new ConcurrentLinkedQueue<>();
  /** Held by the one thread delivering events; the coordinator waits for it once, before the report is built. */
  private final ReentrantLock delivering = new ReentrantLock();

  /**
   * @param listeners the plan's listeners
   * @param warnings where a listener's failure is recorded (thread-safe)
   */
  ListenerQueue(List<StartupListener> listeners, List<String> warnings) {
    this.listeners = listeners;
    this.warnings = warnings;
  }

  /** Whether there is no listener (then no event needs to be built). */
  boolean isEmpty() {
    return listeners.isEmpty();
  }

  void queue(StepEvent event) {
    pending.add(event);
  }

  /** Delivers queued events unless another thread is delivering them (it then delivers these too). */
  void deliverPending() {
    while (!pending.isEmpty() && delivering.tryLock()) {
      try {
        deliverQueued();
      } finally {
        delivering.unlock();
      }
    }
  }

  /** Like {@link #deliverPending()}, but waits for a thread already delivering events to finish. */
  void deliverAll() {
    delivering.lock();
    try {
      deliverQueued();
    } finally {
      delivering.unlock();
    }
  }

  private void deliverQueued() {
    for (StepEvent e = pending.poll(); e != null; e = pending.poll()) {
      deliver(e);
    }
  }

  /** Delivers one event now, on the calling thread (stop events, which are not decisions). */
  void deliver(StepEvent event) {
    for (StartupListener listener : listeners) {
      try {
        listener.onStepEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("Startup listener {} threw on {} of step '{}'", listener, event.kind(), event.step(), e);
        warnings.add("listener " + listener + " threw on " + event.kind() + " of step '" + event.step() + "': "
            + e);
      }
    }
  }
}
