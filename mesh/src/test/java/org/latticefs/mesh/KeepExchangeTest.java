package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.testing.Poll;
import org.latticefs.mesh.blob.MeshBlobs;

/** "Which of these do you keep?" between real meshes on 127.0.0.1. */
class KeepExchangeTest {
  static final Duration T = Duration.ofSeconds(20);

  @TempDir Path dir;

  static BlobRef ref(long seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return new BlobRef(b);
  }

  @Test
  void aPeerAnswersWithWhatItsScopeKeepsAcrossSeveralQueries() throws Exception {
    try (TestNode a = new TestNode(dir, "a", MeshBlobs.none());
        TestNode b = new TestNode(dir, "b", MeshBlobs.none())) {
      Set<BlobRef> keptOnA = new HashSet<>();
      List<BlobRef> asked = new ArrayList<>();
      for (int i = 0; i < 2500; i++) { // three queries of at most 1024
        BlobRef r = ref(i);
        asked.add(r);
        if (i % 3 == 0) {
          keptOnA.add(r);
        }
      }
      keptOnA.add(ref(99_999)); // kept there, not asked: never reported
      a.mesh.keeps().answerFrom((peer, refs) -> keptOnA);
      BlobExchangeTest.connect(b, a);
      Set<BlobRef> got = b.mesh.keeps().ask(a.identity.id(), asked, T);
      Set<BlobRef> want = new HashSet<>(keptOnA);
      want.retainAll(asked);
      assertEquals(want, got);
    }
  }

  @Test
  void noScopeAFailingScopeOrNoConnectionConfirmNothing() throws Exception {
    try (TestNode a = new TestNode(dir, "a", MeshBlobs.none());
        TestNode b = new TestNode(dir, "b", MeshBlobs.none())) {
      List<BlobRef> asked = List.of(ref(1), ref(2));
      assertThrows(IOException.class, () -> b.mesh.keeps().ask(a.identity.id(), asked, T));
      BlobExchangeTest.connect(b, a);
      assertThrows(IOException.class, () -> b.mesh.keeps().ask(a.identity.id(), asked, T));
      a.mesh
          .keeps()
          .answerFrom(
              (peer, refs) -> {
                throw new IOException("store unreadable");
              });
      assertThrows(IOException.class, () -> b.mesh.keeps().ask(a.identity.id(), asked, T));
      a.mesh.keeps().answerFrom((peer, refs) -> Set.of(ref(2)));
      assertEquals(Set.of(ref(2)), b.mesh.keeps().ask(a.identity.id(), asked, T));
      a.mesh.close();
      Poll.until("b sees a gone", () -> b.mesh.peers().stream().noneMatch(p -> p.connected()));
      assertThrows(IOException.class, () -> b.mesh.keeps().ask(a.identity.id(), asked, T));
    }
  }
}
