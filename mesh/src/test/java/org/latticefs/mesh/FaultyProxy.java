package org.latticefs.mesh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 between one node and another's listener that breaks things the way a
 * network does, driven by a seeded random source so a failing run replays: connections cut at a
 * random point ({@link #setCutChance}), bytes held back for a random while ({@link
 * #setMaxDelayMs}), and partitions ({@link #setUp}: every connection cut, new ones closed on
 * arrival). TCP itself neither drops nor reorders bytes within a connection, so neither does this
 * proxy: loss shows as cuts and delay.
 */
final class FaultyProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final Random random;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean up = true;
  private volatile double cutChance;
  private volatile int maxDelayMs;
  private volatile boolean closed;

  FaultyProxy(int targetPort, long seed) throws IOException {
    this.target = targetPort;
    this.random = new Random(seed);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "proxy-" + server.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  HostPort address() {
    return new HostPort("127.0.0.1", server.getLocalPort());
  }

  /** Up: bytes flow. Down: a partition (open connections cut, new ones closed at once). */
  void setUp(boolean on) {
    up = on;
    if (!on) {
      cutAll();
    }
  }

  /** The chance that forwarding one chunk of bytes cuts its connection instead. */
  void setCutChance(double p) {
    cutChance = p;
  }

  void setMaxDelayMs(int ms) {
    maxDelayMs = ms;
  }

  private synchronized double nextDouble() {
    return random.nextDouble();
  }

  private synchronized int nextInt(int bound) {
    return bound <= 0 ? 0 : random.nextInt(bound);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket in = server.accept();
        if (!up) {
          in.close();
          continue;
        }
        Socket out = new Socket();
        try {
          out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
        } catch (IOException refused) {
          in.close();
          continue;
        }
        open.add(in);
        open.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        if (!closed) {
          cutAll();
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 << 10];
              try (InputStream i = from.getInputStream();
                  OutputStream o = to.getOutputStream()) {
                for (int n; (n = i.read(buf)) > 0; ) {
                  if (!up || nextDouble() < cutChance) {
                    break;
                  }
                  int d = nextInt(maxDelayMs);
                  if (d > 0) {
                    Thread.sleep(d);
                  }
                  o.write(buf, 0, n);
                  o.flush();
                }
              } catch (IOException | InterruptedException e) {
                // Cut: close both ends below.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void cutAll() {
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    cutAll();
  }
}
