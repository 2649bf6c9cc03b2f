package org.latticefs.mesh.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;

class InvitesTest {
  @TempDir Path dir;
  Instant now = Instant.parse("2026-12-05T10:00:00Z");
  final InstantSource clock = () -> now;

  Invites invites() {
    return new Invites(dir, clock, new Random(1));
  }

  static NodeId node(int seed) {
    return Identity.generate(new Random(seed)).id();
  }

  @Test
  void aSecretAdmitsOneNodeOnceAndIsKeptOnlyAsAHash() throws Exception {
    Invites.NewInvite i = invites().create(Duration.ofHours(1));
    assertEquals(Instant.parse("2026-12-05T11:00:00Z"), i.expires());
    assertFalse(Files.readString(dir.resolve("invites")).contains(i.secret()));
    assertInstanceOf(Invites.Admitted.class, invites().redeem(i.secret(), node(1)));
    // The same node again (its join's answer was lost): admitted; anyone else: refused, durably.
    assertInstanceOf(Invites.Admitted.class, invites().redeem(i.secret(), node(1)));
    Invites.Redemption r = invites().redeem(i.secret(), node(2));
    assertTrue(
        ((Invites.Refused) r).reason().contains("already used (by " + node(1)), r.toString());
  }

  @Test
  void anExpiredSecretIsRefused() throws Exception {
    Invites.NewInvite i = invites().create(Duration.ofMinutes(10));
    now = now.plus(Duration.ofMinutes(10));
    Invites.Redemption r = invites().redeem(i.secret(), node(1));
    assertTrue(
        ((Invites.Refused) r).reason().contains("expired at 2026-12-05T10:10:00Z"), r.toString());
  }

  @Test
  void anUnknownOrMalformedSecretIsRefused() throws Exception {
    invites().create(Duration.ofMinutes(10));
    assertTrue(
        ((Invites.Refused) invites().redeem("a".repeat(32), node(1)))
            .reason()
            .contains("no such invite"));
    assertTrue(
        ((Invites.Refused) invites().redeem("short", node(1))).reason().contains("malformed"));
  }

  @Test
  void oldInvitesAreForgottenAndTheFileStaysBounded() throws Exception {
    Invites inv = invites();
    Invites.NewInvite old = inv.create(Duration.ofMinutes(1));
    now = now.plus(Duration.ofDays(2));
    inv.create(Duration.ofMinutes(1));
    assertEquals(1, inv.kept().size(), "expired for over a day: dropped");
    assertInstanceOf(Invites.Refused.class, inv.redeem(old.secret(), node(1)));
    for (int k = 0; k < Invites.MAX_INVITES + 5; k++) {
      inv.create(Duration.ofMinutes(1));
    }
    assertEquals(Invites.MAX_INVITES, inv.kept().size());
  }

  @Test
  void aDamagedFileIsRefusedNotOverwritten() throws Exception {
    Files.writeString(dir.resolve("invites"), "garbage line\n");
    IOException e = assertThrows(IOException.class, () -> invites().create(Duration.ofMinutes(1)));
    assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    assertEquals("garbage line\n", Files.readString(dir.resolve("invites")));
  }
}
