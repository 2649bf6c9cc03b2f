package org.latticefs.fs.fuse.kernel;

/**
 * What the kernel and the binding agreed at INIT: the protocol minor version the kernel speaks, the
 * largest write request, and whether readdirplus is on.
 */
public record KernelConnection(int kernelMinor, int maxWrite, boolean readdirplus) {}
