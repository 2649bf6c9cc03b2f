package org.latticefs.mesh.net;

/** Whether a peer that proved its key may go on: {@link Admitted}, or {@link Refused} and why. */
public sealed interface Admission permits Admission.Admitted, Admission.Refused {
  /** The peer may exchange store data. */
  record Admitted() implements Admission {}

  /**
   * The peer is refused: {@code code} ({@link org.latticefs.mesh.wire.ErrorCode}) and a message for
   * its user.
   */
  record Refused(int code, String message) implements Admission {}

  Admission ADMITTED = new Admitted();
}
