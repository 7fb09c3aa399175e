package dev.roster.server;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves grpc.health.v1.Health: SERVING while the database answers, NOT_SERVING when it does not
 * and, for good, once shutdown begins. The probe runs on its own thread so a health check never
 * waits on the database.
 */
public final class HealthReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthReporter.class);

  private final HealthStatusManager manager = new HealthStatusManager();
  private final ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "roster-health-probe");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean shutDown = new AtomicBoolean();
  private volatile ServingStatus current = ServingStatus.NOT_SERVING;

  private final String[] services;

  /**
   * Probes {@code databaseUp} now and then every {@code interval}; reports the API services too
   * only when this process serves them ({@code servesApi}).
   */
  public HealthReporter(BooleanSupplier databaseUp, Duration interval, boolean servesApi) {
    this.services = servesApi
        ? new String[] {HealthStatusManager.SERVICE_NAME_ALL_SERVICES, AccountsServiceGrpc.SERVICE_NAME}
        : new String[] {HealthStatusManager.SERVICE_NAME_ALL_SERVICES};
    set(ServingStatus.NOT_SERVING);
    check(databaseUp);
    probe.scheduleWithFixedDelay(() -> check(databaseUp), interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  public BindableService service() {
    return manager.getHealthService();
  }

  /** Reports NOT_SERVING from now on, whatever the database says. Safe to call more than once. */
  public void enterShutdown() {
    if (shutDown.compareAndSet(false, true)) {
      probe.shutdownNow();
      manager.enterTerminalState();
    }
  }

  private void check(BooleanSupplier databaseUp) {
    ServingStatus next = databaseUp.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (next != current) {
      log.info("health: {} -> {}", current, next);
      set(next);
    }
  }

  private void set(ServingStatus status) {
    current = status;
    for (String service : services) {
      manager.setStatus(service, status);
    }
  }

  @Override
  public void close() {
    enterShutdown();
  }
}
