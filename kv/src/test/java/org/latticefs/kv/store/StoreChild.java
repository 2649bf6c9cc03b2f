package org.latticefs.kv.store;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.latticefs.kv.Durability;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores.StoreInfo;

/**
 * A child JVM for the process tests (not a test itself).
 *
 * <ul>
 *   <li>{@code commit DATA ROUND THREADS [DURABILITY]}: opens DATA, commits {@code /c/ROUND/T/I =
 *       I} from THREADS threads forever (with {@link Durability} DURABILITY, default DISK),
 *       printing {@code ACK ROUND T I} after each commit returns.
 *   <li>{@code open DATA}: opens DATA and closes it; prints {@code OPENED}, or {@code ERROR
 *       message} and exits 3 if a {@link KvException} says why not.
 * </ul>
 */
public final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[1]);
    switch (args[0]) {
      case "open" -> {
        try (DiskStores stores = DiskStores.open(data)) {
          System.out.println("OPENED " + stores.nodeId());
        } catch (KvException e) {
          System.out.println("ERROR " + e.getMessage());
          System.out.flush();
          System.exit(3);
        }
      }
      case "commit" ->
          commitForever(
              data,
              args[2],
              Integer.parseInt(args[3]),
              args.length > 4 ? Durability.valueOf(args[4]) : Durability.DISK);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void commitForever(Path data, String round, int threads, Durability durability)
      throws Exception {
    DiskStores stores = DiskStores.open(data);
    StoreInfo info =
        stores.findStore("crash").isPresent()
            ? stores.findStore("crash").get()
            : stores.createStore("crash");
    Store store = stores.open(info.id());
    System.out.println("READY");
    System.out.flush();
    AtomicBoolean failed = new AtomicBoolean();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  for (int i = 0; ; i++) {
                    String v = Integer.toString(i);
                    store.commit(
                        List.of(Op.Put.utf8("/c/" + round + "/" + tt + "/" + i, v)), durability);
                    synchronized (System.out) {
                      System.out.println("ACK " + round + " " + tt + " " + i);
                      System.out.flush();
                    }
                  }
                } catch (KvException e) {
                  failed.set(true);
                  e.printStackTrace();
                }
              });
      th.start();
    }
    new java.util.concurrent.CountDownLatch(1).await(); // until killed
  }
}
