package org.latticefs.mesh.wire;

/**
 * A peer sent bytes that break the protocol: a malformed or oversized frame, an unknown message, a
 * message out of turn. The connection is closed; nothing it carried is used.
 */
public class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message);
  }
}
