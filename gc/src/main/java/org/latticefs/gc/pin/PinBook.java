package org.latticefs.gc.pin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;

/**
 * Reads and writes one node's pins and its per-manifest presence in the root store (layout: {@link
 * PinKeys}). Every write of this node's pin keys goes through one book, under its lock, so a pin
 * removed while the reconciler fetches it is never marked {@code stored} again. Thread-safe.
 */
public final class PinBook {
  /** Presence value of a hash pin's manifest. */
  static final byte[] PINNED = "pinned".getBytes(StandardCharsets.UTF_8);

  private final Store root;
  private final String node;

  /**
   * @param root the root store
   * @param node this node's id in its text form
   */
  public PinBook(Store root, String node) {
    this.root = root;
    this.node = node;
  }

  public String node() {
    return node;
  }

  public Store root() {
    return root;
  }

  /**
   * Pins {@code target}: writes {@code pending} unless it is already pinned (then nothing is
   * written). Returns the pin as it is now. Durable when it returns.
   */
  public synchronized Pin add(PinTarget target) throws KvException {
    Optional<PinState> now = state(target);
    if (now.isPresent()) {
      return new Pin(target, now.get());
    }
    root.commit(List.of(new Op.Put(target.key(node), PinState.PENDING.bytes())));
    return new Pin(target, PinState.PENDING);
  }

  /**
   * Unpins {@code target} (its pin key and its presence go in one entry); returns false if it was
   * not pinned. Deletes no blob: what it kept becomes cache (or garbage, if nothing else keeps it).
   */
  public synchronized boolean remove(PinTarget target) throws KvException {
    if (state(target).isEmpty()) {
      return false;
    }
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.Delete(target.key(node)));
    if (target instanceof PinTarget.Manifest m
        && root.get(PinKeys.presence(m.ref(), node)).isPresent()) {
      ops.add(new Op.Delete(PinKeys.presence(m.ref(), node)));
    }
    root.commit(ops);
    return true;
  }

  /**
   * Marks {@code target} {@code stored} (and, for a hash pin, writes its presence) in one entry, if
   * it is still pinned and not already stored. Returns whether it is pinned and stored now.
   */
  public synchronized boolean markStored(PinTarget target) throws KvException {
    Optional<PinState> now = state(target);
    if (now.isEmpty()) {
      return false;
    }
    if (now.get() == PinState.STORED) {
      return true;
    }
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.Put(target.key(node), PinState.STORED.bytes()));
    if (target instanceof PinTarget.Manifest m) {
      ops.add(new Op.Put(PinKeys.presence(m.ref(), node), PINNED));
    }
    root.commit(ops);
    return true;
  }

  /** The pin's state, empty if {@code target} is not pinned here. */
  public Optional<PinState> state(PinTarget target) throws KvException {
    Optional<byte[]> v = root.get(target.key(node));
    return v.flatMap(PinState::parse);
  }

  /** Receives one pin. */
  @FunctionalInterface
  public interface PinSink {
    void pin(Pin pin) throws java.io.IOException;
  }

  /**
   * Hands every pin of this node to {@code sink}, in key order, one page at a time (no list of them
   * all is kept). Keys that do not parse as pins are skipped.
   */
  public void forEach(PinSink sink) throws java.io.IOException {
    KeyPages.forEach(
        root,
        PinKeys.pins(node),
        kv -> {
          Optional<PinTarget> t = PinKeys.parse(node, kv.key());
          Optional<PinState> s = PinState.parse(kv.value());
          if (t.isPresent() && s.isPresent()) {
            sink.pin(new Pin(t.get(), s.get()));
          }
        });
  }

  /** Every pin of this node (for listings; the collector streams with {@link #forEach}). */
  public List<Pin> list() throws java.io.IOException {
    List<Pin> out = new ArrayList<>();
    forEach(out::add);
    return out;
  }
}
