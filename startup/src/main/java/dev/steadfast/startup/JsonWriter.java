package dev.steadfast.startup;

import java.util.ArrayDeque;
import java.util.Locale;

/** A minimal pretty-printing JSON writer for the reports; keeps {@code startup} free of JSON libraries. */
final class JsonWriter {
  private final StringBuilder out = new StringBuilder(1024);
  /** One entry per open container: whether it has no member yet. */
  private final ArrayDeque<boolean[]> open = new ArrayDeque<>();
  private boolean afterName;

  JsonWriter beginObject() {
    beforeValue();
    out.append('{');
    open.push(new boolean[] {true});
    return this;
  }

  JsonWriter endObject() {
    return close('}');
  }

  JsonWriter beginArray() {
    beforeValue();
    out.append('[');
    open.push(new boolean[] {true});
    return this;
  }

  JsonWriter endArray() {
    return close(']');
  }

  JsonWriter name(String name) {
    beforeValue();
    string(name);
    out.append(": ");
    afterName = true;
    return this;
  }

  JsonWriter value(String value) {
    beforeValue();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  JsonWriter value(long value) {
    beforeValue();
    out.append(value);
    return this;
  }

  JsonWriter value(boolean value) {
    beforeValue();
    out.append(value);
    return this;
  }

  /** Milliseconds with microsecond precision, from nanoseconds; null when negative (not measured). */
  JsonWriter millis(long nanos) {
    beforeValue();
    if (nanos < 0) {
      out.append("null");
    } else {
      out.append(String.format(Locale.ROOT, "%.3f", nanos / 1e6));
    }
    return this;
  }

  JsonWriter nullValue() {
    beforeValue();
    out.append("null");
    return this;
  }

  JsonWriter field(String name, String value) {
    return name(name).value(value);
  }

  JsonWriter field(String name, long value) {
    return name(name).value(value);
  }

  JsonWriter stringArray(String name, Iterable<String> values) {
    name(name).beginArray();
    for (String v : values) {
      value(v);
    }
    return endArray();
  }

  @Override
  public String toString() {
    return out.toString();
  }

  private JsonWriter close(char bracket) {
    boolean empty = open.pop()[0];
    if (!empty) {
      newline();
    }
    out.append(bracket);
    return this;
  }

  private void beforeValue() {
    if (afterName) {
      afterName = false;
      return;
    }
    boolean[] first = open.peek();
    if (first != null) {
      if (!first[0]) {
        out.append(',');
      }
      first[0] = false;
      newline();
    }
  }

  private void newline() {
    out.append('\n');
    for (int i = 0; i < open.size(); i++) {
      out.append("  ");
    }
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
