/**
 * The control channel between {@code lattice-fs} commands and a running daemon.
 *
 * <h2>Socket</h2>
 *
 * A Unix domain socket {@code control.sock} in the data directory, reachable only by its owner.
 *
 * <h2>Frame</h2>
 *
 * A 4-byte big-endian length and a UTF-8 JSON object ({@link org.latticefs.node.control.Frames}),
 * size-limited on read and on write. {@link org.latticefs.node.control.Json} is the bounded JSON
 * codec; {@link org.latticefs.node.control.Wire} the JSON form of each record.
 *
 * <h2>Server</h2>
 *
 * {@link org.latticefs.node.control.ControlServer} accepts connections (a thread each, timeouts,
 * connection limits); {@link org.latticefs.node.control.RequestHandler} answers one request by
 * calling the node.
 */
package org.latticefs.node.control;
