package dev.steadfast.leak;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.UUID;

/**
 * A weak reference to a watched object with a unique key, findable in a heap dump (as LeakCanary's
 * KeyedWeakReference): the retention-path analysis looks up instances of this class, matches the key and follows
 * {@code referent} to the watched object. The field names {@code key} are read from the dump; keep them in sync with
 * {@link RetentionPaths}.
 */
final class WatchedReference extends WeakReference<Object> {

    final String key = UUID.randomUUID().toString();
    final String description;
    final String type;

    WatchedReference(Object referent, String description, ReferenceQueue<Object> queue) {
        super(referent, queue);
        this.description = description;
        this.type = Texts.className(referent.getClass().getName());
    }
}
