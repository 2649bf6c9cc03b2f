package org.latticefs.mesh.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import org.latticefs.kv.Identity;

/**
 * The TLS settings of a node's connections: TLS 1.3 only, the JDK's provider, the node's own
 * certificate ({@link NodeCertificate}) on both sides, the peer's required ({@link
 * PeerCertificates}). Made once per node; thread-safe.
 */
public final class TlsContexts {
  private static final String TLS13 = "TLSv1.3";

  private final SslContext server;
  private final SslContext client;

  public TlsContexts(Identity identity) throws SSLException {
    X509Certificate cert = NodeCertificate.of(identity);
    this.server =
        SslContextBuilder.forServer(identity.jcaPrivateKey(), cert)
            .sslProvider(SslProvider.JDK)
            .protocols(TLS13)
            .trustManager(PeerCertificates.INSTANCE)
            .clientAuth(ClientAuth.REQUIRE)
            .build();
    this.client =
        SslContextBuilder.forClient()
            .keyManager(identity.jcaPrivateKey(), cert)
            .sslProvider(SslProvider.JDK)
            .protocols(TLS13)
            .trustManager(PeerCertificates.INSTANCE)
            .build();
  }

  /** For connections this node accepts. */
  public SslContext server() {
    return server;
  }

  /** For connections this node dials. */
  public SslContext client() {
    return client;
  }
}
