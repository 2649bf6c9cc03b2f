package org.latticefs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.latticefs.fs.FsFixture.ME;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

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
    f = new FsFixture(staging);
    fs = f.fs;
    fs.mkdir(store(), 0755, ME);
  }

  @AfterEach
  void tearDown() {
    assertEquals(0, fs.openFileCount(), "leaked open files");
    f.close();
  }
}
