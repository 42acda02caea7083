package dev.steadfast.threads;

/**
 * Counters of one pool at one moment; all counts are since the pool was created.
 *
 * <pre>{@code
 * PoolStatistics http = manager.snapshot().pool("http").orElseThrow();
 * if (http.hygieneFailures() > 0) {
 *   log.warn("tasks in pool http leave ThreadLocals behind that cannot be cleaned: {}", http);
 * }
 * }</pre>
 *
 * @param name the pool name (threads are named {@code <name>-<n>})
 * @param kind what kind of pool
 * @param created threads created by the pool's factory
 * @param terminated threads that ran and ended
 * @param live threads running now
 * @param peak most threads running at once
 * @param tasksCompleted tasks run to completion or failure (pooled and virtual pools; 0 for a bare factory)
 * @param queuedTasks tasks waiting that could run now (for a scheduled pool, only those already due)
 * @param threadLocalsRemoved ThreadLocal entries tasks added and hygiene removed
 * @param threadLocalsRestored ThreadLocal entries tasks replaced or removed and hygiene put back
 * @param hygieneFailures tasks after which hygiene could not restore the thread (the thread was then renewed)
 * @param renewals workers retired and replaced (after N tasks, or after a hygiene failure)
 * @param staleThreadsFound workers reported stuck (blocked or waiting too long while tasks were queued)
 * @param uncaughtExceptions exceptions that ended a thread of this pool
 * @param threadLocalHygiene whether ThreadLocal hygiene runs after each task
 * @param hygieneFallback hygiene was asked for but is unavailable (no add-opens), periodic renewal stands in
 */
public record PoolStatistics(String name, PoolKind kind, long created, long terminated, long live, long peak,
    long tasksCompleted, long queuedTasks, long threadLocalsRemoved, long threadLocalsRestored, long hygieneFailures,
    long renewals, long staleThreadsFound, long uncaughtExceptions, boolean threadLocalHygiene,
    boolean hygieneFallback) {
}
