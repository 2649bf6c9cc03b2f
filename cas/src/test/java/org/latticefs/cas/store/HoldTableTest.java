package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.hash.Blake3;

class HoldTableTest {
  private final HoldTable table = new HoldTable();

  private Hold open() {
    return table.open(h -> null);
  }

  private static BlobRef ref(int i) {
    return Blake3.hash(new byte[] {(byte) i, (byte) (i >> 8)});
  }

  @Test
  void aHeldRefIsNotRemovedUntilEveryHoldIsClosed() throws Exception {
    Hold a = open();
    Hold b = open();
    a.hold(ref(1));
    b.hold(ref(1));
    assertEquals("held", table.unlessHeld(ref(1), () -> "removed", "held"));
    a.close();
    assertEquals("held", table.unlessHeld(ref(1), () -> "removed", "held"));
    b.close();
    assertEquals("removed", table.unlessHeld(ref(1), () -> "removed", "held"));
    assertEquals(0, table.heldRefs());
    assertEquals(0, table.openHolds());
  }

  @Test
  void holdsClosedDuringAPassLastUntilItEnds() throws Exception {
    Hold h = open();
    h.holdTree(ref(2));
    HoldTable.Pass pass = table.beginPass();
    h.close();
    assertTrue(table.isHeld(ref(2)), "still held: the pass may have read its roots before");
    assertEquals(List.of(ref(2)), table.heldTrees());
    pass.close();
    assertFalse(table.isHeld(ref(2)));
    assertTrue(table.heldTrees().isEmpty());
  }

  @Test
  void overlappingPassesReleaseAtTheLastEnd() {
    Hold h = open();
    h.hold(ref(3));
    HoldTable.Pass first = table.beginPass();
    HoldTable.Pass second = table.beginPass();
    h.close();
    first.close();
    assertTrue(table.isHeld(ref(3)));
    second.close();
    assertFalse(table.isHeld(ref(3)));
  }

  @Test
  void aClosedHoldTakesNoMoreRefs() {
    Hold h = open();
    h.close();
    h.close();
    assertThrows(IllegalStateException.class, () -> h.hold(ref(4)));
    assertEquals(0, table.openHolds());
  }
}
