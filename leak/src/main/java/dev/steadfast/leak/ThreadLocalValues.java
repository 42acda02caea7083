package dev.steadfast.leak;

import java.lang.ref.Reference;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the rules need to know about a ThreadLocal value, read without calling user code: its size when it is a
 * standard container, whether it holds only JDK helper objects, and a short summary for messages that names types,
 * sizes and keys but never values (they may be secrets).
 */
final class ThreadLocalValues {

    /** Size of a value that is not a standard container. */
    static final int NOT_A_CONTAINER = -2;
    /** Size recorded for an absent entry or a null value. */
    static final int ABSENT = -1;

    private static final int SAMPLE = 32;
    private static final int KEYS_SHOWN = 3;
    private static final int KEY_LENGTH_SHOWN = 40;

    private ThreadLocalValues() {
    }

    /** @return the element count of a JDK collection, map or array, {@link #ABSENT} for null, else NOT_A_CONTAINER */
    static int size(Object value) {
        if (value == null) {
            return ABSENT;
        }
        if (!ThreadLocalFields.isJdk(value.getClass())) {
            return NOT_A_CONTAINER;
        }
        try {
            if (value instanceof Collection<?> collection) {
                return collection.size();
            }
            if (value instanceof Map<?, ?> map) {
                return map.size();
            }
        } catch (RuntimeException concurrentlyModified) {
            return NOT_A_CONTAINER;
        }
        return NOT_A_CONTAINER;
    }

    /** @return whether the value is an empty JDK collection or map */
    static boolean isEmptyContainer(Object value) {
        return size(value) == 0;
    }

    /** @return whether the value is a JDK collection or map holding something */
    static boolean isGrownContainer(Object value) {
        return size(value) > 0;
    }

    /**
     * Whether the value holds only what a per-thread cache holds: soft or weak references, JDK objects that are not
     * data (encoders, buffers, formatters, digests) and JDK containers or arrays of those. Strings, boxed numbers
     * and classes are data, so a value holding them is not a helper; nor is anything of the application's types.
     */
    static boolean holdsOnlyHelpers(Object value) {
        return holdsOnlyHelpers(value, 3);
    }

    private static boolean holdsOnlyHelpers(Object value, int depth) {
        if (value == null || value instanceof Reference<?>) {
            return true;
        }
        Class<?> type = value.getClass();
        if (depth == 0 || value instanceof CharSequence && !(value instanceof StringBuilder)
                || value instanceof Number || value instanceof Boolean || value instanceof Character
                || value instanceof Class<?> || value instanceof Enum<?>) {
            return false;
        }
        if (type.isArray()) {
            if (type.getComponentType().isPrimitive()) {
                return true;
            }
            int length = Math.min(Array.getLength(value), SAMPLE);
            for (int i = 0; i < length; i++) {
                if (!holdsOnlyHelpers(Array.get(value, i), depth - 1)) {
                    return false;
                }
            }
            return true;
        }
        if (!ThreadLocalFields.isJdk(type)) {
            return false;
        }
        try {
            if (value instanceof Collection<?> collection) {
                return allHelpers(collection.iterator(), depth);
            }
            if (value instanceof Map<?, ?> map) {
                return allHelpers(map.keySet().iterator(), depth) && allHelpers(map.values().iterator(), depth);
            }
        } catch (RuntimeException concurrentlyModified) {
            return false;
        }
        return true;
    }

    private static boolean allHelpers(Iterator<?> elements, int depth) {
        for (int i = 0; i < SAMPLE && elements.hasNext(); i++) {
            if (!holdsOnlyHelpers(elements.next(), depth - 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return e.g. {@code java.util.HashMap (2 entries; keys: "requestId", "user")} or {@code com.acme.Session};
     *         keys are shown only when they are strings, numbers or enums, cut to a short length
     */
    static String summary(Object value) {
        if (value == null) {
            return "null";
        }
        String type = value.getClass().getName();
        int size = size(value);
        if (size < 0) {
            return type;
        }
        StringBuilder out = new StringBuilder(type).append(" (").append(Texts.plural(size,
                value instanceof Map<?, ?> ? "entry" : "element", value instanceof Map<?, ?> ? "entries" : "elements"));
        List<String> keys = new ArrayList<>();
        try {
            Iterator<?> iterator = value instanceof Map<?, ?> map ? map.keySet().iterator()
                    : ((Collection<?>) value).iterator();
            boolean isMap = value instanceof Map<?, ?>;
            for (int i = 0; i < KEYS_SHOWN && iterator.hasNext(); i++) {
                Object key = iterator.next();
                keys.add(isMap ? describeKey(key) : describeElementType(key));
            }
        } catch (RuntimeException concurrentlyModified) {
            keys.clear();
        }
        if (!keys.isEmpty()) {
            out.append(value instanceof Map<?, ?> ? "; keys: " : "; e.g. ").append(String.join(", ", keys));
            if (size > keys.size()) {
                out.append(", …");
            }
        }
        return out.append(')').toString();
    }

    private static String describeKey(Object key) {
        if (key instanceof CharSequence || key instanceof Number || key instanceof Enum<?>) {
            String text = String.valueOf(key);
            return '"' + (text.length() > KEY_LENGTH_SHOWN ? text.substring(0, KEY_LENGTH_SHOWN) + "…" : text) + '"';
        }
        return describeElementType(key);
    }

    private static String describeElementType(Object element) {
        return element == null ? "null" : element.getClass().getName();
    }
}
