/**
 * File content on its way to and from cas: what an open file holds until it is committed, how it
 * becomes a stored version, and how stored versions are read. Data flows one way: writers hand
 * bytes down to cas (pushed, or as a read-only view) and get a manifest back; nothing in cas calls
 * back into an open file.
 *
 * <h2>Version</h2>
 *
 * A stored file content: inline bytes (small files), a cas manifest, or nothing (empty). Immutable.
 *
 * <h2>Writer</h2>
 *
 * A {@link org.latticefs.fs.content.ContentWriter}: the content of one open file since its last
 * commit. {@link org.latticefs.fs.content.StagedWriter} keeps writes at their offsets over a base
 * version and re-ingests around the change at commit; {@link
 * org.latticefs.fs.content.StreamingWriter} wraps it and streams long in-order runs to a background
 * ingest while they are written.
 *
 * <h2>Staging</h2>
 *
 * Per open file, the written bytes at their own offsets: in memory for small files, else a sparse
 * local file. Not durable: only a commit is.
 *
 * <h2>Base and checkpoint</h2>
 *
 * The version a writer's staged bytes lie over: the committed one, or a checkpoint, a version a
 * long streamed run stored in cas before its commit (every GiB, and before its bytes are needed) so
 * that staging never holds more than about that much of a file.
 *
 * <h2>Run and session</h2>
 *
 * A run is a stretch of in-order writes from the end of the base; past its first 8 MiB its bytes
 * are pushed to an ingest session (cas's {@code IngestSession}) that chunks, hashes and stores them
 * in the background.
 *
 * <h2>Reader and stream</h2>
 *
 * A {@link org.latticefs.fs.content.ContentReader} reads one stored version; it tells sequential
 * streams (whole chunks, fetched ahead) from random reads (only the bytes asked for).
 */
package org.latticefs.fs.content;
