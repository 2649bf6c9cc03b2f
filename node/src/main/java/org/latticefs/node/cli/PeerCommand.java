package org.latticefs.node.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.node.NodeApi.JoinRow;
import org.latticefs.node.NodeApi.LagRow;
import org.latticefs.node.NodeApi.PeerRow;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs peer …}: the nodes this one syncs with, and whom it trusts. */
@Command(
    name = "peer",
    description =
        "Invite, join, list, add, revoke and forget peers (other nodes that share the stores).",
    subcommands = {
      PeerCommand.Invite.class,
      PeerCommand.Join.class,
      PeerCommand.Ls.class,
      PeerCommand.Add.class,
      PeerCommand.Revoke.class,
      PeerCommand.Forget.class
    })
final class PeerCommand extends Base {
  @Override
  int run() {
    spec.commandLine().usage(cli().err());
    return LatticeCommand.USAGE;
  }

  @Command(
      name = "invite",
      description = {
        "Print a one-time invite line for another node: run 'lattice-fs peer join LINE' there.",
        "The line names this node, its addresses and a secret that admits one node until it"
            + " expires. Needs the running daemon."
      })
  static final class Invite extends Base {
    @Option(
        names = "--ttl",
        paramLabel = "SECONDS",
        description = "How long the invite is valid (default: 86400, a day).")
    long ttl;

    @Override
    int run() throws Exception {
      if (ttl < 0) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--ttl must be positive");
      }
      out().println(cli().daemon(dataDir()).invite(ttl));
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "join",
      description = {
        "Join the node that printed LINE ('peer invite' there): both nodes prove their keys,"
            + " trust each other and start syncing every store. Needs the running daemon."
      })
  static final class Join extends Base {
    @Mixin JsonOption json;

    @Parameters(paramLabel = "LINE", description = "The whole line 'peer invite' printed.")
    String line;

    @Override
    int run() throws Exception {
      JoinRow j = cli().daemon(dataDir()).join(line);
      if (json.json) {
        printJson(Wire.joined(j));
      } else {
        out().println("joined " + j.id() + " (" + j.name() + ") at " + j.via());
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "ls",
      description = "List peers: name, trust, connected, last seen, lag per store.")
  static final class Ls extends Base {
    @Mixin JsonOption json;

    @Override
    int run() throws Exception {
      List<PeerRow> peers = node().peers();
      if (json.json) {
        List<Object> l = new ArrayList<>();
        for (PeerRow p : peers) {
          l.add(Wire.peer(p));
        }
        printJson(l);
        return LatticeCommand.OK;
      }
      if (peers.isEmpty()) {
        out().println("no peers (invite one: lattice-fs peer invite)");
      }
      for (PeerRow p : peers) {
        out()
            .println(
                (p.name().isEmpty() ? "(unnamed)" : p.name())
                    + "  "
                    + p.id()
                    + "  "
                    + p.status()
                    + "  "
                    + (p.connected() ? "connected " + p.remote() : "not connected")
                    + "  last seen "
                    + (p.lastSeenMillis() == 0
                        ? "never (since start)"
                        : Instant.ofEpochMilli(p.lastSeenMillis()).toString())
                    + (p.rttMicros() >= 0 ? "  rtt " + p.rttMicros() / 1000.0 + " ms" : ""));
        for (LagRow l : p.stores()) {
          out()
              .println(
                  "    "
                      + l.store()
                      + "  "
                      + (l.peerLacks() < 0
                          ? "comparing"
                          : l.peerLacks() == 0 && l.weLack() == 0
                              ? "in sync"
                              : "peer lacks " + l.peerLacks() + ", we lack " + l.weLack()));
        }
        if (!p.addrs().isEmpty()) {
          out().println("    addresses " + String.join(", ", p.addrs()));
        }
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "add",
      description = {
        "Trust node ID (the key you typed, as printed by 'lattice-fs id' there) and dial it at"
            + " ADDR (HOST:PORT). The other node must add this one too before they connect."
      })
  static final class Add extends Base {
    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1", paramLabel = "ADDR")
    String addr;

    @Override
    int run() throws Exception {
      node().addPeer(id, addr);
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "revoke",
      description = {
        "Revoke node ID: it is refused from now on by every node that learns it (the root store"
            + " spreads it), and its live connection is cut at once."
      })
  static final class Revoke extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run() throws Exception {
      if (!node().revoke(id)) {
        cli()
            .err()
            .println("lattice-fs: note: " + id + " was not known here; it is revoked anyway");
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "forget",
      description = {
        "Forget node ID as a holder of copies, at once: cache eviction here no longer counts its"
            + " copies (it keeps what only that node held) until ID connects again. ID stays a"
            + " member (see revoke). A node unseen for mesh.forget_after (30d) is forgotten"
            + " without this."
      })
  static final class Forget extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run() throws Exception {
      node().forget(id);
      return LatticeCommand.OK;
    }
  }
}
