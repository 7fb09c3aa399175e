package dev.roster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/SDK.md's and README.md's Java samples are the compiled code of {@link SdkSamples}, and they run. */
class SdkDocsTest {
  private static RosterTestServer server;

  @BeforeAll
  static void start() {
    server = RosterTestServer.start(Map.of());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void everyJavaBlockInSdkMdAndReadme_isASampleThatCompiles() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    Path repo = Files.exists(root.resolve("docs/SDK.md")) ? root : root.getParent();
    String markdown = Files.readString(repo.resolve("docs/SDK.md"))
        + Files.readString(repo.resolve("README.md"));
    String samples = Files.readString(Path.of("src/test/java/dev/roster/client/SdkSamples.java"));

    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    assertThat(blocks).isNotEmpty();
    String normalizedSamples = normalize(samples);
    for (String block : blocks) {
      if (block.lines().allMatch(l -> l.isBlank() || l.startsWith("import "))) {
        // an imports block: each import is one the samples use
        block.lines().filter(l -> !l.isBlank()).forEach(line -> assertThat(samples)
            .as("SDK.md imports must be imports of SdkSamples.java").contains(line + "\n"));
        continue;
      }
      assertThat(normalizedSamples).as("SDK.md block must be a sample in SdkSamples.java:%n%s", block)
          .contains(normalize(block));
    }
  }

  private static String normalize(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void samples_runAgainstARealServer() throws Exception {
    try (RosterClient admin = SdkSamples.connect(server.target(), RosterTestServer.ADMIN_KEY)) {
      String[] orgAndKey = SdkSamples.createOrganizationAndKey(admin).split(" ");
      try (RosterClient roster = SdkSamples.configure(server.target(), orgAndKey[1])) {
        var renamed = SdkSamples.createGetUpdate(roster, orgAndKey[0]);
        assertThat(renamed.getDisplayName()).isEqualTo("Ada Lovelace");
        assertThat(SdkSamples.listUsers(roster, orgAndKey[0])).isEqualTo(1);
        assertThat(SdkSamples.errors(roster, orgAndKey[0], renamed.getHandle())).isEqualTo("HANDLE_TAKEN");
        assertThat(SdkSamples.perCallOptions(roster, orgAndKey[0])).isEqualTo(1);
        assertThat(SdkSamples.generatedStub(roster, renamed.getName())).isEqualTo(
            roster.users().get(renamed.getName()));
        assertThat(SdkSamples.traced(server.target(), orgAndKey[1],
            io.opentelemetry.api.OpenTelemetry.noop(), renamed.getName()).getName())
            .isEqualTo(renamed.getName());
      }
      java.util.concurrent.atomic.AtomicReference<String> key =
          new java.util.concurrent.atomic.AtomicReference<>(orgAndKey[1]);
      java.util.concurrent.atomic.AtomicInteger intercepted = new java.util.concurrent.atomic.AtomicInteger();
      try (RosterClient roster = SdkSamples.rotatingKey(server.target(), key::get,
          new io.grpc.ClientInterceptor() {
            @Override
            public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> m,
                io.grpc.CallOptions o, io.grpc.Channel next) {
              intercepted.incrementAndGet();
              return next.newCall(m, o);
            }
          })) {
        assertThat(roster.users().list(orgAndKey[0]).page()).hasSize(1);
        key.set("rk_not-a-valid-key");
        assertThatThrownBy(() -> roster.users().list(orgAndKey[0]))
            .isInstanceOf(UnauthenticatedException.class);
        assertThat(intercepted.get()).isGreaterThanOrEqualTo(2);
      }
    }
  }
}
