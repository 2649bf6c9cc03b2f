package org.latticefs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A registry's scrape in the Prometheus text format, and one series' value in it. */
final class Scrapes {
  private Scrapes() {}

  static String scrape(PrometheusRegistry r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, r.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The value of {@code series} (name and labels as scraped), asserted present. */
  static double value(String scrape, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE)
            .matcher(scrape);
    assertTrue(m.find(), series + " in\n" + scrape);
    return Double.parseDouble(m.group(1));
  }
}
