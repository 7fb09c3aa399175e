package dev.roster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

/**
 * A throwaway certificate authority for TLS tests: it writes its own certificate, and the
 * certificates and keys it issues, as PEM files (keys as unencrypted PKCS#8) into a directory.
 * EC P-256 keys, because they are generated in milliseconds.
 */
public final class TestCertificates {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate and its private key, as PEM files. */
  public record Pem(Path certFile, Path keyFile) {}

  private final Path dir;
  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final Path certFile;

  private TestCertificates(Path dir, X500Name name, KeyPair keys, X509Certificate certificate) {
    this.dir = dir;
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
    this.certFile = write(dir, name.getRDNs()[0].getFirst().getValue() + ".crt", certificate);
  }

  /** A new self-signed CA called {@code commonName}, written into {@code dir}. */
  public static TestCertificates authority(Path dir, String commonName) {
    X500Name name = new X500Name("CN=" + commonName);
    KeyPair keys = newKeys();
    try {
      JcaX509v3CertificateBuilder builder = builder(name, name, keys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new TestCertificates(dir, name, keys, sign(builder, keys));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA's own certificate: what a peer trusts. */
  public Path certFile() {
    return certFile;
  }

  /** A server certificate for {@code localhost} and {@code 127.0.0.1}. */
  public Pem issueServer(String commonName) {
    return issue(commonName, KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
  }

  /** A client certificate, as mTLS callers present. */
  public Pem issueClient(String commonName) {
    return issue(commonName, KeyPurposeId.id_kp_clientAuth, null);
  }

  private Pem issue(String commonName, KeyPurposeId purpose, GeneralNames altNames) {
    X500Name subject = new X500Name("CN=" + commonName);
    KeyPair leaf = newKeys();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      JcaX509v3CertificateBuilder builder = builder(name, subject, leaf);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          utils.createAuthorityKeyIdentifier(certificate));
      if (altNames != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, altNames);
      }
      X509Certificate issued = sign(builder, keys);
      return new Pem(write(dir, commonName + ".crt", issued), write(dir, commonName + ".key",
          new JcaPKCS8Generator(leaf.getPrivate(), null)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
      KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
        subject, subjectKeys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
              .build(issuerKeys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path write(Path dir, String fileName, Object pemObject) {
    Path file = dir.resolve(fileName);
    try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      if (pemObject instanceof PemObjectGenerator generator) {
        pem.writeObject(generator);
      } else {
        pem.writeObject(pemObject);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
