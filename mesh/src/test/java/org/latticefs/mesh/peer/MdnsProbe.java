package org.latticefs.mesh.peer;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.kv.NodeId;

/**
 * Two {@link MdnsDiscovery} instances in one process, bound to {@code args[0]}, announcing two
 * random node ids on ports 4711 and 4712; prints {@code found ID HOST:PORT} for what each resolves
 * of the other and exits 0 once both found each other, 1 after {@code args[1]} seconds. Run by
 * {@link MdnsDiscoveryTest} inside a network namespace of its own (mDNS is multicast on the LAN).
 */
public final class MdnsProbe {
  private MdnsProbe() {}

  public static void main(String[] args) throws Exception {
    InetAddress bind = InetAddress.getByName(args[0]);
    long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
    NodeId one = randomId();
    NodeId two = randomId();
    System.out.println("ids " + one + " " + two);
    Set<String> found = ConcurrentHashMap.newKeySet();
    try (MdnsDiscovery d1 = new MdnsDiscovery(bind);
        MdnsDiscovery d2 = new MdnsDiscovery(bind)) {
      d1.start(one, 4711, (id, at) -> report(found, "1", id, at));
      d2.start(two, 4712, (id, at) -> report(found, "2", id, at));
      while (System.nanoTime() < deadline) {
        if (found.contains("1 " + two + " " + bind.getHostAddress() + ":4712")
            && found.contains("2 " + one + " " + bind.getHostAddress() + ":4711")) {
          System.out.println("both found");
          System.out.flush();
          Runtime.getRuntime().halt(0);
        }
        Thread.sleep(50);
      }
    }
    System.out.println("timed out");
    System.out.flush();
    Runtime.getRuntime().halt(1);
  }

  private static void report(
      Set<String> found, String who, NodeId id, org.latticefs.mesh.HostPort at) {
    String line = who + " " + id + " " + at;
    if (found.add(line)) {
      System.out.println("found " + line);
    }
  }

  private static NodeId randomId() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return NodeId.of(key, 0);
  }
}
