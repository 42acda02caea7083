package dev.steadfast.startup;

import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns sized to their widest cell, for the readable reports. */
final class TextTable {
  private final List<String[]> rows = new ArrayList<>();

  TextTable(String... header) {
    rows.add(header);
  }

  void row(String... cells) {
    rows.add(cells);
  }

  void appendTo(StringBuilder out, String indent) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int c = 0; c < columns; c++) {
        line.append(r[c]);
        if (c < columns - 1) {
          line.append(" ".repeat(width[c] - r[c].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
