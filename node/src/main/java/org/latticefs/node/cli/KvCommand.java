package org.latticefs.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.log.Entry;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeApi.EntryRow;
import org.latticefs.node.NodeApi.HeadRow;
import org.latticefs.node.NodeApi.OpRow;
import org.latticefs.node.NodeApi.Row;
import org.latticefs.node.NodeException;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs kv …}: read and write keys of a store. */
@Command(
    name = "kv",
    description = "Read and write keys of a store (the root store unless --store is given).",
    subcommands = {
      KvCommand.Put.class,
      KvCommand.Get.class,
      KvCommand.Rm.class,
      KvCommand.Ls.class,
      KvCommand.Heads.class,
      KvCommand.History.class
    })
final class KvCommand extends Base {
  @Override
  int run() {
    spec.commandLine().usage(cli().err());
    return LatticeCommand.USAGE;
  }

  /** The most bytes one value holds (kv's limit, checked here before anything is sent). */
  static final int MAX_VALUE_BYTES = Entry.MAX_VALUE_BYTES;

  private static boolean endsWithoutNewline(byte[] v) {
    return v.length > 0 && v[v.length - 1] != '\n';
  }

  /** Valid UTF-8 without control characters other than tab, newline and carriage return. */
  static boolean isText(byte[] v) {
    return textOrNull(v) != null;
  }

