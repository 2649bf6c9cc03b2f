package org.latticefs.mesh.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;

/**
 * What TLS accepts from a peer: exactly one certificate, for an Ed25519 key, validly self-signed.
 * Which keys are welcome is decided after the handshake, by the node id the key is ({@link
 * #peerId}): the node the dialer expects, or one active in the root store. (TLS has by then checked
 * that the peer holds the key: its CertificateVerify is signed with it.)
 */
public final class PeerCertificates extends X509ExtendedTrustManager {
  public static final PeerCertificates INSTANCE = new PeerCertificates();

  private PeerCertificates() {}

  /** The node id of a peer's certificate chain, if it is one this class accepts. */
  public static Optional<NodeId> peerId(java.security.cert.Certificate[] chain) {
    if (chain == null || chain.length != 1 || !(chain[0] instanceof X509Certificate cert)) {
      return Optional.empty();
    }
    Optional<NodeId> id = Identity.idOf(cert.getPublicKey());
    if (id.isEmpty()) {
      return Optional.empty();
    }
    try {
      cert.verify(cert.getPublicKey());
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
    return id;
  }

  private static void check(X509Certificate[] chain) throws CertificateException {
    if (peerId(chain).isEmpty()) {
      throw new CertificateException(
          "a Lattice peer presents one self-signed certificate for its Ed25519 node key");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
