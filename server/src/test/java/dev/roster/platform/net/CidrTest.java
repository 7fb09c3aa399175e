package dev.roster.platform.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8, 10.255.1.2, true",
      "10.0.0.0/8, 11.0.0.0, false",
      "10.1.2.3, 10.1.2.3, true",
      "10.1.2.3, 10.1.2.4, false",
      "192.168.1.77/25, 192.168.1.0, true",
      "192.168.1.77/25, 192.168.1.127, true",
      "192.168.1.77/25, 192.168.1.128, false",
      "0.0.0.0/0, 203.0.113.9, true",
      "0.0.0.0/0, 2001:db8::1, false",
      "::/0, 203.0.113.9, false",
      "::/0, 2001:db8::1, true",
      "fd00::/8, fdff:1::1, true",
      "fd00::/8, fe00::1, false",
      "2001:db8:1:2::/64, 2001:db8:1:2:ffff:ffff:ffff:ffff, true",
      "2001:db8:1:2::/64, 2001:db8:1:3::, false",
      "2001:db8::1/127, 2001:db8::0, true",
      "2001:db8::1/127, 2001:db8::2, false",
      "10.0.0.0/8, ::ffff:10.1.2.3, true",
  })
  void contains_comparesTheLeadingBits(String block, String address, boolean inside) {
    assertThat(Cidr.parse(block).contains(Cidr.address(address).orElseThrow())).isEqualTo(inside);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "foo", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0/8",
      "::/129", "fe80::1%eth0", "localhost", "10.0.0.0/8/8", "1.2.3.4/0x8"})
  void parse_refusesWhatIsNoCidr(String text) {
    assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"10.1.2.3/8, 10.0.0.0/8", " 2001:DB8::1/32 , 2001:db8::/32", "10.1.2.3, 10.1.2.3/32",
      "::1, ::1/128"})
  void parse_normalisesToTheBlocksFirstAddress(String text, String shown) {
    assertThat(Cidr.parse(text)).hasToString(shown);
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "example.com", "1.2.3", "", " "})
  void address_readsLiteralsOnly_neverResolvesNames(String text) {
    assertThat(Cidr.address(text)).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void address_ipv4MappedIpv6_isTheIpv4Address() throws Exception {
    assertThat(Cidr.address("::ffff:192.0.2.1")).contains(InetAddress.getByName("192.0.2.1"));
  }
}
