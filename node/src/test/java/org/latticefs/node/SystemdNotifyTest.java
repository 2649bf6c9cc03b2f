package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The socket address sd_notify is sent to, and the notifier's behaviour outside systemd. */
class SystemdNotifyTest {
  private static byte[] family() {
    return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) 1).array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer b =
        ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }

  @Test
  void aPathEndsWithItsNulAndAnAbstractNameStartsWithOne() {
    assertArrayEquals(
        concat(family(), "/run/systemd/notify".getBytes(), new byte[] {0}),
        SystemdNotify.sockaddr("/run/systemd/notify"));
    assertArrayEquals(
        concat(family(), new byte[] {0}, "sd-1234".getBytes()), SystemdNotify.sockaddr("@sd-1234"));
  }

  @Test
  void relativeEmptyOrTooLongSocketsAreRefused() {
    assertNull(SystemdNotify.sockaddr("notify.sock"));
    assertNull(SystemdNotify.sockaddr("@"));
    assertNull(SystemdNotify.sockaddr("/" + "x".repeat(SystemdNotify.MAX_PATH - 1)));
    assertTrue(SystemdNotify.sockaddr("/" + "x".repeat(SystemdNotify.MAX_PATH - 2)) != null);
    assertFalse(SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "relative")).enabled());
  }

  @Test
  void outsideSystemdNothingIsSentAndNothingFails() {
    SystemdNotify n = SystemdNotify.fromEnvironment(Map.of());
    assertFalse(n.enabled());
    assertTrue(n.ready("mounted"));
    assertTrue(n.stopping("unmounting"));
  }

  @Test
  void aSocketNoOneListensOnIsReportedNotThrown() {
    SystemdNotify n =
        SystemdNotify.fromEnvironment(
            Map.of("NOTIFY_SOCKET", "@lattice-test-nobody-" + ProcessHandle.current().pid()));
    assertTrue(n.enabled());
    assertFalse(n.ready("mounted"), "ECONNREFUSED: false, logged");
  }
}
