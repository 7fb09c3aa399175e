package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.platform.net.Cidr;
import io.grpc.Metadata;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientAddressTest {
  private final ClientAddress behindProxies =
      new ClientAddress(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")));

  @ParameterizedTest
  @CsvSource({
      "192.0.2.7, 192.0.2.7",
      "2001:db8:1:2::1, 2001:db8:1:2::/64",
      "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 2001:db8:1:2::/64",
      "2001:db8:1:3::1, 2001:db8:1:3::/64",
      "::ffff:192.0.2.7, 192.0.2.7",
  })
  void group_ipv4ByAddress_ipv6By64(String address, String group) {
    assertThat(ClientAddress.group(Cidr.address(address).orElseThrow())).isEqualTo(group);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // peer       | x-forwarded-for                    | client
      "10.0.0.1     | 203.0.113.9                        | 203.0.113.9",
      "10.0.0.1     | 203.0.113.9, 10.0.0.2              | 203.0.113.9",
      "10.0.0.1     | 198.51.100.1, 203.0.113.9, 10.0.0.2 | 203.0.113.9",
      "10.0.0.1     | 10.0.0.3, 10.0.0.2                 | 10.0.0.3",
      "10.0.0.1     | 203.0.113.9, not-an-ip, 10.0.0.2   | 10.0.0.2",
      "10.0.0.1     | 203.0.113.9, localhost             | 10.0.0.1",
      "10.0.0.1     | 2001:db8::5, fd00::7               | 2001:db8::5",
      "10.0.0.1     | ''                                 | 10.0.0.1",
      "192.0.2.200  | 203.0.113.9                        | 192.0.2.200",
  })
  void client_rightMostUntrustedHop_onlyFromATrustedPeer(String peer, String header,
      String client) throws Exception {
    Metadata headers = new Metadata();
    headers.put(ClientAddress.X_FORWARDED_FOR, header);
    assertThat(behindProxies.client(ip(peer), headers)).isEqualTo(ip(client));
  }

  @Test
  void client_severalHeaders_readAsOneListInOrder() throws Exception {
    Metadata headers = new Metadata();
    headers.put(ClientAddress.X_FORWARDED_FOR, "198.51.100.1, 203.0.113.9");
    headers.put(ClientAddress.X_FORWARDED_FOR, "10.0.0.2");
    assertThat(behindProxies.client(ip("10.0.0.1"), headers)).isEqualTo(ip("203.0.113.9"));
  }

  @Test
  void client_noHeaderOrNoTrustedProxies_isThePeer() throws Exception {
    assertThat(behindProxies.client(ip("10.0.0.1"), new Metadata())).isEqualTo(ip("10.0.0.1"));
    Metadata headers = new Metadata();
    headers.put(ClientAddress.X_FORWARDED_FOR, "203.0.113.9");
    assertThat(new ClientAddress(List.of()).client(ip("10.0.0.1"), headers))
        .isEqualTo(ip("10.0.0.1"));
  }

  private static InetAddress ip(String literal) {
    return Cidr.address(literal).orElseThrow();
  }
}
