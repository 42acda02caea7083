package dev.steadfast.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoThreadLeftBehind.class)
class ConfigurationTest {

  @Test
  void shutdownTimeout_negative_isRejected() {
    assertThatThrownBy(() -> ThreadManager.builder().shutdownTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("shutdownTimeout must be positive: PT-1S");
  }

  @Test
  void staleThreshold_zero_isRejected() {
    assertThatThrownBy(() -> ThreadManager.builder().staleThreshold(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("staleThreshold must be positive: PT0S");
  }

  @Test
  void fallbackRenewAfterTasks_zero_isRejected() {
    assertThatThrownBy(() -> ThreadManager.builder().fallbackRenewAfterTasks(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("fallbackRenewAfterTasks must be at least 1: 0");
  }

  @Test
  void name_blank_isRejected() {
    assertThatThrownBy(() -> ThreadManager.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank: ' '");
  }

  @Test
  void settingTwice_isRejectedNamingTheEarlierValue() {
    assertThatThrownBy(() -> ThreadManager.builder().interruptTimeout(Duration.ofSeconds(1))
        .interruptTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessage("interruptTimeout was already set to PT1S");
  }

  @Test
  void poolSettings_badValues_areRejected() {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      assertThatThrownBy(() -> manager.pool("p").threads(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be at least 1: 0");
      assertThatThrownBy(() -> manager.pool("p").renewAfterTasks(-5))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("renewAfterTasks must be 0 (never) or positive: -5");
      assertThatThrownBy(() -> manager.pool("p").keepAlive(Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("keepAlive must be positive: PT-0.001S");
      assertThatThrownBy(() -> manager.pool("p").queueCapacity(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("queueCapacity must be at least 1: 0");
      assertThatThrownBy(() -> manager.pool(""))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("pool name must not be blank: ''");
    }
  }

  @Test
  void fixedPool_missingThreadsAndInapplicableSettings_areReportedTogether() {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      assertThatThrownBy(() -> manager.pool("web").keepAlive(Duration.ofSeconds(1)).fixed())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pool 'web' is misconfigured: threads must be set for a fixed pool: call threads(n); "
              + "keepAlive does not apply to a fixed pool: remove it");
      assertThat(manager.snapshot().pools()).isEmpty();
    }
  }

  @Test
  void scheduledPool_queueCapacityAndKeepAlive_areReportedTogether() {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      assertThatThrownBy(() -> manager.pool("t").queueCapacity(5).keepAlive(Duration.ofSeconds(1)).scheduled())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pool 't' is misconfigured: queueCapacity, keepAlive do not apply to a scheduled pool: remove them");
    }
  }

  @Test
  void duplicatePoolName_isRejected() {
    try (ThreadManager manager = ThreadManager.builder().name("svc").build()) {
      manager.threadFactory("io");
      assertThatThrownBy(() -> manager.pool("io").threads(1).fixed())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pool 'io' already exists in ThreadManager 'svc'; pool names must be unique");
    }
  }

  @Test
  void virtualPool_beforeJdk21_saysWhy_andOn21_works() throws Exception {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      if (Runtime.version().feature() >= 21) {
        assertThat(manager.virtualThreadsSupported()).isTrue();
        assertThat(manager.pool("vt").virtual().submit(() -> Thread.currentThread().getName()).get())
            .isEqualTo("vt-1");
      } else {
        assertThat(manager.virtualThreadsSupported()).isFalse();
        assertThatThrownBy(() -> manager.pool("vt").virtual())
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageStartingWith("pool 'vt': virtual threads need JDK 21 or later; this JVM is 17");
      }
    }
  }

  @Test
  void virtualPool_withPooledSettings_isRejected() {
    try (ThreadManager manager = ThreadManager.ofDefaults()) {
      assertThatThrownBy(() -> manager.pool("vt").threads(4).renewAfterTasks(10).virtual())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pool 'vt' is misconfigured: threads, renewAfterTasks do not apply to a virtual pool: remove them");
    }
  }

  @Test
  void replacingThePoolsThreadFactory_isRejected() {
    try (ThreadManager manager = ThreadManager.builder().name("svc").build()) {
      var pool = (java.util.concurrent.ThreadPoolExecutor) manager.pool("fixed").threads(1).fixed();
      assertThatThrownBy(() -> pool.setThreadFactory(Thread::new))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage("pool 'fixed' is managed by ThreadManager 'svc'; its thread factory cannot be replaced");
    }
  }
}
