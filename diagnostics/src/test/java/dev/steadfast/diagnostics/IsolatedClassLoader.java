package dev.steadfast.diagnostics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * A throwaway class loader that defines the named fixture classes itself (from the test class path) and delegates
 * everything else. A class whose initialization deadlocks is poisoned for the life of its loader; defining it here
 * keeps the poison out of the test class loader, so other tests (and re-runs) get fresh, healthy classes.
 */
final class IsolatedClassLoader extends ClassLoader {

    private final Set<String> isolated;

    IsolatedClassLoader(String name, Set<String> isolated) {
        super(name, IsolatedClassLoader.class.getClassLoader());
        this.isolated = Set.copyOf(isolated);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!isolated.contains(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                loaded = define(name);
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    private Class<?> define(String name) throws ClassNotFoundException {
        String resource = name.replace('.', '/') + ".class";
        try (InputStream in = getParent().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ClassNotFoundException(name + " (no " + resource + " on the test class path)");
            }
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Initializes the named class through this loader (runs its static initializer on the calling thread). */
    void initialize(String name) {
        try {
            Class.forName(name, true, this);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
