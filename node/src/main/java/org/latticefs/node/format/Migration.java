package org.latticefs.node.format;

import java.io.IOException;
import java.util.Objects;
import org.latticefs.node.config.DataDir;

/**
 * One step that brings a data directory to format {@code toVersion} from the version before it.
 *
 * <h2>Contract for a step's action</h2>
 *
 * It runs with the data directory closed (no stores, blob store or mount open in any process; the
 * format lock held), after every step of lower versions has completed and been stamped. It must be
 * idempotent: a crash after it ran but before the new version was stamped runs it again. It must
 * not lose data: rewrite with a temp file and an atomic rename, and delete what it replaced only
 * after the replacement is durable. If it throws, the directory stays stamped at the version
 * before, and the error reaches the user.
 *
 * @param toVersion the version this step produces, at least 2
 * @param description what it changes, for the log ("kv: keys as bytes")
 * @param action what it does; a step that only marks the new version has an action that does
 *     nothing
 */
public record Migration(int toVersion, String description, Action action) {
  /** The work of one step. */
  @FunctionalInterface
  public interface Action {
    void apply(DataDir dir) throws IOException;
  }

  public Migration {
    if (toVersion < 2) {
      throw new IllegalArgumentException("format 1 is the first; steps produce 2 or later");
    }
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(action, "action");
  }
}