  private static String textOrNull(byte[] v) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(v))
              .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
    boolean control =
        text.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f);
    return control ? null : text;
  }

  /** Keys are absolute paths: a usage error otherwise. */
  static String checkKey(Base cmd, String key) {
    if (!key.startsWith("/")) {
      throw new ParameterException(
          cmd.spec.commandLine(), "keys start with '/': did you mean '/" + key + "'?");
    }
    return key;
  }

  /**
   * A value for a one-line text listing: UTF-8 text with backslash, newline, carriage return and
   * tab escaped; anything else (invalid UTF-8, other control bytes) as {@code 0x} and hex, cut at
   * 64 bytes.
   */
  static String oneLine(byte[] v) {
    String text = textOrNull(v);
    if (text != null) {
      return text.replace("\\", "\\\\")
          .replace("\n", "\\n")
          .replace("\r", "\\r")
          .replace("\t", "\\t");
    }
    int n = Math.min(v.length, 64);
    return "0x"
        + java.util.HexFormat.of().formatHex(v, 0, n)
        + (v.length > n ? "... (" + v.length + " bytes)" : "");
  }

  @Command(
      name = "put",
      description = {
        "Set KEY to VALUE (UTF-8 text; without VALUE, the bytes of stdin).",
        "A value holds at most 1 MiB (1048576 bytes)."
      })
  static final class Put extends Base {
    @Mixin StoreOption store;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1")
    String value;

    @Override
    int run() throws IOException {
      checkKey(this, key);
      byte[] v;
      if (value != null) {
        v = value.getBytes(StandardCharsets.UTF_8);
        if (v.length > MAX_VALUE_BYTES) {
          throw tooLarge(key, v.length + " bytes");
        }
      } else {
        // Never more than the limit in memory, whatever stdin holds.
        v = cli().in().readNBytes(MAX_VALUE_BYTES + 1);
        if (v.length > MAX_VALUE_BYTES) {
          throw tooLarge(key, "more than " + MAX_VALUE_BYTES + " bytes");
        }
      }
      node().put(store.store, key, v);
      return LatticeCommand.OK;
    }

    private static NodeException tooLarge(String key, String size) {
      return new NodeException(
          "the value for "
              + key
              + " is "
              + size
              + "; a value holds at most "
              + MAX_VALUE_BYTES
              + " bytes (1 MiB): keep larger data in a file in the mount");
    }
  }

  @Command(
      name = "get",
      description = {
        "Write the value of KEY to stdout as it is, byte for byte (exit 1 if it has none).",
        "On a terminal, a text value gets a newline after it; never in a pipe or a file."
      })
  static final class Get extends Base {
    @Mixin StoreOption store;
    @Mixin JsonOption json;

    @Parameters(paramLabel = "KEY")
    String key;

    @Override
    int run() throws IOException {
      checkKey(this, key);
      Optional<byte[]> v = node().get(store.store, key);
      if (v.isEmpty()) {
        throw new NodeException("no such key: " + key);
      }
      if (json.json) {
        printJson(Wire.row(new Row(key, v.get())));
      } else {
        cli().writeRaw(v.get());
        if (cli().terminal() && endsWithoutNewline(v.get()) && isText(v.get())) {
          cli().writeRaw(new byte[] {'\n'});
        }
      }
      return LatticeCommand.OK;
    }
  }

  @Command(name = "rm", description = "Delete KEY (exit 1 if it has no value).")
  static final class Rm extends Base {
    @Mixin StoreOption store;

    @Parameters(paramLabel = "KEY")
    String key;

    @Override
    int run() throws IOException {
      checkKey(this, key);
      if (!node().remove(store.store, key)) {
        throw new NodeException("no such key: " + key);
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "ls",
      description = "List live keys under PREFIX (default /) with their values, in key order.")
  static final class Ls extends Base {
    @Mixin StoreOption store;
    @Mixin JsonOption json;

    @Parameters(paramLabel = "PREFIX", arity = "0..1", defaultValue = "/")
    String prefix;

    @Option(names = "--limit", defaultValue = "100000", description = "At most N keys.")
    int limit;

    @Option(
        names = {"-k", "--keys-only"},
        description = "Print keys only.")
    boolean keysOnly;

    @Override
    int run() throws IOException {
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
      }
      NodeApi n = node();
      JsonArrayPrinter array = json.json ? new JsonArrayPrinter(out()) : null;
      // Page by page: neither the daemon nor this process holds the whole listing.
      String after = null;
      int printed = 0;
      while (printed < limit) {
        List<Row> page = n.list(store.store, prefix, after, limit - printed);
        if (page.isEmpty()) {
          break;
        }
        for (Row r : page) {
          if (array != null) {
            array.add(Wire.row(r));
          } else {
            String key = KeyBytes.display(r.key());
            out().println(keysOnly ? key : key + "  " + oneLine(r.value()));
          }
        }
        printed += page.size();
        after = page.get(page.size() - 1).key();
        out().flush();
      }
      if (array != null) {
        array.finish();
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "heads",
      description = {
        "Print every concurrent head of KEY, winner first (exit 1 if KEY was never written).",
        "Columns: hlc, author, entry hash, value (or <deleted>)."
      })
  static final class Heads extends Base {
    @Mixin StoreOption store;
    @Mixin JsonOption json;

    @Parameters(paramLabel = "KEY")
    String key;

    @Override
    int run() throws IOException {
      checkKey(this, key);
      List<HeadRow> heads = node().heads(store.store, key);
      if (heads.isEmpty()) {
        throw new NodeException("no such key: " + key + " (never written)");
      }
      if (json.json) {
        List<Object> l = new ArrayList<>();
        for (HeadRow h : heads) {
          l.add(Wire.head(h));
        }
        printJson(l);
      } else {
        for (HeadRow h : heads) {
          out()
              .println(
                  h.hlc()
                      + "  "
                      + h.author()
                      + "  "
                      + h.entry()
                      + "  "
                      + (h.value() == null ? "<deleted>" : oneLine(h.value())));
        }
      }
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "history",
      description = {
        "Print the store's log entries, oldest first (only those touching KEY if given).",
        "Each entry: hlc, author#seq, entry hash; then its operations."
      })
  static final class History extends Base {
    @Mixin StoreOption store;
    @Mixin JsonOption json;

    @Parameters(paramLabel = "KEY", arity = "0..1")
    String key;

    @Option(names = "--limit", defaultValue = "1000", description = "At most the last N entries.")
    int limit;

    @Override
    int run() throws IOException {
      if (key != null) {
        checkKey(this, key);
      }
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
      }
      NodeApi n = node();
      List<EntryRow> entries = n.history(store.store, key, limit);
      if (json.json) {
        List<Object> l = new ArrayList<>();
        for (EntryRow e : entries) {
          l.add(Wire.entry(e));
        }
        printJson(l);
        return LatticeCommand.OK;
      }
      for (EntryRow e : entries) {
        out().println(e.hlc() + "  " + e.author() + "#" + e.seq() + "  " + e.hash());
        for (OpRow o : e.ops()) {
          out()
              .println(
                  "    "
                      + o.kind()
                      + " "
                      + KeyBytes.display(o.key())
                      + (o.value() == null ? "" : "  " + oneLine(o.value())));
        }
      }
      return LatticeCommand.OK;
    }
  }
}
