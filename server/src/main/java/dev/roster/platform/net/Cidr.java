package dev.roster.platform.net;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address block in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare
 * address is a block of one. Addresses are parsed as literals only (Guava {@link InetAddresses}),
 * never resolved through DNS, so reading a header or a setting cannot make the server look a name
 * up. An IPv4-mapped IPv6 literal ({@code ::ffff:10.0.0.1}) is read as the IPv4 address.
 *
 * @param network the block's first address (host bits cleared)
 * @param prefixLength how many leading bits of an address must equal {@code network}'s
 */
public record Cidr(InetAddress network, int prefixLength) {

  public Cidr {
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " out of 0.." + bits);
    }
    network = truncate(network, prefixLength);
  }

  /**
   * Parses {@code address} or {@code address/prefix}.
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static Cidr parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    InetAddress address = address(slash < 0 ? s : s.substring(0, slash))
        .orElseThrow(() -> new IllegalArgumentException("not an IP address: " + text));
    int bits = address.getAddress().length * 8;
    if (slash < 0) {
      return new Cidr(address, bits);
    }
    String prefix = s.substring(slash + 1);
    if (!prefix.matches("\\d{1,3}")) {
      throw new IllegalArgumentException("not a prefix length: " + text);
    }
    return new Cidr(address, Integer.parseInt(prefix));
  }

  /** An IP literal (IPv4, or IPv6 without a zone), or empty if {@code text} is none. */
  public static Optional<InetAddress> address(String text) {
    String s = text.trim();
    if (s.isEmpty() || s.indexOf('%') >= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddresses.forString(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code address} lies in this block (an IPv4 address is never in an IPv6 block). */
  public boolean contains(InetAddress address) {
    return address.getAddress().length == network.getAddress().length
        && truncate(address, prefixLength).equals(network);
  }

  /** {@code address} with all but its first {@code prefixLength} bits cleared. */
  public static InetAddress truncate(InetAddress address, int prefixLength) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
      bytes[i] &= (byte) (0xff << (8 - keep));
    }
    try {
      return InetAddress.getByAddress(bytes); // from bytes: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length came from an address
    }
  }

  @Override
  public String toString() {
    return InetAddresses.toAddrString(network) + "/" + prefixLength;
  }
}
