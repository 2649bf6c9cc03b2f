package org.latticefs.fs;

/** One directory entry; {@code nextOffset} is what to pass to continue the listing after it. */
public record DirEntry(String name, long nextOffset) {}
