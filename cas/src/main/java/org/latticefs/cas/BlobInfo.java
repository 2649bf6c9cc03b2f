package org.latticefs.cas;

/** A blob's ref and its size in bytes. */
public record BlobInfo(BlobRef ref, long size) {}
