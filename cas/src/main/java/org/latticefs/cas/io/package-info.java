/**
 * File primitives every module that keeps files shares: {@link org.latticefs.cas.io.AtomicFile}
 * (replace a small file so that a crash leaves the old or the new content). kv may use this package
 * as it uses {@code cas.hash}: both are below every module.
 */
package org.latticefs.cas.io;
