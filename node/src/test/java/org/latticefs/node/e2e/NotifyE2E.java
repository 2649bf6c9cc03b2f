package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * {@code Type=notify}: the foreground mount, run as the unit runs it, tells a stand-in for
 * systemd's notify socket (a unix datagram socket a python3 script binds) {@code READY=1} only once
 * the mount lists and the metrics answer, and {@code STOPPING=1} when it is asked to stop. PID 1
 * here is not systemd, so the unit itself never runs under systemd in these tests.
 */
class NotifyE2E {
  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();
  private Path mnt;

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (mnt != null && Mounts.at(mnt).isPresent()) {
      Mounts.fusermountUnmount(mnt, true);
    }
  }

  @Test
  void readyOnlyOnceMountedAndServingThenStopping() throws Exception {
    MountE2E.requireFuse();
    Path python = Tools.require("python3", "python3");
    Path home = tmp.resolve("home");
    mnt = tmp.resolve("mnt");
    Files.createDirectories(home);
    String metrics = "127.0.0.1:" + Tools.freePort();
    Files.writeString(
        home.resolve("config.properties"), MountE2E.NO_MESH + "metrics.listen=" + metrics + "\n");
    Path script = tmp.resolve("notify-socket.py");
    try (var in = NotifyE2E.class.getResourceAsStream("/e2e/notify-socket.py")) {
      Files.copy(in, script);
    }
    Path socket = tmp.resolve("notify.sock");
    Process listener =
        new ProcessBuilder(
                python.toString(), script.toString(), socket.toString(), mnt.toString(), metrics)
            .redirectError(tmp.resolve("listener.err").toFile())
            .start();
    started.add(listener);
    BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("bound", lines.readLine(), Files.readString(tmp.resolve("listener.err")));

    ProcessBuilder pb =
        new ProcessBuilder(
                Tools.repo().resolve("lattice-fs").toString(),
                "--home",
                home.toString(),
                "mount",
                mnt.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("mount.log").toFile());
    pb.environment().put("LATTICE_NO_BUILD", "1");
    pb.environment().put("NOTIFY_SOCKET", socket.toString());
    Process daemon = pb.start();
    started.add(daemon);

    String ready = lines.readLine();
    assertNotNull(ready, "no message: " + Files.readString(tmp.resolve("mount.log")));
    assertTrue(ready.contains("READY=1"), "the first message is READY=1: " + ready);
    assertTrue(ready.contains("\"mounted\": true"), "mounted when READY=1 came: " + ready);
    assertTrue(ready.contains("\"lists\": true"), "the mount answered: " + ready);
    assertTrue(ready.contains("\"metrics\": 200"), "metrics were served: " + ready);
    assertTrue(ready.contains("STATUS=mounted at " + mnt), ready);

    Run stop =
        MountE2E.exec(
            List.of(
                Tools.repo().resolve("lattice-fs").toString(),
                "--home",
                home.toString(),
                "unmount",
                mnt.toString()),
            java.util.Map.of("LATTICE_NO_BUILD", "1"));
    assertEquals(0, stop.code(), stop.out() + stop.err());
    String stopping = lines.readLine();
    assertNotNull(stopping, Files.readString(tmp.resolve("mount.log")));
    assertTrue(stopping.contains("STOPPING=1"), stopping);
    assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the foreground mount exits");
    assertEquals(0, daemon.exitValue(), Files.readString(tmp.resolve("mount.log")));
    assertTrue(Mounts.at(mnt).isEmpty());
    assertTrue(listener.waitFor(30, TimeUnit.SECONDS));
  }
}
