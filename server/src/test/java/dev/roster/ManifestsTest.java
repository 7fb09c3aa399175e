package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.roster.config.RosterConfig;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.testing.ExternalTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests under deploy/: every overlay is rendered with {@code kubectl kustomize}
 * and its objects checked against what the server does (ports and health service names from
 * RosterConfig and HealthReporter, the shutdown sequence of docs/OPERATIONS.md) and against the
 * deployment rules (secrets only from Secrets, non-root, read-only root file system, a PDB per
 * Deployment, the HPA on the API). Without kubectl the test is skipped, or fails when CI=true.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  /** Names of environment variables that hold secrets; "..._PER_KEY" limits do not. */
  private static final Pattern SECRET_NAME =
      Pattern.compile("^(?!.*_PER_KEY$).*(PASSWORD|SECRET|_KEY|_KEYS|TOKEN)$");
  /** After the grace, RosterServer waits up to 5 s for cancelled calls (docs/OPERATIONS.md). */
  private static final long CANCEL_WAIT_SECONDS = 5;

  @Test
  void everyOverlayRendersAndKeepsTheInvariants() throws Exception {
    List<Path> overlays;
    try (Stream<Path> dirs = Files.list(DEPLOY.resolve("overlays"))) {
      overlays = dirs.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().toList();
    }
    assertThat(overlays.stream().map(p -> p.getFileName().toString()))
        .contains("dev", "production", "pgbouncer");
    for (Path overlay : overlays) {
      List<Map<String, Object>> objects = render(overlay);
      assertThat(violations(objects))
          .as("overlay %s", overlay.getFileName())
          .isEmpty();
    }
  }

  /** The checks catch what they are for: a broken copy of the production overlay fails each. */
  @Test
  void theChecksFailOnBrokenManifests() throws Exception {
    List<Map<String, Object>> objects = render(DEPLOY.resolve("overlays/production"));
    Map<String, Object> api = deployment(objects, "api");
    Map<String, Object> podSpec = map(map(map(api, "spec"), "template"), "spec");
    podSpec.put("terminationGracePeriodSeconds", 25);
    Map<String, Object> container = list(podSpec, "containers").get(0);
    List<Map<String, Object>> env = list(container, "env");
    env.add(new LinkedHashMap<>(Map.of("name", "ROSTER_SMTP_PASSWORD", "value", "hunter2")));
    map(container, "securityContext").put("readOnlyRootFilesystem", false);
    map(map(container, "readinessProbe"), "grpc").put("port", 9091);
    objects.removeIf(o -> "PodDisruptionBudget".equals(o.get("kind"))
        && "roster-worker".equals(map(o, "metadata").get("name")));

    List<String> found = violations(objects);
    assertThat(found).anyMatch(v -> v.contains("terminationGracePeriodSeconds"));
    assertThat(found).anyMatch(v -> v.contains("ROSTER_SMTP_PASSWORD"));
    assertThat(found).anyMatch(v -> v.contains("readOnlyRootFilesystem"));
    assertThat(found).anyMatch(v -> v.contains("9091"));
    assertThat(found).anyMatch(v -> v.contains("no PodDisruptionBudget") && v.contains("roster-worker"));
  }

  // ---- the checks ----

  static List<String> violations(List<Map<String, Object>> objects) {
    List<String> out = new ArrayList<>();
    RosterConfig defaults = RosterConfig.from(Map.of());
    Map<String, Map<String, Object>> configMaps = new HashMap<>();
    for (Map<String, Object> o : objects) {
      if ("ConfigMap".equals(o.get("kind"))) {
        Map<String, Object> data = Optional.ofNullable(map(o, "data")).orElse(Map.of());
        configMaps.put(name(o), data);
        data.forEach((k, v) -> {
          if (SECRET_NAME.matcher(k).matches()) {
            out.add("ConfigMap " + name(o) + " holds " + k + ": secrets belong in a Secret");
          }
          if (String.valueOf(v).toLowerCase().contains("password=")) {
            out.add("ConfigMap " + name(o) + " " + k + " has a password in its value");
          }
        });
      }
      if ("Secret".equals(o.get("kind"))) {
        out.add("Secret " + name(o) + " is in the manifests: secrets are created out of band");
      }
    }

    Set<String> roles = new TreeSet<>();
    for (Map<String, Object> d : objects) {
      if (!"Deployment".equals(d.get("kind"))) {
        continue;
      }
      String where = "Deployment " + name(d);
      Map<String, Object> template = map(map(d, "spec"), "template");
      Map<String, Object> podSpec = map(template, "spec");
      Map<String, Object> podLabels = map(map(template, "metadata"), "labels");
      Map<String, Object> podSecurity = Optional.ofNullable(map(podSpec, "securityContext")).orElse(Map.of());

      if (objects.stream().noneMatch(p -> "PodDisruptionBudget".equals(p.get("kind"))
          && selects(map(map(p, "spec"), "selector"), podLabels))) {
        out.add(where + ": no PodDisruptionBudget selects its pods");
      }
      for (Map<String, Object> c : list(podSpec, "containers")) {
        String at = where + " container " + c.get("name");
        Map<String, Object> sec = Optional.ofNullable(map(c, "securityContext")).orElse(Map.of());
        if (!Boolean.TRUE.equals(sec.get("runAsNonRoot")) && !Boolean.TRUE.equals(podSecurity.get("runAsNonRoot"))) {
          out.add(at + ": runAsNonRoot is not true");
        }
        if (!Boolean.TRUE.equals(sec.get("readOnlyRootFilesystem"))) {
          out.add(at + ": readOnlyRootFilesystem is not true");
        }
        if (!Boolean.FALSE.equals(sec.get("allowPrivilegeEscalation"))) {
          out.add(at + ": allowPrivilegeEscalation is not false");
        }
        for (Map<String, Object> e : list(c, "env")) {
          String var = String.valueOf(e.get("name"));
          Map<String, Object> from = map(e, "valueFrom");
          if (SECRET_NAME.matcher(var).matches() && (from == null || map(from, "secretKeyRef") == null)) {
            out.add(at + ": " + var + " does not come from a secretKeyRef");
          }
          if (String.valueOf(e.get("value")).toLowerCase().contains("password=")) {
            out.add(at + ": " + var + " has a password in its value");
          }
        }
      }

      Optional<Map<String, Object>> roster = list(podSpec, "containers").stream()
          .filter(c -> "roster".equals(c.get("name"))).findFirst();
      if (roster.isEmpty()) {
        continue; // PgBouncer: checked above for secrets, PDB and security only
      }
      Map<String, Object> c = roster.get();
      Map<String, String> env = literalEnv(c, configMaps);
      String role = env.getOrDefault("ROSTER_ROLE", "all");
      roles.add(role);
      if (!Set.of("api", "worker").contains(role)) {
        out.add(where + ": ROSTER_ROLE is " + role + ", not api or worker");
      }
      Map<String, String> settings = new HashMap<>();
      for (String k : List.of("ROSTER_GRPC_PORT", "ROSTER_ADMIN_PORT", "ROSTER_SHUTDOWN_GRACE")) {
        if (env.containsKey(k)) {
          settings.put(k, env.get(k));
        }
      }
      RosterConfig config = RosterConfig.from(settings);
      if (config.grpcPort() != defaults.grpcPort() || config.adminPort() != defaults.adminPort()) {
        out.add(where + ": ports differ from the server's defaults " + defaults.grpcPort() + "/" + defaults.adminPort());
      }
      Map<String, Integer> ports = new HashMap<>();
      for (Map<String, Object> p : list(c, "ports")) {
        ports.put(String.valueOf(p.get("name")), ((Number) p.get("containerPort")).intValue());
      }
      if (!Objects.equals(ports.get("grpc"), config.grpcPort())) {
        out.add(where + ": container port grpc " + ports.get("grpc") + " is not the gRPC port " + config.grpcPort());
      }
      if (!Objects.equals(ports.get("metrics"), config.adminPort())) {
        out.add(where + ": container port metrics " + ports.get("metrics") + " is not the admin port " + config.adminPort());
      }
      String scrapePort = String.valueOf(map(map(template, "metadata"), "annotations").get("prometheus.io/port"));
      if (!scrapePort.equals(String.valueOf(config.adminPort()))) {
        out.add(where + ": prometheus.io/port " + scrapePort + " is not the admin port");
      }

      for (String kind : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        Map<String, Object> probe = map(c, kind);
        if (probe == null) {
          out.add(where + ": no " + kind);
          continue;
        }
        Map<String, Object> grpc = map(probe, "grpc");
        Map<String, Object> http = map(probe, "httpGet");
        if (grpc != null) {
          Object port = grpc.get("port");
          if (!Objects.equals(port, config.grpcPort())) {
            out.add(where + ": " + kind + " probes gRPC port " + port + ", the server listens on " + config.grpcPort());
          }
          String service = String.valueOf(grpc.getOrDefault("service", ""));
          // HealthReporter: "" in every role, AccountsService only where the API is served.
          Set<String> served = role.equals("worker") ? Set.of("") : Set.of("", AccountsServiceGrpc.SERVICE_NAME);
          if (!served.contains(service)) {
            out.add(where + ": " + kind + " asks health for '" + service + "', which role " + role + " does not report");
          }
        } else if (http != null) {
          Object port = http.get("port");
          if (!(Objects.equals(port, config.adminPort()) || "metrics".equals(port))) {
            out.add(where + ": " + kind + " probes HTTP port " + port + ", the admin port is " + config.adminPort());
          }
          if (!Set.of("/livez", "/readyz").contains(String.valueOf(http.get("path")))) {
            out.add(where + ": " + kind + " path " + http.get("path") + " is neither /livez nor /readyz");
          }
        } else {
          out.add(where + ": " + kind + " is neither gRPC nor HTTP");
        }
      }
      if (role.equals("api") && map(c, "readinessProbe") != null) {
        // Readiness must follow the database and the drain; /livez does not.
        Map<String, Object> http = map(map(c, "readinessProbe"), "httpGet");
        if (http != null && "/livez".equals(http.get("path"))) {
          out.add(where + ": readiness uses /livez");
        }
      }

      long preStop = preStopSeconds(c);
      long grace = config.shutdownGrace().toSeconds();
      Object period = podSpec.getOrDefault("terminationGracePeriodSeconds", 30);
      long terminationGrace = ((Number) period).longValue();
      if (terminationGrace <= grace + preStop + CANCEL_WAIT_SECONDS) {
        out.add(where + ": terminationGracePeriodSeconds " + terminationGrace + " is not more than preStop "
            + preStop + " s + ROSTER_SHUTDOWN_GRACE " + grace + " s + " + CANCEL_WAIT_SECONDS + " s");
      }
      if (role.equals("api") && preStop == 0) {
        out.add(where + ": an API pod needs a preStop delay, the port closes at SIGTERM");
      }

      Set<String> mounted = new TreeSet<>();
      list(c, "volumeMounts").forEach(m -> mounted.add(String.valueOf(m.get("mountPath"))));
      for (String dir : List.of("/tmp", env.getOrDefault("ROSTER_DATA_DIR", ".roster"))) {
        if (!mounted.contains(dir)) {
          out.add(where + ": " + dir + " is not a mounted volume on a read-only root file system");
        }
      }

      if (role.equals("api")) {
        if (map(d, "spec").containsKey("replicas")) {
          out.add(where + ": sets replicas although the HPA owns them");
        }
        boolean hpa = objects.stream().anyMatch(h -> "HorizontalPodAutoscaler".equals(h.get("kind"))
            && name(d).equals(map(map(h, "spec"), "scaleTargetRef").get("name")));
        if (!hpa) {
          out.add(where + ": no HorizontalPodAutoscaler targets it");
        }
        boolean headless = objects.stream().anyMatch(s -> "Service".equals(s.get("kind"))
            && "None".equals(map(s, "spec").get("clusterIP"))
            && selects(Map.of("matchLabels", map(map(s, "spec"), "selector")), podLabels));
        if (!headless) {
          out.add(where + ": no headless Service (clusterIP: None) selects its pods");
        }
      }
    }
    for (Map<String, Object> h : objects) {
      if ("HorizontalPodAutoscaler".equals(h.get("kind"))) {
        String target = String.valueOf(map(map(h, "spec"), "scaleTargetRef").get("name"));
        boolean api = objects.stream().anyMatch(d -> "Deployment".equals(d.get("kind")) && name(d).equals(target)
            && "api".equals(literalEnv(rosterContainer(d), configMaps).get("ROSTER_ROLE")));
        if (!api) {
          out.add("HorizontalPodAutoscaler " + name(h) + " targets " + target + ", not the api Deployment");
        }
      }
    }
    if (!roles.equals(Set.of("api", "worker"))) {
      out.add("roles deployed: " + roles + ", expected api and worker");
    }
    return out;
  }

  private static long preStopSeconds(Map<String, Object> container) {
    Map<String, Object> lifecycle = map(container, "lifecycle");
    Map<String, Object> preStop = lifecycle == null ? null : map(lifecycle, "preStop");
    if (preStop == null) {
      return 0;
    }
    if (map(preStop, "sleep") != null) {
      return ((Number) map(preStop, "sleep").get("seconds")).longValue();
    }
    @SuppressWarnings("unchecked")
    List<Object> command = (List<Object>) map(preStop, "exec").get("command");
    if (command.size() == 2 && String.valueOf(command.get(0)).endsWith("sleep")) {
      return Long.parseLong(String.valueOf(command.get(1)));
    }
    throw new AssertionError("preStop is not a plain sleep: " + command);
  }

  private static Map<String, Object> rosterContainer(Map<String, Object> deployment) {
    return list(map(map(map(deployment, "spec"), "template"), "spec"), "containers").stream()
        .filter(c -> "roster".equals(c.get("name"))).findFirst().orElse(Map.of());
  }

  /** The container's environment with literal values: its ConfigMaps' data, then its own env. */
  private static Map<String, String> literalEnv(Map<String, Object> c, Map<String, Map<String, Object>> configMaps) {
    Map<String, String> env = new HashMap<>();
    for (Map<String, Object> from : list(c, "envFrom")) {
      Map<String, Object> ref = map(from, "configMapRef");
      if (ref != null) {
        configMaps.getOrDefault(String.valueOf(ref.get("name")), Map.of())
            .forEach((k, v) -> env.put(k, String.valueOf(v)));
      }
    }
    for (Map<String, Object> e : list(c, "env")) {
      if (e.containsKey("value")) {
        env.put(String.valueOf(e.get("name")), String.valueOf(e.get("value")));
      }
    }
    return env;
  }

  private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
    if (selector == null || labels == null) {
      return false;
    }
    Map<String, Object> match = map(selector, "matchLabels");
    return match != null && !match.isEmpty()
        && match.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }

  private static Map<String, Object> deployment(List<Map<String, Object>> objects, String role) {
    return objects.stream()
        .filter(d -> "Deployment".equals(d.get("kind")) && name(d).equals("roster-" + role))
        .findFirst().orElseThrow();
  }

  private static String name(Map<String, Object> o) {
    return String.valueOf(map(o, "metadata").get("name"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String key) {
    return m == null ? null : (Map<String, Object>) m.get(key);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v == null ? new ArrayList<>() : (List<Map<String, Object>>) v;
  }

  // ---- rendering ----

  private static List<Map<String, Object>> render(Path overlay) throws IOException, InterruptedException {
    String kubectl = kubectl();
    Path stderr = Files.createTempFile("kustomize", ".err");
    try {
      Process p = new ProcessBuilder(kubectl, "kustomize", overlay.toString())
          .redirectError(stderr.toFile())
          .start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("kubectl kustomize " + overlay + " did not finish in 60 s");
      }
      assertThat(p.exitValue())
          .as("kubectl kustomize %s: %s", overlay, Files.readString(stderr))
          .isZero();
      List<Map<String, Object>> objects = new ArrayList<>();
      Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
      for (Object doc : yaml.loadAll(new String(out, StandardCharsets.UTF_8))) {
        if (doc != null) {
          @SuppressWarnings("unchecked")
          Map<String, Object> object = (Map<String, Object>) doc;
          objects.add(object);
        }
      }
      assertThat(objects).as("objects of %s", overlay).isNotEmpty();
      return objects;
    } finally {
      Files.deleteIfExists(stderr);
    }
  }

  private static String kubectl() {
    return ExternalTools.require("kubectl", "kubectl with kustomize; the manifests under deploy/ must"
        + " be rendered in CI").toString();
  }

}
