package org.latticefs.fs.fuse.libfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every native layout the binding hard-codes, checked against the C compiler and libfuse's own
 * header: {@code offsetof} and {@code sizeof} of {@code fuse_operations}, {@code stat}, {@code
 * statvfs}, {@code fuse_file_info}, {@code fuse_context}, {@code fuse_conn_info}, {@code fuse_buf},
 * {@code fuse_args} and {@code timespec}, and the bit positions of the bit-fields.
 *
 * <p>The host's layout is taken from a program compiled and run here ({@code gcc}); aarch64's from
 * the assembly {@code aarch64-linux-gnu-gcc -S} emits for the same program (Debian's {@code
 * gcc-aarch64-linux-gnu} and {@code libc6-dev-arm64-cross}), when installed. Both need {@code
 * /usr/include/fuse/fuse.h} ({@code libfuse-dev}); without it the test is skipped.
 */
class LayoutTest {
  private static final Path HEADER = Path.of("/usr/include/fuse/fuse.h");

  /** Each entry: a key and the C expression whose value it is. */
  private static final Map<String, String> EXPRESSIONS = expressions();

  @TempDir Path tmp;

  private static Map<String, String> expressions() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String op :
        List.of(
            "getattr",
            "readlink",
            "getdir",
            "mknod",
            "mkdir",
            "unlink",
            "rmdir",
            "symlink",
            "rename",
            "link",
            "chmod",
            "chown",
            "truncate",
            "utime",
            "open",
            "read",
            "write",
            "statfs",
            "flush",
            "release",
            "fsync",
            "setxattr",
            "getxattr",
            "listxattr",
            "removexattr",
            "opendir",
            "readdir",
            "releasedir",
            "fsyncdir",
            "init",
            "destroy",
            "access",
            "create",
            "ftruncate",
            "fgetattr",
            "lock",
            "utimens",
            "bmap",
            "ioctl",
            "poll",
            "write_buf",
            "read_buf",
            "flock",
            "fallocate")) {
      m.put("ops." + op, "offsetof(struct fuse_operations, " + op + ")");
    }
    m.put("ops.sizeof", "sizeof(struct fuse_operations)");
    for (String f :
        List.of(
            "st_ino",
            "st_mode",
            "st_nlink",
            "st_uid",
            "st_gid",
            "st_rdev",
            "st_size",
            "st_blksize",
            "st_blocks",
            "st_atim",
            "st_mtim",
            "st_ctim")) {
      m.put("stat." + f, "offsetof(struct stat, " + f + ")");
    }
    m.put("stat.nlink_size", "sizeof(((struct stat *) 0)->st_nlink)");
    m.put("stat.blksize_size", "sizeof(((struct stat *) 0)->st_blksize)");
    m.put("stat.sizeof", "sizeof(struct stat)");
    for (String f :
        List.of(
            "f_bsize",
            "f_frsize",
            "f_blocks",
            "f_bfree",
            "f_bavail",
            "f_files",
            "f_ffree",
            "f_favail",
            "f_namemax")) {
      m.put("statvfs." + f, "offsetof(struct statvfs, " + f + ")");
    }
    m.put("statvfs.sizeof", "sizeof(struct statvfs)");
    for (String f : List.of("flags", "writepage", "fh", "lock_owner")) {
      m.put("fi." + f, "offsetof(struct fuse_file_info, " + f + ")");
    }
    m.put("fi.sizeof", "sizeof(struct fuse_file_info)");
    for (String f : List.of("uid", "gid", "pid", "umask")) {
      m.put("ctx." + f, "offsetof(struct fuse_context, " + f + ")");
    }
    for (String f :
        List.of("proto_major", "proto_minor", "max_write", "max_readahead", "capable", "want")) {
      m.put("conn." + f, "offsetof(struct fuse_conn_info, " + f + ")");
    }
    for (String f : List.of("size", "flags", "mem")) {
      m.put("buf." + f, "offsetof(struct fuse_buf, " + f + ")");
    }
    m.put("buf.sizeof", "sizeof(struct fuse_buf)");
    m.put("buf.is_fd", "FUSE_BUF_IS_FD");
    m.put("args.argc", "offsetof(struct fuse_args, argc)");
    m.put("args.argv", "offsetof(struct fuse_args, argv)");
    m.put("args.sizeof", "sizeof(struct fuse_args)");
    m.put("timespec.sizeof", "sizeof(struct timespec)");
    m.put("cap.async_read", "FUSE_CAP_ASYNC_READ");
    m.put("cap.atomic_o_trunc", "FUSE_CAP_ATOMIC_O_TRUNC");
    m.put("cap.big_writes", "FUSE_CAP_BIG_WRITES");
    m.put("cap.dont_mask", "FUSE_CAP_DONT_MASK");
    return m;
  }

  /** The C program: one global per expression, and a main that prints them and the bit-fields. */
  private static String program() {
    StringBuilder c =
        new StringBuilder(
            "#define FUSE_USE_VERSION 26\n#define _FILE_OFFSET_BITS 64\n#include <fuse.h>\n"
                + "#include <stddef.h>\n#include <stdio.h>\n#include <string.h>\n"
                + "#include <sys/stat.h>\n#include <sys/statvfs.h>\n");
    int i = 0;
    for (String expr : EXPRESSIONS.values()) {
      c.append("const unsigned long layout_").append(i++).append(" = ").append(expr).append(";\n");
    }
    c.append(
            "static unsigned opsbits(int which) { struct fuse_operations o; memset(&o, 0, sizeof o);\n")
        .append("  if (which == 0) o.flag_nullpath_ok = 1; if (which == 1) o.flag_nopath = 1;\n")
        .append("  if (which == 2) o.flag_utime_omit_ok = 1; unsigned w;\n")
        .append(
            "  memcpy(&w, (char *) &o + offsetof(struct fuse_operations, bmap) + sizeof(void *), 4);\n")
        .append("  return w; }\n")
        .append(
            "static unsigned fibits(int which) { struct fuse_file_info f; memset(&f, 0, sizeof f);\n")
        .append("  if (which == 0) f.direct_io = 1; if (which == 1) f.keep_cache = 1;\n")
        .append("  if (which == 2) f.flush = 1; if (which == 3) f.nonseekable = 1; unsigned w;\n")
        .append("  memcpy(&w, (char *) &f + offsetof(struct fuse_file_info, writepage) + 4, 4);\n")
        .append("  return w; }\n")
        .append("int main(void) {\n");
    i = 0;
    for (String key : EXPRESSIONS.keySet()) {
      c.append("  printf(\"%s %lu\\n\", \"")
          .append(key)
          .append("\", layout_")
          .append(i++)
          .append(");\n");
    }
    c.append(
            "  printf(\"ops.flags_word %lu\\n\", (unsigned long) (offsetof(struct fuse_operations, bmap) + sizeof(void *)));\n")
        .append(
            "  printf(\"bit.nullpath_ok %u\\nbit.nopath %u\\nbit.utime_omit_ok %u\\n\", opsbits(0), opsbits(1), opsbits(2));\n")
        .append(
            "  printf(\"bit.direct_io %u\\nbit.keep_cache %u\\nbit.flush %u\\nbit.nonseekable %u\\n\",")
        .append(" fibits(0), fibits(1), fibits(2), fibits(3));\n")
        .append("  return 0; }\n");
    return c.toString();
  }

  @Test
  void everyLayoutMatchesTheCompilerOnThisMachine() throws Exception {
    Assumptions.assumeTrue(Files.exists(HEADER), "no " + HEADER + " (apt-get install libfuse-dev)");
    Assumptions.assumeTrue(onPath("gcc"), "no gcc");
    Path src = Files.writeString(tmp.resolve("layout.c"), program());
    run("gcc", "-I/usr/include/fuse", "-o", tmp.resolve("layout").toString(), src.toString());
    Map<String, Long> c = new LinkedHashMap<>();
    for (String line : run(tmp.resolve("layout").toString()).split("\n")) {
      String[] kv = line.trim().split(" ");
      c.put(kv[0], Long.parseLong(kv[1]));
    }
    checkCommon(c);
    checkStat(c, Stat.Layout.forArch(System.getProperty("os.arch")));
    assertEquals(FuseOperations.FLAG_NULLPATH_OK, c.get("bit.nullpath_ok"));
    assertEquals(FuseOperations.FLAG_NOPATH, c.get("bit.nopath"));
    assertEquals(FuseOperations.FLAG_UTIME_OMIT_OK, c.get("bit.utime_omit_ok"));
    assertEquals(FileInfo.DIRECT_IO, c.get("bit.direct_io"));
    assertEquals(FileInfo.KEEP_CACHE, c.get("bit.keep_cache"));
    assertEquals(FileInfo.FLUSH, c.get("bit.flush"));
    assertEquals(FileInfo.NONSEEKABLE, c.get("bit.nonseekable"));
    checkOperationsStruct(c);
  }

  @Test
  void statLayoutMatchesTheCompilerForAarch64() throws Exception {
    Assumptions.assumeTrue(Files.exists(HEADER), "no " + HEADER + " (apt-get install libfuse-dev)");
    Assumptions.assumeTrue(onPath("aarch64-linux-gnu-gcc"), "no aarch64 cross compiler");
    Path src = Files.writeString(tmp.resolve("layout.c"), program());
    Path asm = tmp.resolve("layout.s");
    run("aarch64-linux-gnu-gcc", "-I/usr/include/fuse", "-S", "-o", asm.toString(), src.toString());
    Map<String, Long> c = fromAssembly(Files.readString(asm));
    checkCommon(c);
    checkStat(c, Stat.Layout.forArch("aarch64"));
  }

  /**
   * The {@code layout_N} globals' values from gcc's assembly ({@code .xword N}/{@code .quad N}).
   */
  private static Map<String, Long> fromAssembly(String asm) {
    Matcher m =
        Pattern.compile("(?m)^layout_(\\d+):\\s*\\n\\s*\\.(xword|quad|dword|zero)\\s+(\\d+)")
            .matcher(asm);
    Map<Integer, Long> byIndex = new LinkedHashMap<>();
    while (m.find()) {
      // A zero value is emitted as ".zero 8" (eight zero bytes), any other as ".xword N".
      long value = m.group(2).equals("zero") ? 0 : Long.parseLong(m.group(3));
      byIndex.put(Integer.parseInt(m.group(1)), value);
    }
    Map<String, Long> c = new LinkedHashMap<>();
    int i = 0;
    for (String key : EXPRESSIONS.keySet()) {
      Long v = byIndex.get(i++);
      assertTrue(v != null, "no value for " + key + " in the assembly");
      c.put(key, v);
    }
    return c;
  }

  private static void checkCommon(Map<String, Long> c) {
    assertEquals(FileInfo.FLAGS, c.get("fi.flags"));
    assertEquals(FileInfo.WRITEPAGE, c.get("fi.writepage"));
    assertEquals(FileInfo.BITS, c.get("fi.writepage") + 4);
    assertEquals(FileInfo.FH, c.get("fi.fh"));
    assertEquals(FileInfo.LOCK_OWNER, c.get("fi.lock_owner"));
    assertEquals(FileInfo.SIZEOF, c.get("fi.sizeof"));
    assertEquals(StatVfs.BSIZE, c.get("statvfs.f_bsize"));
    assertEquals(StatVfs.FRSIZE, c.get("statvfs.f_frsize"));
    assertEquals(StatVfs.BLOCKS, c.get("statvfs.f_blocks"));
    assertEquals(StatVfs.BFREE, c.get("statvfs.f_bfree"));
    assertEquals(StatVfs.BAVAIL, c.get("statvfs.f_bavail"));
    assertEquals(StatVfs.FILES, c.get("statvfs.f_files"));
    assertEquals(StatVfs.FFREE, c.get("statvfs.f_ffree"));
    assertEquals(StatVfs.FAVAIL, c.get("statvfs.f_favail"));
    assertEquals(StatVfs.NAMEMAX, c.get("statvfs.f_namemax"));
    assertEquals(StatVfs.SIZEOF, c.get("statvfs.sizeof"));
    assertEquals(RequestContext.UID, c.get("ctx.uid"));
    assertEquals(RequestContext.GID, c.get("ctx.gid"));
    assertEquals(RequestContext.PID, c.get("ctx.pid"));
    assertEquals(RequestContext.UMASK, c.get("ctx.umask"));
    assertEquals(ConnectionInfo.PROTO_MAJOR, c.get("conn.proto_major"));
    assertEquals(ConnectionInfo.PROTO_MINOR, c.get("conn.proto_minor"));
    assertEquals(ConnectionInfo.MAX_WRITE, c.get("conn.max_write"));
    assertEquals(ConnectionInfo.MAX_READAHEAD, c.get("conn.max_readahead"));
    assertEquals(ConnectionInfo.CAPABLE, c.get("conn.capable"));
    assertEquals(ConnectionInfo.WANT, c.get("conn.want"));
    assertEquals(ConnectionInfo.CAP_ASYNC_READ, c.get("cap.async_read"));
    assertEquals(ConnectionInfo.CAP_ATOMIC_O_TRUNC, c.get("cap.atomic_o_trunc"));
    assertEquals(ConnectionInfo.CAP_BIG_WRITES, c.get("cap.big_writes"));
    assertEquals(ConnectionInfo.CAP_DONT_MASK, c.get("cap.dont_mask"));
    assertEquals(SessionLoop.BUF_SIZE, c.get("buf.size"));
    assertEquals(SessionLoop.BUF_FLAGS, c.get("buf.flags"));
    assertEquals(SessionLoop.BUF_MEM, c.get("buf.mem"));
    assertEquals(SessionLoop.BUF_SIZEOF, c.get("buf.sizeof"));
    assertEquals(SessionLoop.FUSE_BUF_IS_FD, c.get("buf.is_fd"));
    assertEquals(LibfuseMount.ARGS_ARGC, c.get("args.argc"));
    assertEquals(LibfuseMount.ARGS_ARGV, c.get("args.argv"));
    assertEquals(LibfuseMount.ARGS_SIZEOF, c.get("args.sizeof"));
    assertEquals(16, c.get("timespec.sizeof"), "TimeSpec.at and utimens read two 8-byte fields");
    assertEquals(360, c.get("ops.sizeof"));
  }

  private static void checkStat(Map<String, Long> c, Stat.Layout l) {
    assertEquals(l.ino(), c.get("stat.st_ino"));
    assertEquals(l.mode(), c.get("stat.st_mode"));
    assertEquals(l.nlink(), c.get("stat.st_nlink"));
    assertEquals(l.nlinkIs64() ? 8 : 4, c.get("stat.nlink_size"));
    assertEquals(l.uid(), c.get("stat.st_uid"));
    assertEquals(l.gid(), c.get("stat.st_gid"));
    assertEquals(l.rdev(), c.get("stat.st_rdev"));
    assertEquals(l.size(), c.get("stat.st_size"));
    assertEquals(l.blksize(), c.get("stat.st_blksize"));
    assertEquals(l.blksizeIs64() ? 8 : 4, c.get("stat.blksize_size"));
    assertEquals(l.blocks(), c.get("stat.st_blocks"));
    assertEquals(l.atime(), c.get("stat.st_atim"));
    assertEquals(l.mtime(), c.get("stat.st_mtim"));
    assertEquals(l.ctime(), c.get("stat.st_ctim"));
    assertEquals(l.sizeof(), c.get("stat.sizeof"));
  }

  /** The jnr-ffi {@link FuseOperations} lays its members out where the compiler does. */
  private static void checkOperationsStruct(Map<String, Long> c) {
    FuseOperations ops = new FuseOperations(Runtime.getSystemRuntime());
    assertEquals(c.get("ops.sizeof"), Struct.size(ops));
    assertEquals(c.get("ops.flags_word"), ops.flags.offset());
    Map<String, Long> java = new LinkedHashMap<>();
    java.put("getattr", ops.getattr.offset());
    java.put("readlink", ops.readlink.offset());
    java.put("getdir", ops.getdir.offset());
    java.put("mknod", ops.mknod.offset());
    java.put("mkdir", ops.mkdir.offset());
    java.put("unlink", ops.unlink.offset());
    java.put("rmdir", ops.rmdir.offset());
    java.put("symlink", ops.symlink.offset());
    java.put("rename", ops.rename.offset());
    java.put("link", ops.link.offset());
    java.put("chmod", ops.chmod.offset());
    java.put("chown", ops.chown.offset());
    java.put("truncate", ops.truncate.offset());
    java.put("utime", ops.utime.offset());
    java.put("open", ops.open.offset());
    java.put("read", ops.read.offset());
    java.put("write", ops.write.offset());
    java.put("statfs", ops.statfs.offset());
    java.put("flush", ops.flush.offset());
    java.put("release", ops.release.offset());
    java.put("fsync", ops.fsync.offset());
    java.put("setxattr", ops.setxattr.offset());
    java.put("getxattr", ops.getxattr.offset());
    java.put("listxattr", ops.listxattr.offset());
    java.put("removexattr", ops.removexattr.offset());
    java.put("opendir", ops.opendir.offset());
    java.put("readdir", ops.readdir.offset());
    java.put("releasedir", ops.releasedir.offset());
    java.put("fsyncdir", ops.fsyncdir.offset());
    java.put("init", ops.init.offset());
    java.put("destroy", ops.destroy.offset());
    java.put("access", ops.access.offset());
    java.put("create", ops.create.offset());
    java.put("ftruncate", ops.ftruncate.offset());
    java.put("fgetattr", ops.fgetattr.offset());
    java.put("lock", ops.lock.offset());
    java.put("utimens", ops.utimens.offset());
    java.put("bmap", ops.bmap.offset());
    java.put("ioctl", ops.ioctl.offset());
    java.put("poll", ops.poll.offset());
    java.put("write_buf", ops.writeBuf.offset());
    java.put("read_buf", ops.readBuf.offset());
    java.put("flock", ops.flock.offset());
    java.put("fallocate", ops.fallocate.offset());
    for (Map.Entry<String, Long> e : java.entrySet()) {
      assertEquals(c.get("ops." + e.getKey()), e.getValue(), "offset of " + e.getKey());
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }
}
