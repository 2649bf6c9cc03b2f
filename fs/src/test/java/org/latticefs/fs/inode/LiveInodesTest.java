package org.latticefs.fs.inode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

class LiveInodesTest {
  private static Head head(byte[] value) {
    return new Head(
        "/inodes/5", value, new Hlc(1, 0), NodeId.of(new byte[32], 0), new BlobRef(new byte[32]));
  }

  @Test
  void deletionsAreLeftOutAndTheOthersDecodedInOrder() throws IOException {
    Inode dir = Inode.create(Inode.Kind.DIRECTORY, 0755, 0, 0, 1, null);
    Inode link = Inode.create(Inode.Kind.SYMLINK, 0777, 0, 0, 2, "target");
    List<Inode> live =
        LiveInodes.of(
            List.of(head(dir.encode()), head(null), head(link.encode())), () -> "never built");
    assertEquals(
        List.of(Inode.Kind.DIRECTORY, Inode.Kind.SYMLINK), live.stream().map(Inode::kind).toList());
  }

  @Test
  void anUndecodableHeadIsAnErrorNamingTheInode() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                LiveInodes.of(
                    List.of(head(new byte[] {1, 2, 3})), () -> "inode 5 of store 'docs'"));
    assertEquals("inode 5 of store 'docs' is unreadable", e.getMessage());
    assertInstanceOf(CorruptInodeException.class, e.getCause());
  }
}
