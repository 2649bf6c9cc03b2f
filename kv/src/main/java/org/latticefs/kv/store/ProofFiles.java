package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.sync.Equivocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fraud proofs of one store and the authors they refuse. On disk (when given a directory) each
 * proof is a file {@code {author hex}-{seq}.proof} ({@link Equivocation#toBytes}), written whole
 * ({@link AtomicFile}) and loaded on open. A proof file that cannot be read back keeps its author
 * refused (the file name says who) and is reported at every open; it is never deleted. Thread-safe.
 */
final class ProofFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ProofFiles.class);
  private static final HexFormat HEX = HexFormat.of();
  private static final String SUFFIX = ".proof";

  private final UUID storeId;
  private final Path dir;
  private final List<Equivocation> proofs = new CopyOnWriteArrayList<>();
  private final Set<NodeId> refused = ConcurrentHashMap.newKeySet();

  /** Proofs of store {@code storeId} kept in {@code dir}, or only in memory if it is null. */
  ProofFiles(UUID storeId, Path dir) {
    this.storeId = storeId;
    this.dir = dir;
  }

  /** Loads the proofs on disk. */
  void load() throws KvException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(SUFFIX)).sorted().toList()) {
        try {
          if (Files.size(f) > Equivocation.MAX_BYTES) {
            throw new KvException(Files.size(f) + " bytes, longer than any proof");
          }
          Equivocation proof = Equivocation.parse(Files.readAllBytes(f));
          if (!proof.first().entry().storeId().equals(storeId)) {
            throw new KvException("it is a proof for store " + proof.first().entry().storeId());
          }
          proofs.add(proof);
          refused.add(proof.author());
        } catch (IOException e) {
          NodeId author = authorOf(f);
          if (author == null) {
            LOG.warn("store {}: ignoring {}: not named after an author", storeId, f);
            continue;
          }
          refused.add(author);
          LOG.error(
              "store {}: the equivocation proof {} is damaged ({}); its author {} stays refused,"
                  + " but the proof cannot be shown to peers until it is restored",
              storeId,
              f,
              e.getMessage(),
              author);
        }
      }
    } catch (IOException e) {
      throw new KvException("cannot read the proofs in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static NodeId authorOf(Path f) {
    String name = f.getFileName().toString();
    int dash = name.indexOf('-');
    try {
      return dash < 0 ? null : new NodeId(HEX.parseHex(name.substring(0, dash)));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether {@code author} equivocated (its entries are refused). */
  boolean refuses(NodeId author) {
    return refused.contains(author);
  }

  /** The proofs held, oldest first. */
  List<Equivocation> all() {
    return List.copyOf(proofs);
  }

  /**
   * Keeps {@code proof} (durably, if on disk) and refuses its author.
   *
   * @return false if the author was already refused (the proof is not kept again)
   */
  boolean record(Equivocation proof) {
    if (!refused.add(proof.author())) {
      return false;
    }
    proofs.add(proof);
    if (dir != null) {
      Path target =
          dir.resolve(HEX.formatHex(proof.author().publicKey()) + "-" + proof.seq() + SUFFIX);
      try {
        AtomicFile.write(target, proof.toBytes());
      } catch (IOException e) {
        LOG.error("store {}: cannot save equivocation proof {}", storeId, target, e);
      }
    }
    return true;
  }
}
