package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How {@link Blake3} picks its implementation, in-process and in real child JVMs. */
class Blake3SelectionTest {
  private static final Blake3.NativeLoader MISSING =
      () -> {
        throw new NativeBlake3.UnavailableException("no library here");
      };

  @Test
  void unsetPrefersNativeAndFallsBackToJavaWithTheReason() {
    NativeBlake3 lib = Blake3TestSupport.nativeLib();
    Blake3.Choice chosen = Blake3.choose(null, () -> lib);
    assertEquals(new Blake3.Choice.Native(lib), chosen);
    assertSame(lib, chosen.nativeLibOrThrow());
    assertTrue(chosen.description().startsWith("native"), chosen.description());

    Blake3.Choice fallback = Blake3.choose(null, MISSING);
    assertInstanceOf(Blake3.Choice.Java.class, fallback);
    assertNull(fallback.nativeLibOrThrow());
    assertTrue(fallback.description().startsWith("java"), fallback.description());
    assertTrue(fallback.description().contains("no library here"), fallback.description());
  }

  @Test
  void javaIsForcedWithoutTouchingTheNativeLibrary() {
    AtomicInteger loads = new AtomicInteger();
    Blake3.Choice chosen =
        Blake3.choose(
            " Java ",
            () -> {
              loads.incrementAndGet();
              throw new NativeBlake3.UnavailableException("not asked");
            });
    assertInstanceOf(Blake3.Choice.Java.class, chosen);
    assertTrue(chosen.description().startsWith("java"), chosen.description());
    assertEquals(0, loads.get());
  }

  @Test
  void forcedNativeThatIsUnavailableIsAnErrorNotAFallback() {
    Blake3.Choice chosen = Blake3.choose("native", MISSING);
    assertInstanceOf(Blake3.Choice.Failed.class, chosen);
    IllegalStateException e = assertThrows(IllegalStateException.class, chosen::nativeLibOrThrow);
    assertTrue(e.getMessage().contains("no library here"), e.getMessage());
  }

  @Test
  void unknownValueIsAnError() {
    Blake3.Choice chosen = Blake3.choose("fast", MISSING);
    assertInstanceOf(Blake3.Choice.Failed.class, chosen);
    assertTrue(chosen.description().contains("'fast'"), chosen.description());
  }

  /** Run by the child JVMs below: prints the implementation and a hash, or the error. */
  public static void main(String[] args) {
    try {
      System.out.println(Blake3.implementation());
      System.out.println(Blake3.hash(Blake3TestSupport.pattern(70_000)).hex());
    } catch (IllegalStateException e) {
      System.out.println("ERROR " + e.getMessage());
      System.exit(3);
    }
  }

  private record Child(int exit, List<String> lines) {}

  private static Child runChild(String... properties) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    for (String p : properties) {
      command.add("-D" + p);
    }
    command.add(Blake3SelectionTest.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM hung: " + out);
    }
    return new Child(p.exitValue(), out.lines().toList());
  }

  private static String last(Child child) {
    return child.lines().get(child.lines().size() - 1);
  }

  @Test
  void systemPropertyForcesEachImplementationInARealJvm() throws Exception {
    Blake3TestSupport.nativeLib();
    String expected = Blake3.hash(Blake3TestSupport.pattern(70_000)).hex();

    Child byDefault = runChild();
    assertEquals(0, byDefault.exit(), byDefault.lines().toString());
    assertTrue(
        byDefault.lines().stream().anyMatch(l -> l.startsWith("native (")),
        byDefault.lines().toString());
    assertEquals(expected, last(byDefault));

    Child java = runChild(Blake3.PROPERTY + "=java");
    assertEquals(0, java.exit(), java.lines().toString());
    assertTrue(
        java.lines().stream().anyMatch(l -> l.startsWith("java (BouncyCastle; forced")),
        java.lines().toString());
    assertEquals(expected, last(java));

    String nowhere = NativeBlake3.LIBRARY_PROPERTY + "=/nonexistent/liblattice-blake3.so";
    Child fallback = runChild(nowhere);
    assertEquals(0, fallback.exit(), fallback.lines().toString());
    assertTrue(
        fallback.lines().stream().anyMatch(l -> l.startsWith("java (BouncyCastle; fallback")),
        fallback.lines().toString());
    assertEquals(expected, last(fallback));

    Child forcedButMissing = runChild(Blake3.PROPERTY + "=native", nowhere);
    assertNotEquals(0, forcedButMissing.exit(), forcedButMissing.lines().toString());
    assertTrue(
        last(forcedButMissing).startsWith("ERROR -Dlattice.blake3=native, but native BLAKE3"),
        forcedButMissing.lines().toString());
  }
}
