/**
 * Native cryptography node hands to the modules below it.
 *
 * <h2>Engine</h2>
 *
 * An {@link org.latticefs.kv.Ed25519Engine}: the arithmetic kv signs and verifies with. kv judges
 * every signature by one rule ({@link org.latticefs.kv.Signatures}); an engine only makes that
 * faster. {@link org.latticefs.node.crypto.SodiumEd25519} is libsodium's.
 */
package org.latticefs.node.crypto;
