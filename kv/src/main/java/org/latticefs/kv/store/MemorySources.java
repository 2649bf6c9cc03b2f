package org.latticefs.kv.store;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.MemoryChainLog;
import org.latticefs.kv.state.MemoryStateBackend;
import org.latticefs.kv.state.StateBackend;

/**
 * What a store in memory ({@link LogStore#inMemory}) keeps its logs and state in, with failures on
 * demand: {@link #faults()} makes the store's next log appends (local commits and ingests alike)
 * fail as a disk would, so that a caller sees exactly what it sees of a failing disk store (the
 * commit throws and did not happen). One per store.
 */
public final class MemorySources {
  private final MemoryChainLog.Faults faults = new MemoryChainLog.Faults();

  /** The failures to inject into this store's log appends. */
  public MemoryChainLog.Faults faults() {
    return faults;
  }

  ChainLogs.Source logs(UUID storeId) {
    return new ChainLogs.Source() {
      @Override
      public List<NodeId> authors() {
        return List.of();
      }

      @Override
      public ChainLog open(NodeId author) {
        return new MemoryChainLog(storeId, author, faults);
      }

      @Override
      public Path locate(NodeId author) {
        return Path.of("memory", storeId.toString(), author.hex());
      }
    };
  }

  StateKeeper.Source state() {
    return new StateKeeper.Source() {
      @Override
      public StateBackend open() {
        return new MemoryStateBackend();
      }

      @Override
      public Path setAside() {
        return Path.of("memory");
      }
    };
  }
}
