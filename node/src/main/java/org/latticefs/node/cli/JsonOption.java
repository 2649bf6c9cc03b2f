package org.latticefs.node.cli;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output. */
final class JsonOption {
  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;
}
