package org.latticefs.node;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the daemon is doing, as {@code sd_notify(3)} does: one datagram per message to
 * the unix socket named by {@code $NOTIFY_SOCKET} (a path, or {@code @name} in the abstract
 * namespace). The unit is {@code Type=notify}: {@code READY=1} once the mount answers and
 * everything the daemon starts is running, {@code STOPPING=1} when it begins to unmount.
 *
 * <h2>Why a native call</h2>
 *
 * Java 17 has unix stream sockets but no unix datagram socket, and systemd reads the notify socket
 * as datagrams (with the sender's credentials, which is how it checks {@code NotifyAccess=main}).
 * So this calls libc's {@code socket}/{@code sendto}/{@code close} through jnr-ffi, which the build
 * has already (fs's libfuse binding). The alternative, {@code systemd-notify --ready} run from the
 * launcher, cannot know when the JVM is ready, and its messages come from a short-lived child pid,
 * which needs {@code NotifyAccess=all} and is racy on older systemd.
 *
 * <p>Without {@code $NOTIFY_SOCKET} (not under systemd, or {@code Type=simple}) every call does
 * nothing. A message that cannot be sent is logged and reported as false; it never throws, and the
 * daemon runs on (systemd then times the start out, which says loudly that something is wrong).
 * Thread-safe.
 */
public final class SystemdNotify {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;

  /** {@code sizeof(sun_path)} on Linux. */
  static final int MAX_PATH = 108;

  /** libc's calls used here. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    @SaveError
    @ssize_t
    long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

    int close(int fd);
  }

  private static final class Loaded {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final byte[] address;
  private final String socket;

  private SystemdNotify(String socket, byte[] address) {
    this.socket = socket;
    this.address = address;
  }

  /**
   * The notifier {@code env} asks for: to {@code NOTIFY_SOCKET} if set and usable, else one that
   * does nothing (a malformed value is logged).
   */
  public static SystemdNotify fromEnvironment(Map<String, String> env) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return new SystemdNotify(null, null);
    }
    byte[] addr = sockaddr(socket);
    if (addr == null) {
      LOG.warn(
          "NOTIFY_SOCKET={} is not a socket path or @name (at most {} bytes): systemd is not told"
              + " when the mount is ready",
          socket,
          MAX_PATH - 1);
      return new SystemdNotify(null, null);
    }
    return new SystemdNotify(socket, addr);
  }

  /** Whether messages go anywhere. */
  public boolean enabled() {
    return address != null;
  }

  /** {@code READY=1} with a status line. */
  public boolean ready(String status) {
    return send("READY=1\nSTATUS=" + status + "\n");
  }

  /** {@code STOPPING=1} with a status line. */
  public boolean stopping(String status) {
    return send("STOPPING=1\nSTATUS=" + status + "\n");
  }

  /**
   * Sends {@code message} (newline-separated {@code KEY=VALUE} lines) as one datagram. Returns
   * false, having logged why, if it could not be sent; true if sent or if not under systemd.
   */
  public boolean send(String message) {
    if (address == null) {
      return true;
    }
    byte[] msg = message.getBytes(StandardCharsets.UTF_8);
    LibC libc;
    try {
      libc = Loaded.LIBC;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("cannot tell systemd ({}): libc not loaded: {}", firstLine(message), e.toString());
      return false;
    }
    int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      LOG.warn("cannot tell systemd ({}): no socket", firstLine(message));
      return false;
    }
    try {
      long sent = libc.sendto(fd, msg, msg.length, MSG_NOSIGNAL, address, address.length);
      if (sent != msg.length) {
        int errno = jnr.ffi.Runtime.getRuntime(libc).getLastError();
        LOG.warn("cannot tell systemd ({}) at {}: errno {}", firstLine(message), socket, errno);
        return false;
      }
      return true;
    } finally {
      libc.close(fd);
    }
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /**
   * A {@code struct sockaddr_un} for {@code socket} as long as it needs to be (family, then the
   * path with its NUL, or a NUL and the abstract name without one), or null if it is neither an
   * absolute path nor {@code @name}, or too long.
   */
  static byte[] sockaddr(String socket) {
    byte[] name = socket.getBytes(StandardCharsets.UTF_8);
    boolean isAbstract = socket.startsWith("@");
    if (!isAbstract && !socket.startsWith("/")) {
      return null;
    }
    if (name.length > MAX_PATH - 1 || name.length < 2 || socket.indexOf('\0') >= 0) {
      return null;
    }
    int pathBytes = isAbstract ? name.length : name.length + 1;
    ByteBuffer b = ByteBuffer.allocate(2 + pathBytes).order(ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    if (isAbstract) {
      b.put((byte) 0).put(name, 1, name.length - 1);
    } else {
      b.put(name).put((byte) 0);
    }
    return b.array();
  }
}
