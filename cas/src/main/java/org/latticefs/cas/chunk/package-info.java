/**
 * Files as chunks: content-defined chunking, manifests, ingest and random-access reads.
 *
 * <h2>Chunk</h2>
 *
 * A piece of a file, cut where the content says (FastCDC, {@link org.latticefs.cas.chunk.Chunker}),
 * stored as one blob. Identical content cuts identically, so it is stored once; an edit changes
 * only the chunks next to it.
 *
 * <h2>Manifest</h2>
 *
 * The ordered (ref, length) list of a file's chunks, itself a blob ({@link
 * org.latticefs.cas.chunk.Manifest}). Long lists become a tree: interior nodes list child manifests
 * with their byte lengths, grouped by content ({@link org.latticefs.cas.chunk.ManifestShape}). A
 * file's identity is its root manifest ref.
 *
 * <h2>Hole</h2>
 *
 * A run of zero bytes a manifest lists by its length alone ({@link org.latticefs.cas.chunk.Hole}):
 * never chunked, hashed or stored, read without I/O. A sparse file costs what it holds ({@link
 * org.latticefs.cas.chunk.ManifestReader#storedBytes()}). A hole ends a run of data as the end of a
 * file does, so each stretch of data between holes is cut on its own. Chunks and holes together are
 * a file's extents ({@link org.latticefs.cas.chunk.Extent}).
 *
 * <h2>Ingest</h2>
 *
 * Content in, root ref out ({@link org.latticefs.cas.chunk.FileIngester}): streaming, bounded
 * memory, one durable batch; {@code reingest} re-reads only the region around an edit. An {@link
 * org.latticefs.cas.chunk.IngestSession} ingests content while it is still being written (told how
 * much is final, and where holes are appended), with the same result as an ingest of the finished
 * content; {@code FileIngester.appendHole} extends a stored version by a hole without reading it.
 *
 * <h2>Read</h2>
 *
 * {@link org.latticefs.cas.chunk.ManifestReader}: size, positional reads, the chunk listing, and
 * the walk over every blob a tree reaches (for pinning and GC). It fetches through a {@link
 * org.latticefs.cas.BlobFetcher} only.
 */
package org.latticefs.cas.chunk;
