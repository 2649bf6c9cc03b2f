package org.latticefs.node.config;

/**
 * Configures slf4j-simple before the first logger exists: quiet ({@code warn}) by default, {@code
 * debug} with {@code -v}/{@code --verbose}, or the level named by the {@code LATTICE_LOG_LEVEL}
 * environment variable. Must run before any class creates a logger.
 */
public final class Logging {
  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private Logging() {}

  public static void configure(String[] args) {
    String level = System.getenv("LATTICE_LOG_LEVEL");
    for (String a : args) {
      if (a.equals("--")) {
        break;
      }
      if (a.equals("-v") || a.equals("--verbose")) {
        level = "debug";
      }
    }
    setLevel(level == null || level.isBlank() ? "warn" : level);
    setIfAbsent(PREFIX + "logFile", "System.err");
    setIfAbsent(PREFIX + "showDateTime", "true");
    setIfAbsent(PREFIX + "dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    setIfAbsent(PREFIX + "showShortLogName", "true");
    // Xodus and jnr are chatty at info.
    setIfAbsent(PREFIX + "log.jetbrains.exodus", "warn");
  }

  /** Sets the default level; effective only for loggers created afterwards. */
  public static void setLevel(String level) {
    System.setProperty(PREFIX + "defaultLogLevel", level.trim().toLowerCase(java.util.Locale.ROOT));
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
