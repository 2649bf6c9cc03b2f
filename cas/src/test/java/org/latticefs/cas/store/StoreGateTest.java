package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreGateTest {
  private final StoreGate gate = new StoreGate(Path.of("/data/cas"));

  @Test
  void aCallIsCountedWhileItRunsAndNotAfter() throws IOException {
    int during = gate.run(gate::active);
    assertEquals(1, during);
    assertEquals(0, gate.active());
  }

  @Test
  void aCallThatThrowsIsNoLongerCounted() {
    assertThrows(
        IOException.class,
        () ->
            gate.run(
                () -> {
                  throw new IOException("disk");
                }));
    assertEquals(0, gate.active());
  }

  @Test
  void aCloseSeesTheCallRunningAndRefusesLaterOnes() throws IOException {
    boolean[] closedFirst = new boolean[1];
    int seen =
        gate.run(
            () -> {
              closedFirst[0] = gate.close();
              return gate.active();
            });
    assertTrue(closedFirst[0]);
    assertEquals(1, seen, "the close saw the call in progress");
    assertFalse(gate.close(), "closing twice");
    IOException e = assertThrows(IOException.class, () -> gate.run(() -> 1));
    assertTrue(e.getMessage().contains("/data/cas"), e.getMessage());
    assertThrows(IOException.class, gate::checkOpen);
    assertEquals(0, gate.active(), "a refused call is not counted");
  }
}
