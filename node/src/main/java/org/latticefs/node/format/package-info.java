/**
 * The data directory's format version and the migrations between versions.
 *
 * <h2>Stamp</h2>
 *
 * {@code $LATTICE_HOME/FORMAT} ({@link org.latticefs.node.format.FormatStamp}): {@code format=N}.
 * No stamp means format 1, what every build before the stamp wrote.
 *
 * <h2>Migration</h2>
 *
 * One step ({@link org.latticefs.node.format.Migration}) per change, listed in {@link
 * org.latticefs.node.format.Migrations}, run by {@link
 * org.latticefs.node.format.DataDirFormat#prepare} before anything opens the directory. A stamp
 * newer than this build knows is refused, nothing touched.
 */
package org.latticefs.node.format;
