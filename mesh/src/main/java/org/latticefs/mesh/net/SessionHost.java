package org.latticefs.mesh.net;

import org.latticefs.kv.NodeId;
import org.latticefs.mesh.wire.Message;

/**
 * What a {@link Session} asks of the node it belongs to. Called on the session's event loop: every
 * method returns at once (blocking work goes elsewhere).
 */
public interface SessionHost {
  /** This node's id. */
  NodeId me();

  /** This node's hello (versions, name, capabilities, addresses; no invite). */
  Message.Hello hello();

  /**
   * Whether a peer that connected to this node, proved {@code peer}'s key and said {@code hello},
   * may exchange store data: an active member, or a node bringing a valid invite (which this call
   * redeems and makes active before it completes with {@link Admission.Admitted}). Completes on
   * another thread when that needs the disk.
   */
  java.util.concurrent.CompletionStage<Admission> admitInbound(NodeId peer, Message.Hello hello);

  /**
   * Whether a peer this node dialed may exchange store data: an active member, or the node a join
   * dialed (then {@code joining}, and this call makes it active here before it completes with
   * {@link Admission.Admitted}).
   */
  java.util.concurrent.CompletionStage<Admission> admitOutbound(
      NodeId peer, Message.Hello hello, boolean joining);

  /** Whether {@code peer} is still active here (checked for every message it sends). */
  boolean stillActive(NodeId peer);

  /** The session is admitted both ways: store data may flow. */
  void up(Session session);

  /** A store message from an admitted peer. */
  void received(Session session, Message message);

  /** The session's channel became writable again (or not). */
  void writabilityChanged(Session session);

  /** The session closed (called once, also for sessions that never came up). */
  void down(Session session);
}
