package org.latticefs.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
      text = null;
    }
    if (text != null
        && text.chars()
            .noneMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f)) {
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
      description = "Set KEY to VALUE (UTF-8 text; without VALUE, the bytes of stdin).")
  static final class Put extends Base {
    @Mixin StoreOption store;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1")
    String value;

    @Override
    int run() throws IOException {
      checkKey(this, key);
      byte[] v = value != null ? value.getBytes(StandardCharsets.UTF_8) : cli().in().readAllBytes();
      node().put(store.store, key, v);
      return LatticeCommand.OK;
    }
  }

  @Command(name = "get", description = "Print the value of KEY (exit 1 if it has none).")
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
        out().println(new String(v.get(), StandardCharsets.UTF_8));
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
      List<Row> rows = node().list(store.store, prefix, limit);
      if (json.json) {
        List<Object> l = new ArrayList<>();
        for (Row r : rows) {
          l.add(Wire.row(r));
        }
        printJson(l);
      } else {
        for (Row r : rows) {
          out().println(keysOnly ? r.key() : r.key() + "  " + oneLine(r.value()));
        }
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
                      + o.key()
                      + (o.value() == null ? "" : "  " + oneLine(o.value())));
        }
      }
      return LatticeCommand.OK;
    }
  }
}
