/**
 * Per-author signed logs (SigChains).
 *
 * <h2>Entry</h2>
 *
 * {@link org.latticefs.kv.log.Entry}: one author's {@code seq}-th record for one store, with its
 * canonical binary encoding. {@link org.latticefs.kv.log.KeyParents}: the heads of one key an entry
 * supersedes.
 *
 * <h2>Signed entry</h2>
 *
 * {@link org.latticefs.kv.log.SignedEntry}: an entry, its encoding, its hash (BLAKE3 of the
 * encoding) and its author's Ed25519 signature; the unit of storage and sync.
 *
 * <h2>Chain</h2>
 *
 * The entries of one author in one store, seq 1, 2, 3…, each naming the hash of the one before
 * ({@link org.latticefs.kv.log.Entry#GENESIS} for the first). {@link
 * org.latticefs.kv.log.ChainTip}: its last entry. {@link org.latticefs.kv.log.ChainLog}: a chain a
 * store keeps, in a file ({@link org.latticefs.kv.log.SigChainLog}) or in memory ({@link
 * org.latticefs.kv.log.MemoryChainLog}).
 *
 * <h2>Acknowledged mark</h2>
 *
 * How much of a log file is fsynced and verified, kept beside it ({@code VerifiedCheckpoint}): only
 * what lies after it can be a torn tail; damage before it is corruption ({@link
 * org.latticefs.kv.log.CorruptLogException}), and open skips verifying the signatures it covers.
 */
package org.latticefs.kv.log;
