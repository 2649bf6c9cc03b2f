package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {
  @Test
  void parsesMountinfoIncludingEscapesAndOptionalFields() {
    List<Mounts.MountEntry> m =
        Mounts.parse(
            List.of(
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                "41 26 0:38 / /tmp/my\\040mnt rw,nosuid - fuse.lattice lattice rw,user_id=0",
                "garbage line"));
    assertEquals(2, m.size());
    assertEquals(Path.of("/tmp/my mnt"), m.get(1).mountpoint());
    assertTrue(m.get(1).isFuse());
    assertEquals("ext4", m.get(0).fsType());
  }

  @Test
  void theRootIsMounted() throws Exception {
    assertTrue(Mounts.at(Path.of("/")).isPresent());
  }
}
