package org.latticefs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** mount.options are parsed before libfuse sees them (issue 10, item 16). */
class MountOptionsTest {
  static String refused(String text) {
    return assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(text))
        .getMessage();
  }

  @Test
  void emptyItemsAreDroppedAndSpacesTrimmed() {
    assertEquals(List.of(), MountOptions.parse(",,,").options());
    assertEquals(List.of(), MountOptions.parse("").options());
    assertEquals(List.of(), MountOptions.parse(null).options());
    MountOptions o = MountOptions.parse(" noatime , ,attr_timeout=1.5,, max_readahead=131072 ,");
    assertEquals(List.of("noatime", "attr_timeout=1.5", "max_readahead=131072"), o.options());
    assertEquals("noatime,attr_timeout=1.5,max_readahead=131072", o.joined());
    assertEquals(List.of(), o.warnings());
  }

  @Test
  void optionsThatWidenAccessAreAcceptedWithAWarningEach() {
    MountOptions o = MountOptions.parse("allow_other,ro,suid,dev");
    assertEquals(List.of("allow_other", "ro", "suid", "dev"), o.options());
    List<String> w = o.warnings();
    assertEquals(3, w.size(), w.toString());
    assertTrue(w.get(0).startsWith("mount option allow_other widens access: every local user"));
    assertTrue(w.get(1).startsWith("mount option suid widens access: set-user-ID"));
    assertTrue(w.get(2).startsWith("mount option dev widens access: device files"));
  }

  @Test
  void unknownRefusedAndMalformedOptionsAreNamed() {
    assertTrue(refused("noatime,bogus").startsWith("unknown mount option 'bogus' (known: "));
    assertTrue(refused("bogus").contains("allow_other"), "the message lists what is known");
    assertEquals(
        "mount option 'umask=0' is not supported: it would override the file modes Lattice"
            + " stores",
        refused("umask=0"));
    assertTrue(refused("writeback_cache").contains("libfuse2"));
    assertTrue(refused("fsname=x").contains("Lattice sets it"));
    assertEquals(
        "mount option 'max_read=lots' needs a value: max_read=NUMBER", refused("max_read=lots"));
    assertEquals(
        "mount option 'attr_timeout' needs a value: attr_timeout=SECONDS (e.g. 1.5)",
        refused("attr_timeout"));
    assertEquals("mount option 'ro' takes no value: 'ro=1'", refused("ro=1"));
    assertTrue(refused("allow_other noatime").startsWith("unknown mount option"));
  }
}
