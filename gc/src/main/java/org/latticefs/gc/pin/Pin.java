package org.latticefs.gc.pin;

/** One pin of this node and its state as the root store holds it. */
public record Pin(PinTarget target, PinState state) {}
