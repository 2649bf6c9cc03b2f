/**
 * Benchmark programs for the filesystem: Lattice's mount against bindfs ({@code FsBench}, {@code
 * CreateBench}), an edit's cost ({@code EditBench}), the byte-name binding against jnr-fuse ({@code
 * BindingBench}); and the measuring sticks they mount, each a tree served by a binding: {@code
 * MemoryTree} (in memory) and {@code PassthroughTree} (java.nio onto a directory), served through
 * jnr-fuse by {@code MemoryFs} and {@code PassthroughFs} and through jfuse by bench/jfuse.
 */
package org.latticefs.bench.fs;
