package org.latticefs.kv.sync;

/** What {@link Replica#ingest} did with one entry. */
public sealed interface IngestOutcome
    permits IngestOutcome.Applied,
        IngestOutcome.Duplicate,
        IngestOutcome.Orphaned,
        IngestOutcome.Rejected {
  /** Validated, appended to its author's log (durable) and applied to the state. */
  record Applied() implements IngestOutcome {}

  /** Already in its author's log: nothing changed. */
  record Duplicate() implements IngestOutcome {}

  /**
   * Valid so far, but its predecessor is missing: held in the orphan buffer until the gap fills
   * (then applied) or its time to live runs out (then dropped). Not durable: a peer resends it.
   */
  record Orphaned() implements IngestOutcome {}

  /** Refused for {@code reason}; nothing changed (except a recorded equivocation proof). */
  record Rejected(String reason) implements IngestOutcome {}

  IngestOutcome APPLIED = new Applied();
  IngestOutcome DUPLICATE = new Duplicate();
  IngestOutcome ORPHANED = new Orphaned();
}
