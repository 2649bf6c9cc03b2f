package org.latticefs.bench;

import java.util.Arrays;
import java.util.List;

/** The median of a round's figures (the mean of the middle two for an even count). */
public final class Median {
  private Median() {}

  public static double of(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static double of(List<Double> xs) {
    return of(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
