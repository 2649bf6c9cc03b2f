package org.latticefs.mesh.wire;

/** The codes of {@link Message.Error}: why a peer closes a connection. */
public final class ErrorCode {
  private ErrorCode() {}

  /** No protocol version in common. */
  public static final int VERSION = 1;

  /** The peer's key is not active in this node's root store, and it brought no valid invite. */
  public static final int NOT_A_MEMBER = 2;

  /** The invite secret is unknown, already used, or expired (the message says which). */
  public static final int INVITE = 3;

  /** The peer's key is revoked here. */
  public static final int REVOKED = 4;

  /** The peer broke the protocol. */
  public static final int PROTOCOL = 5;

  /** Another connection with the same peer is kept instead of this one. */
  public static final int DUPLICATE = 6;

  /** The node is shutting down. */
  public static final int SHUTDOWN = 7;

  /** The node could not do what the peer asked (the message says why). */
  public static final int INTERNAL = 8;

  /** A short name for logs and messages. */
  public static String name(int code) {
    return switch (code) {
      case VERSION -> "no common protocol version";
      case NOT_A_MEMBER -> "not a member";
      case INVITE -> "invite refused";
      case REVOKED -> "revoked";
      case PROTOCOL -> "protocol error";
      case DUPLICATE -> "duplicate connection";
      case SHUTDOWN -> "shutting down";
      case INTERNAL -> "internal error";
      default -> "error " + code;
    };
  }
}
