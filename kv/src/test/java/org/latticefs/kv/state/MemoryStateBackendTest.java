package org.latticefs.kv.state;

class MemoryStateBackendTest extends StateBackendContract {
  @Override
  StateBackend newBackend() {
    return new MemoryStateBackend();
  }
}
