package org.latticefs.mesh.peer;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.function.BiConsumer;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LAN discovery by mDNS/DNS-SD (JmDNS): announces this node as {@code {node
 * id}._lattice._tcp.local.} with its port and a TXT record {@code id={node id}}, and reports the
 * addresses of every other such service it resolves. What it reports is only where to dial: {@link
 * Discovery} grants no trust. JmDNS starts on a thread of its own (it probes the network for a few
 * seconds), so {@link #start} returns at once; a failure to start is logged and discovery stays
 * off.
 */
public final class MdnsDiscovery implements Discovery {
  private static final Logger LOG = LoggerFactory.getLogger(MdnsDiscovery.class);
  static final String TYPE = "_lattice._tcp.local.";

  private final InetAddress bind;
  private JmDNS jmdns;
  private boolean closed;

  /** Discovery on the interface {@code bind} (null: the one JmDNS picks). */
  public MdnsDiscovery(InetAddress bind) {
    this.bind = bind;
  }

  @Override
  public void start(NodeId me, int port, BiConsumer<NodeId, HostPort> found) {
    Thread t =
        new Thread(
            () -> {
              try {
                JmDNS j = bind == null ? JmDNS.create() : JmDNS.create(bind, me.toString());
                synchronized (this) {
                  if (closed) {
                    j.close();
                    return;
                  }
                  jmdns = j;
                }
                j.addServiceListener(TYPE, new Listener(j, me, found));
                j.registerService(
                    ServiceInfo.create(
                        TYPE, me.toString(), port, 0, 0, Map.of("id", me.toString())));
                LOG.info("mDNS: announcing {} on port {}", me, port);
              } catch (IOException | RuntimeException e) {
                LOG.warn("mDNS discovery is off: {}", e.toString());
              }
            },
            "mesh-mdns");
    t.setDaemon(true);
    t.start();
  }

  /** Turns resolved services into (node, address) reports. */
  private static final class Listener implements ServiceListener {
    private final JmDNS jmdns;
    private final NodeId me;
    private final BiConsumer<NodeId, HostPort> found;

    Listener(JmDNS jmdns, NodeId me, BiConsumer<NodeId, HostPort> found) {
      this.jmdns = jmdns;
      this.me = me;
      this.found = found;
    }

    @Override
    public void serviceAdded(ServiceEvent e) {
      jmdns.requestServiceInfo(e.getType(), e.getName(), 1000);
    }

    @Override
    public void serviceRemoved(ServiceEvent e) {}

    @Override
    public void serviceResolved(ServiceEvent e) {
      ServiceInfo info = e.getInfo();
      NodeId id;
      try {
        id = NodeId.parse(info.getPropertyString("id"));
      } catch (IllegalArgumentException bad) {
        LOG.debug("mDNS: ignoring {}: no node id", info.getName());
        return;
      }
      if (id.equals(me) || !id.toString().equalsIgnoreCase(info.getName())) {
        return;
      }
      for (InetAddress a : info.getInetAddresses()) {
        try {
          found.accept(id, new HostPort(a.getHostAddress().replaceAll("%.*$", ""), info.getPort()));
        } catch (IllegalArgumentException bad) {
          LOG.debug("mDNS: ignoring address {} of {}", a, id);
        }
      }
    }
  }

  @Override
  public void close() {
    JmDNS j;
    synchronized (this) {
      closed = true;
      j = jmdns;
      jmdns = null;
    }
    if (j != null) {
      try {
        j.unregisterAllServices();
        j.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing mDNS: {}", e.toString());
      }
    }
  }
}
