package org.latticefs.fs;

/** The caller of an operation (from the FUSE request), for the owner of what it creates. */
public record Caller(int uid, int gid) {}
