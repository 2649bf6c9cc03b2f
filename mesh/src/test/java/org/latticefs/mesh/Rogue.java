package org.latticefs.mesh;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.mesh.net.Admission;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.net.SessionHost;
import org.latticefs.mesh.net.Transport;
import org.latticefs.mesh.tls.TlsContexts;
import org.latticefs.mesh.wire.Message;

/**
 * A peer that speaks the protocol but follows no rule of sync: it connects with its own key, sends
 * whatever a test tells it to (forged, replayed or equivocating entries), and records everything it
 * receives, so a test can check that an honest node sent it nothing it should not have.
 */
final class Rogue implements SessionHost, AutoCloseable {
  final Identity identity = Identity.generate(new SecureRandom());
  final List<Message> received = new CopyOnWriteArrayList<>();
  private final Transport transport;
  volatile Session session;

  Rogue() throws Exception {
    transport = new Transport(new TlsContexts(identity), this, 1);
  }

  NodeId id() {
    return identity.id();
  }

  /** Connects to {@code node} at {@code at}; returns the admitted session (or throws why not). */
  Session connect(NodeId node, HostPort at, byte[] invite) throws Exception {
    try {
      return transport.dial(node, at, invite).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  void send(Message m) throws Exception {
    session.send(m).sync();
  }

  /** Store data received: anything but handshake and keep-alive messages. */
  List<Message> storeData() {
    return received.stream()
        .filter(
            m ->
                m instanceof Message.Tips
                    || m instanceof Message.Entries
                    || m instanceof Message.Proof)
        .toList();
  }

  /**
   * An entry of {@code store} by this rogue, seq {@code seq} after {@code prev}, putting key=value.
   */
  SignedEntry entry(UUID store, long seq, BlobRef prev, String key, String value) {
    Entry e =
        new Entry(
            store,
            id(),
            seq,
            prev,
            new Hlc(System.currentTimeMillis(), (int) seq),
            List.of(new KeyParents(key, List.of())),
            List.of(Op.Put.utf8(key, value)));
    return SignedEntry.sign(e, identity);
  }

  static Message.Entries batch(UUID store, long id, SignedEntry... entries) {
    return new Message.Entries(
        store, id, java.util.Arrays.stream(entries).map(SignedEntry::toWire).toList());
  }

  @Override
  public NodeId me() {
    return id();
  }

  @Override
  public Message.Hello hello() {
    return new Message.Hello(1, 1, "rogue", List.of("logs/1"), List.of(), new byte[0]);
  }

  @Override
  public CompletionStage<Admission> admitInbound(NodeId peer, Message.Hello hello) {
    return CompletableFuture.completedFuture(Admission.ADMITTED);
  }

  @Override
  public CompletionStage<Admission> admitOutbound(
      NodeId peer, Message.Hello hello, boolean joining) {
    return CompletableFuture.completedFuture(Admission.ADMITTED);
  }

  @Override
  public boolean stillActive(NodeId peer) {
    return true;
  }

  @Override
  public void up(Session s) {
    session = s;
  }

  @Override
  public void received(Session s, Message m) {
    received.add(m);
  }

  @Override
  public void writabilityChanged(Session s) {}

  @Override
  public void down(Session s) {}

  @Override
  public void close() {
    transport.close();
  }

  static Duration timeout() {
    return Duration.ofSeconds(30);
  }
}
