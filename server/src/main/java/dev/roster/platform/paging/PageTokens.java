package dev.roster.platform.paging;

import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.query.Position;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, signed page tokens (AIP-158). A token carries a keyset position (the last row's sort
 * values and id), never an offset, so page N costs what page 1 costs. It is HMAC-signed, so a
 * tampered token is refused; it carries a hash of the request it belongs to (method, parent,
 * filter, order_by, show_deleted), so it cannot be replayed with other parameters; and it expires.
 *
 * <p>Layout before base64url: version (1 byte), key id (4), expiry in epoch seconds (8), binding
 * hash (16), value count (1) and typed values, then the first 16 bytes of HMAC-SHA256 over all that.
 */
public final class PageTokens {
  private static final byte VERSION = 1;
  private static final int MAC_BYTES = 16;
  private static final int BINDING_BYTES = 16;
  private static final int MAX_TOKEN_CHARS = 2048;
  private static final String FIELD = "page_token";

  private final SigningKeys keys;
  private final Clock clock;
  private final Duration ttl;

  public PageTokens(SigningKeys keys, Clock clock, Duration ttl) {
    this.keys = keys;
    this.clock = clock;
    this.ttl = ttl;
  }

  /**
   * Makes a token for the page after {@code position}.
   *
   * @param binding a string naming the request (method, parent, filter, order_by, show_deleted)
   * @param position the last row's sort values, then its id
   */
  public String issue(String binding, Position position) {
    SigningKeys.Key key = keys.current();
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeInt(key.id());
      out.writeLong(clock.instant().plus(ttl).getEpochSecond());
      out.write(hash(binding));
      out.writeByte(position.values().size());
      for (Position.Value value : position.values()) {
        writeValue(out, value);
      }
      out.write(mac(key.secret(), bytes.toByteArray()));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Checks a token and returns the position it carries.
   *
   * @throws InvalidArgumentException naming {@code page_token}: INVALID_PAGE_TOKEN when it is
   *     malformed or its signature does not verify, PAGE_TOKEN_EXPIRED, or PAGE_TOKEN_MISMATCH when
   *     it was issued for a request with other parameters
   */
  public Position open(String token, String binding) {
    byte[] raw = decode(token);
    if (raw.length < 1 + 4 + 8 + BINDING_BYTES + 1 + MAC_BYTES || raw[0] != VERSION) {
      throw invalid();
    }
    byte[] body = Arrays.copyOf(raw, raw.length - MAC_BYTES);
    byte[] sent = Arrays.copyOfRange(raw, raw.length - MAC_BYTES, raw.length);
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
      in.readByte();
      int keyId = in.readInt();
      byte[] secret = keys.find(keyId).orElseThrow(PageTokens::invalid).secret();
      if (!MessageDigest.isEqual(sent, mac(secret, body))) {
        throw invalid();
      }
      long expires = in.readLong();
      byte[] boundTo = in.readNBytes(BINDING_BYTES);
      if (Instant.ofEpochSecond(expires).isBefore(clock.instant())) {
        throw InvalidArgumentException.of(FIELD, "PAGE_TOKEN_EXPIRED",
            "has expired; start again from the first page");
      }
      if (!MessageDigest.isEqual(boundTo, hash(binding))) {
        throw InvalidArgumentException.of(FIELD, "PAGE_TOKEN_MISMATCH", "was issued for a request"
            + " with other parent, filter, order_by or show_deleted; send those unchanged");
      }
      int count = in.readUnsignedByte();
      List<Position.Value> values = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        values.add(readValue(in));
      }
      if (in.available() != 0) {
        throw invalid();
      }
      return new Position(values);
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidArgumentException invalid) {
        throw invalid;
      }
      throw invalid();
    }
  }

  private static byte[] decode(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw invalid();
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    // Only the canonical spelling is ours: refuse encodings that differ in ignored trailing bits.
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(token)) {
      throw invalid();
    }
    return raw;
  }

  private static void writeValue(DataOutputStream out, Position.Value value) throws IOException {
    // Java 17 has no pattern switch; the sealed Value keeps this chain complete.
    if (value instanceof Position.Text s) {
      out.writeByte('s');
      out.writeUTF(s.value());
    } else if (value instanceof Position.Timestamp t) {
      out.writeByte('t');
      out.writeLong(t.value().getEpochSecond());
      out.writeInt(t.value().getNano());
    } else if (value instanceof Position.Uuid u) {
      out.writeByte('u');
      out.writeLong(u.value().getMostSignificantBits());
      out.writeLong(u.value().getLeastSignificantBits());
    } else if (value instanceof Position.Int64 l) {
      out.writeByte('l');
      out.writeLong(l.value());
    }
  }

  private static Position.Value readValue(DataInputStream in) throws IOException {
    return switch (in.readByte()) {
      case 's' -> new Position.Text(in.readUTF());
      case 't' -> new Position.Timestamp(Instant.ofEpochSecond(in.readLong(), in.readInt()));
      case 'u' -> new Position.Uuid(new UUID(in.readLong(), in.readLong()));
      case 'l' -> new Position.Int64(in.readLong());
      default -> throw invalid();
    };
  }

  private static byte[] hash(String binding) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(binding.getBytes(StandardCharsets.UTF_8));
      return Arrays.copyOf(digest, BINDING_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] mac(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return Arrays.copyOf(mac.doFinal(body), MAC_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static InvalidArgumentException invalid() {
    return InvalidArgumentException.of(FIELD, "INVALID_PAGE_TOKEN",
        "is not a page token this service issued (malformed, altered or signed with a retired key)");
  }
}
