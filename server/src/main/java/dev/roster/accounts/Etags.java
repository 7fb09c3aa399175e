package dev.roster.accounts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;

/** Derives opaque etags from a row's id and version, so callers cannot mistake them for counters. */
final class Etags {
  private Etags() {}

  static String of(UUID id, long version) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((id + ":" + version).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
