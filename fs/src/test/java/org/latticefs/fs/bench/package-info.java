/** Benchmark programs for the filesystem (run by hand, never by surefire). */
package org.latticefs.fs.bench;
