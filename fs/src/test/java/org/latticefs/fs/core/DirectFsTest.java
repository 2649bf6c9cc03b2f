package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.latticefs.fs.core.FsFixture.ME;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.FsConfig;

/**
 * Base of tests that drive a {@link LatticeFileSystem} object directly (no mount): a fresh {@link
 * FsFixture} per test with one store, {@link #store()}, created; every test must leave no file
 * open.
 */
abstract class DirectFsTest {
  @TempDir Path staging;
  FsFixture f;
  LatticeFileSystem fs;

  /** The store each test starts with, as a path ("/docs"). */
  String store() {
    return "/docs";
  }

  @BeforeEach
  void setUp() throws IOException {
    open(c -> c);
  }

  /**
   * Replaces the test's filesystem by a fresh one whose configuration {@code adjust} changes (the
   * store is created again); the old one must have no file open.
   */
  void reopen(UnaryOperator<FsConfig> adjust) throws IOException {
    assertEquals(0, fs.openFileCount(), "leaked open files");
    f.close();
    open(adjust);
  }

  private void open(UnaryOperator<FsConfig> adjust) throws IOException {
    f = new FsFixture(staging, adjust);
    fs = f.fs;
    fs.mkdir(store(), 0755, ME);
  }

  @AfterEach
  void tearDown() {
    assertEquals(0, fs.openFileCount(), "leaked open files");
    f.close();
  }
}
