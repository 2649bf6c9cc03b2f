package org.latticefs.kv.state;

import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;

/** The last entry of one author applied to the state. */
public record AppliedTip(long seq, BlobRef hash, Hlc hlc) {}
