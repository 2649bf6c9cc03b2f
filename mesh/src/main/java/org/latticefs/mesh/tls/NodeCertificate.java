package org.latticefs.mesh.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.latticefs.kv.Identity;

/**
 * The certificate a node presents in TLS: self-signed, for its Ed25519 node key itself (RFC 8410),
 * made with BouncyCastle. The JDK's TLS 1.3 signs and checks handshakes with Ed25519 keys (RFC 8446
 * signature scheme {@code ed25519}), so the key a peer proves possession of in the handshake is the
 * node id; no second key has to be bound to it. The certificate only carries the key: its name (the
 * node id, for people reading captures) and its validity (1970 to 9999) are not what is trusted —
 * peers trust the key, as Syncthing trusts a device id.
 */
public final class NodeCertificate {
  private static final Date NOT_BEFORE = new Date(0);
  private static final Date NOT_AFTER = new Date(253402300799000L); // 9999-12-31T23:59:59Z

  private NodeCertificate() {}

  /** A fresh self-signed certificate for {@code identity}'s key (a random serial number). */
  public static X509Certificate of(Identity identity) {
    X500Name name = new X500Name("CN=" + identity.id());
    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
              NOT_BEFORE,
              NOT_AFTER,
              name,
              Identity.jcaPublicKey(identity.id()));
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("Ed25519").build(identity.jcaPrivateKey())));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the node certificate: " + e, e);
    }
  }
}
