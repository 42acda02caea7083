package dev.steadfast.server;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Command-line entry point of the Steadfast reference service (the README's main job).
 *
 * <pre>{@code
 * mvn -q -Prun verify
 * mvn -q -Prun verify -Drun.args="--port 9090"
 * }</pre>
 */
public final class Main {
  private static final String DEMO_CLASS = "dev.steadfast.server.demo.StartupDemo";

  private Main() {}

  /**
   * Starts the service.
   *
   * @param args command-line flags
   * @throws Exception whatever startup throws
   */
  public static void main(String[] args) throws Exception {
    Class<?> demo;
    try {
      demo = Class.forName(DEMO_CLASS);
    } catch (ClassNotFoundException e) {
      System.out.println("Steadfast reference service: a WebSocket hub started and stopped by Steadfast"
          + " (service not assembled yet; " + DEMO_CLASS + " not present).");
      return;
    }
    Method main = demo.getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
