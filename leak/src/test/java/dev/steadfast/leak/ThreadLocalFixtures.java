package dev.steadfast.leak;

import java.util.ArrayList;
import java.util.List;

/**
 * ThreadLocals declared outside the test classes, so naming their field has to find them from the ThreadLocal itself
 * (the {@code withInitial} lambda's class, the anonymous subclass) rather than from the scope's owner.
 */
final class ThreadLocalFixtures {

    static final ThreadLocal<StringBuilder> BUFFER = ThreadLocal.withInitial(StringBuilder::new);

    static final ThreadLocal<List<String>> ITEMS = ThreadLocal.withInitial(ArrayList::new);

    static final ThreadLocal<RequestContext> ANONYMOUS = new ThreadLocal<>() {
        @Override
        protected RequestContext initialValue() {
            return new RequestContext("anonymous");
        }
    };

    private ThreadLocalFixtures() {
    }

    record RequestContext(String user) {
    }
}
