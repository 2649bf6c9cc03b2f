/** The mesh: authenticated peer connections and log sync. */
package org.latticefs.mesh;
