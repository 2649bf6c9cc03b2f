package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.SigChainLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's logs on disk: {@code {dir}/{author hex}.log}, one {@link SigChainLog} per author. An
 * author counts as present if its log or its log's checkpoint is there: a checkpoint without its
 * log is a lost log, which {@link SigChainLog#open} refuses rather than starting it afresh.
 */
final class DiskLogs implements ChainLogs.Source {
  private static final Logger LOG = LoggerFactory.getLogger(DiskLogs.class);
  private static final HexFormat HEX = HexFormat.of();
  private static final String SUFFIX = ".log";

  private final Path dir;
  private final UUID storeId;

  DiskLogs(Path dir, UUID storeId) {
    this.dir = dir;
    this.storeId = storeId;
  }

  @Override
  public Set<NodeId> authors() throws KvException {
    Set<NodeId> out = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        String checkpoint = SUFFIX + SigChainLog.CHECKPOINT_SUFFIX;
        String stem;
        if (name.endsWith(SUFFIX)) {
          stem = name.substring(0, name.length() - SUFFIX.length());
        } else if (name.endsWith(checkpoint)) {
          stem = name.substring(0, name.length() - checkpoint.length());
        } else {
          continue;
        }
        try {
          out.add(new NodeId(HEX.parseHex(stem)));
        } catch (IllegalArgumentException e) {
          LOG.warn("store {}: ignoring {}: not named after an author", storeId, f);
        }
      }
    } catch (IOException e) {
      throw new KvException("cannot list the logs in " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public ChainLog open(NodeId author) throws KvException {
    return SigChainLog.open(locate(author), storeId, author);
  }

  @Override
  public Path locate(NodeId author) {
    return dir.resolve(HEX.formatHex(author.publicKey()) + SUFFIX);
  }
}
