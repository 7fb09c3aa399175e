package dev.roster.server;

import dev.roster.platform.net.Cidr;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who is calling, as far as the network can tell: the TCP peer's address, or, when the peer is
 * one of the configured trusted proxies ({@code ROSTER_TRUSTED_PROXIES}), the client address that
 * the proxies put in {@code x-forwarded-for}. Brakes key on the address's {@link #group}: an IPv4
 * address alone, an IPv6 address by its /64 network, since one host or one customer usually holds
 * a whole /64 and could otherwise rotate through 2^64 addresses.
 */
public final class ClientAddress {
  static final Metadata.Key<String> X_FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
  private static final int IPV6_GROUP_BITS = 64;

  private final List<Cidr> trustedProxies;

  /** Trusts {@code x-forwarded-for} only from peers inside {@code trustedProxies}. */
  public ClientAddress(List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /**
   * The group the call's client belongs to: {@link #group(InetAddress)} of its address, or, for a
   * peer that has no IP address (in-process transport), the transport's own description of it.
   */
  String groupOf(ServerCall<?, ?> call, Metadata headers) {
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return group(client(inet.getAddress(), headers));
    }
    return String.valueOf(peer);
  }

  /**
   * The client behind {@code peer}: {@code peer} itself unless it is a trusted proxy; then the
   * right-most {@code x-forwarded-for} address that is not a trusted proxy. Entries to the left of
   * that one were written by the client, or by proxies we do not know, and could be anything. If an
   * entry cannot be read, the trusted hop that passed it on is taken as the client.
   */
  InetAddress client(InetAddress peer, Metadata headers) {
    if (!trusted(peer)) {
      return peer;
    }
    Iterable<String> values = headers.getAll(X_FORWARDED_FOR);
    if (values == null) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : values) { // several headers read as one list, in order
      for (String hop : value.split(",")) {
        hops.add(hop);
      }
    }
    InetAddress client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      Optional<InetAddress> hop = Cidr.address(hops.get(i));
      if (hop.isEmpty()) {
        break;
      }
      client = hop.get();
      if (!trusted(client)) {
        break;
      }
    }
    return client;
  }

  private boolean trusted(InetAddress address) {
    for (Cidr proxy : trustedProxies) {
      if (proxy.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** {@code 192.0.2.7} for an IPv4 address; {@code 2001:db8:1:2::/64} for any IPv6 address in that /64. */
  static String group(InetAddress address) {
    if (address instanceof Inet6Address) {
      return new Cidr(address, IPV6_GROUP_BITS).toString();
    }
    return address.getHostAddress();
  }
}
