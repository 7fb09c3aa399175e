package dev.roster.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code static:///ip:port,ip:port} target: a fixed list of replica addresses, each its own
 * round-robin subchannel, for loopback tests and networks without DNS (grpc-java has no public
 * resolver for several addresses; decision 73). Only IP literals (IPv6 in brackets) are accepted,
 * so nothing is looked up on gRPC's threads; use {@code dns:///} for names. Used by this channel
 * only (not registered globally).
 */
final class StaticAddresses extends NameResolverProvider {
  static final String SCHEME = "static";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Where the addresses come from: fixed for a target, read again on every refresh. */
  private final Supplier<List<InetSocketAddress>> source;

  private StaticAddresses(Supplier<List<InetSocketAddress>> source) {
    this.source = source;
  }

  /** The resolver of a {@code static:///a,b} target. */
  static StaticAddresses forTarget(String target) {
    List<InetSocketAddress> addresses = parse(target);
    return new StaticAddresses(() -> addresses);
  }

  /** Addresses read from {@code source} at start and on every re-resolution (tests: a changing list). */
  static StaticAddresses from(Supplier<List<InetSocketAddress>> source) {
    return new StaticAddresses(source);
  }

  static boolean isStatic(String target) {
    return target.startsWith(SCHEME + ":");
  }

  /** The addresses of {@code static:///ip:port,ip:port}; IllegalArgumentException if malformed. */
  static List<InetSocketAddress> parse(String target) {
    if (!isStatic(target)) {
      throw new IllegalArgumentException("not a static: target: " + target);
    }
    String list = target.substring(SCHEME.length() + 1);
    while (list.startsWith("/")) {
      list = list.substring(1);
    }
    List<InetSocketAddress> out = new ArrayList<>();
    for (String item : list.split(",")) {
      String address = item.trim();
      int colon = address.lastIndexOf(':');
      if (address.isEmpty() || colon <= 0) {
        throw new IllegalArgumentException("static target needs ip:port entries, got \"" + item
            + "\" in " + target);
      }
      String host = address.substring(0, colon);
      int port;
      try {
        port = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in \"" + item + "\" of " + target);
      }
      boolean v6 = host.startsWith("[") && host.endsWith("]");
      if (!v6 && !IPV4.matcher(host).matches()) {
        throw new IllegalArgumentException("static target takes IP literals only (use dns:/// for"
            + " names), got \"" + host + "\" in " + target);
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("bad port in \"" + item + "\" of " + target);
      }
      // An IP literal: InetSocketAddress parses it without a lookup.
      out.add(new InetSocketAddress(v6 ? host.substring(1, host.length() - 1) : host, port));
    }
    return List.copyOf(out);
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    return new NameResolver() {
      private Listener2 listener;

      @Override
      public String getServiceAuthority() {
        return "roster";
      }

      @Override
      public void start(Listener2 listener) {
        this.listener = listener;
        resolve();
      }

      @Override
      public void refresh() {
        resolve();
      }

      private void resolve() {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (InetSocketAddress address : source.get()) {
          groups.add(new EquivalentAddressGroup(address));
        }
        if (groups.isEmpty()) {
          listener.onError(Status.UNAVAILABLE.withDescription("the static target has no address"));
          return;
        }
        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
      }

      @Override
      public void shutdown() {}
    };
  }
}
