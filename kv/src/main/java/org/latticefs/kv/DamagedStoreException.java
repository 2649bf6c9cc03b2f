package org.latticefs.kv;

/**
 * A store refused to open because a file it needs is damaged or missing ({@link #damage()} says
 * which and why). Nothing was modified: the store opens again once the file is restored.
 */
public class DamagedStoreException extends KvException {
  private final transient StoreDamage damage;

  public DamagedStoreException(StoreDamage damage) {
    super(damage.describe());
    this.damage = damage;
  }

  public DamagedStoreException(StoreDamage damage, Throwable cause) {
    super(damage.describe(), cause);
    this.damage = damage;
  }

  /** What is damaged. */
  public StoreDamage damage() {
    return damage;
  }
}
