package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * The mount re-exported over SMB, as README's "Sharing the folder" describes: the daemon mounts
 * with {@code allow_other}, a generated smb.conf shares a store folder, {@code smbd} runs on a free
 * loopback port, and {@code smbclient} round-trips files (put, mkdir, rename, get) whose bytes are
 * then checked both through SMB and in the mount itself.
 */
class SambaE2E {
  @TempDir Path tmp;
  E2eNode node;
  Process smbd;

  @BeforeEach
  void setUp() throws Exception {
    MountE2E.requireFuse();
    node = new E2eNode(tmp.resolve("home"), tmp.resolve("mnt"));
    Files.createDirectories(node.home);
    Files.writeString(
        node.home.resolve("config.properties"), "mount.options=allow_other\nmetrics.listen=off\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (smbd != null) {
      smbd.descendants().forEach(ProcessHandle::destroy);
      smbd.destroy();
      if (!smbd.waitFor(20, TimeUnit.SECONDS)) {
        smbd.descendants().forEach(ProcessHandle::destroyForcibly);
        smbd.destroyForcibly().waitFor();
      }
    }
    try {
      node.unmount();
    } finally {
      node.cleanUp();
    }
  }

  @Test
  void smbClientsRoundTripFilesThroughTheMount() throws Exception {
    Path smbdBin = Tools.require("smbd", "samba");
    Path client = Tools.require("smbclient", "smbclient");
    node.mount();
    Path share = node.mnt.resolve("shared");
    assertEquals(0, MountE2E.sh("mkdir '" + share + "'").code());

    Path samba = tmp.resolve("samba");
    for (String d : List.of("private", "lock", "state", "cache", "pid", "ncalrpc")) {
      Files.createDirectories(samba.resolve(d));
    }
    int port = Tools.freePort();
    Path conf = samba.resolve("smb.conf");
    Files.writeString(conf, smbConf(samba, port, share));
    smbd =
        new ProcessBuilder(
                // A session of its own (setsid, and smbd told not to make one): on exit smbd
                // signals its whole process group, which must not be this JVM's and Maven's.
                "/usr/bin/setsid",
                smbdBin.toString(),
                "-F",
                "--no-process-group",
                "--debug-stdout",
                "-s",
                conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(samba.resolve("smbd.log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();

    Path local = tmp.resolve("local");
    Files.createDirectories(local);
    byte[] big = new byte[3 << 20];
    new Random(13).nextBytes(big);
    Files.write(local.resolve("big.bin"), big);
    Files.writeString(local.resolve("note.txt"), "written over SMB\n");

    awaitSmbd(client, conf, port, samba);
    Run put =
        smb(
            client,
            conf,
            port,
            local,
            "mkdir docs; put note.txt docs/note.txt; put big.bin big.bin; "
                + "put note.txt \"draft é 1.txt\"; rename \"draft é 1.txt\" \"final é.txt\"");
    assertEquals(0, put.code(), put.out() + put.err());

    // In the mount: what SMB wrote, under the names it gave.
    assertArrayEquals(big, Files.readAllBytes(share.resolve("big.bin")));
    assertEquals("written over SMB\n", Files.readString(share.resolve("docs/note.txt")));
    assertEquals("written over SMB\n", Files.readString(share.resolve("final é.txt")));
    assertFalse(Files.exists(share.resolve("draft é 1.txt")));

    // And back through SMB.
    Path back = tmp.resolve("back");
    Files.createDirectories(back);
    Run get = smb(client, conf, port, back, "get big.bin big.bin; get docs/note.txt note.txt; ls");
    assertEquals(0, get.code(), get.out() + get.err());
    assertArrayEquals(big, Files.readAllBytes(back.resolve("big.bin")));
    assertEquals("written over SMB\n", Files.readString(back.resolve("note.txt")));
    assertTrue(get.out().contains("final é.txt"), get.out());

    Run rm = smb(client, conf, port, back, "del big.bin; rmdir docs");
    // rmdir of a non-empty folder fails over SMB as it does locally; the delete succeeds.
    assertFalse(Files.exists(share.resolve("big.bin")), rm.out() + rm.err());
    assertTrue(Files.exists(share.resolve("docs/note.txt")));
  }

  static String smbConf(Path dir, int port, Path share) {
    return String.join(
        "\n",
        "[global]",
        "  server role = standalone server",
        "  smb ports = " + port,
        "  interfaces = lo",
        "  bind interfaces only = yes",
        "  private dir = " + dir.resolve("private"),
        "  lock directory = " + dir.resolve("lock"),
        "  state directory = " + dir.resolve("state"),
        "  cache directory = " + dir.resolve("cache"),
        "  pid directory = " + dir.resolve("pid"),
        "  ncalrpc dir = " + dir.resolve("ncalrpc"),
        "  log file = " + dir.resolve("log.%m"),
        "  map to guest = Bad User",
        "  guest account = nobody",
        "  load printers = no",
        "  printing = bsd",
        "  printcap name = /dev/null",
        "  disable spoolss = yes",
        "  server min protocol = SMB2",
        "[lattice]",
        "  path = " + share,
        "  read only = no",
        "  guest ok = yes",
        "  force user = root",
        "");
  }

  private static Run smb(Path client, Path conf, int port, Path cwd, String commands)
      throws Exception {
    return MountE2E.exec(
        List.of(
            "sh",
            "-c",
            "cd '"
                + cwd
                + "' && exec '"
                + client
                + "' -N -p "
                + port
                + " -s '"
                + conf
                + "' //127.0.0.1/lattice -c '"
                + commands.replace("'", "'\\''")
                + "'"),
        Map.of());
  }

  private void awaitSmbd(Path client, Path conf, int port, Path samba) throws Exception {
    for (int i = 0; i < 120; i++) {
      if (!smbd.isAlive()) {
        fail("smbd exited: " + Files.readString(samba.resolve("smbd.log")));
      }
      if (smb(client, conf, port, samba, "ls").code() == 0) {
        return;
      }
      Thread.sleep(250);
    }
    fail("smbd does not answer: " + Files.readString(samba.resolve("smbd.log")));
  }
}
