package org.latticefs.node.cli;

import java.io.PrintWriter;
import org.latticefs.node.control.Json;

/**
 * Prints a JSON array one element at a time, exactly as {@link Json#pretty} prints the whole list,
 * so a long listing is never held in memory at once. Call {@link #add} per element, then {@link
 * #finish}.
 */
final class JsonArrayPrinter {
  private final PrintWriter out;
  private boolean any;

  JsonArrayPrinter(PrintWriter out) {
    this.out = out;
    out.print('[');
  }

  void add(Object element) {
    out.print(any ? ",\n  " : "\n  ");
    out.print(Json.pretty(element, 1));
    any = true;
  }

  /** Closes the array and ends the line. */
  void finish() {
    out.println(any ? "\n]" : "]");
  }
}
