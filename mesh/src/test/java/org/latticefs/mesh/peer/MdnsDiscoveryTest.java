package org.latticefs.mesh.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * mDNS discovery with JmDNS for real: two {@link MdnsDiscovery} instances announce and resolve each
 * other ({@link MdnsProbe}, a child JVM) inside a network namespace of this test's own whose
 * loopback has multicast on, so no packet reaches the machine's networks. Needs root and {@code
 * ip}; skipped without them unless {@code CI=true}. What the mesh does with what is found (dial
 * trusted peers only) is {@code DiscoveryTest}.
 */
@Tag("slow")
class MdnsDiscoveryTest {
  private static final long PROBE_SECONDS = 60;

  @Test
  void twoNodesOnOneNetworkFindEachOthersAddress() throws Exception {
    requireNetns();
    String ns = "lattice-mdns-" + UUID.randomUUID().toString().substring(0, 8);
    run("ip", "netns", "add", ns);
    try {
      run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up", "multicast", "on");
      run("ip", "netns", "exec", ns, "ip", "route", "add", "224.0.0.0/4", "dev", "lo");
      Path out = Files.createTempFile("mdns-probe", ".out");
      try {
        Process p =
            new ProcessBuilder(
                    "ip",
                    "netns",
                    "exec",
                    ns,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    MdnsProbe.class.getName(),
                    "127.0.0.1",
                    Long.toString(PROBE_SECONDS))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(PROBE_SECONDS + 30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        String[] ids =
            text.lines().filter(l -> l.startsWith("ids ")).findFirst().orElseThrow().split(" ");
        assertTrue(text.contains("found 1 " + ids[2] + " 127.0.0.1:4712"), text);
        assertTrue(text.contains("found 2 " + ids[1] + " 127.0.0.1:4711"), text);
      } finally {
        Files.deleteIfExists(out);
      }
    } finally {
      run("ip", "netns", "del", ns);
    }
  }

  private static void requireNetns() throws IOException, InterruptedException {
    boolean ok;
    try {
      ok =
          "root".equals(System.getProperty("user.name"))
              && new ProcessBuilder("ip", "netns", "list").start().waitFor() == 0;
    } catch (IOException e) {
      ok = false;
    }
    if (!ok && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI=true but network namespaces are not available (root, ip)");
    }
    Assumptions.assumeTrue(ok, "needs root and ip netns");
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + text);
    }
  }
}
