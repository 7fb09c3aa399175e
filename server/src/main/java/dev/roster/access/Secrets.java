package dev.roster.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of API key secrets. A minted secret is {@code rk_<key id, 32 hex>_<256 random bits,
 * base64url>}: the id makes the lookup a primary-key read, the prefix makes leaked keys easy to
 * recognise (secret scanners, logs). A bootstrap secret chosen by an operator has no id in it; its
 * id is derived from the secret. Only SHA-256 of the whole secret is stored.
 */
final class Secrets {
  private static final Pattern MINTED = Pattern.compile("rk_([0-9a-f]{32})_[A-Za-z0-9_-]{43}");
  private static final Pattern BOOTSTRAP = Pattern.compile("[\\x21-\\x7e]{32,256}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static String mint(UUID id) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    return "rk_" + id.toString().replace("-", "") + "_"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * The key id a presented secret claims.
   *
   * @throws ApiKeyMalformedException if it is no secret of ours
   */
  static UUID idOf(String secret) {
    Matcher m = MINTED.matcher(secret);
    if (m.matches()) {
      String hex = m.group(1);
      return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16),
          Long.parseUnsignedLong(hex.substring(16), 16));
    }
    if (BOOTSTRAP.matcher(secret).matches()) {
      return bootstrapId(secret);
    }
    throw new ApiKeyMalformedException();
  }

  static UUID bootstrapId(String secret) {
    return UUID.nameUUIDFromBytes(("roster-bootstrap:" + secret).getBytes(StandardCharsets.UTF_8));
  }

  static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String cacheKey(String secret) {
    return HexFormat.of().formatHex(hash(secret));
  }
}
