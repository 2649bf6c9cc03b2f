package org.latticefs.fs.fuse.kernel;

/** Who made a request: the calling process's effective user and group ids and its process id. */
public record Caller(int uid, int gid, int pid) {}
