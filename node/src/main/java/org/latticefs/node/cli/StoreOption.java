package org.latticefs.node.cli;

import picocli.CommandLine.Option;

/** {@code --store NAME|UUID}: which store a kv command acts on (the root store by default). */
final class StoreOption {
  @Option(
      names = {"-s", "--store"},
      paramLabel = "NAME|UUID",
      description = "Store to use (default: the root store).")
  String store;
}
