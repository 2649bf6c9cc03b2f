package org.latticefs.node.cli;

import org.latticefs.cas.hash.Blake3;
import org.latticefs.node.format.Migrations;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the build version, the Java runtime, the BLAKE3 implementation and the data
 * directory format this build writes.
 */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = VersionProvider.class.getPackage().getImplementationVersion();
    return new String[] {
      "lattice-fs " + (v == null ? "(development build)" : v),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
      "BLAKE3: " + Blake3.implementation(),
      "Data directory format: " + Migrations.CURRENT
    };
  }
}
