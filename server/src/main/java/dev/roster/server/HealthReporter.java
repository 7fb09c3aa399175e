package dev.roster.server;

import dev.roster.platform.db.DatabaseAvailability;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves grpc.health.v1.Health: SERVING while the database is up ({@link DatabaseAvailability},
 * decided by the database probe), NOT_SERVING while it is down and, for good, once shutdown
 * begins. A health check only reads the status kept here; it never waits on the database.
 */
public final class HealthReporter implements AutoCloseable {
  private final HealthStatusManager manager = new HealthStatusManager();
  private final AtomicBoolean shutDown = new AtomicBoolean();
  private final String[] services;
  private final DatabaseAvailability database;

  /**
   * Reports {@code database}'s availability from now on, for {@code ""} and, only when this
   * process serves the API ({@code servesApi}), for AccountsService too.
   */
  public HealthReporter(DatabaseAvailability database, boolean servesApi) {
    this.services = servesApi
        ? new String[] {HealthStatusManager.SERVICE_NAME_ALL_SERVICES, AccountsServiceGrpc.SERVICE_NAME}
        : new String[] {HealthStatusManager.SERVICE_NAME_ALL_SERVICES};
    this.database = database;
    // The probe logs each transition (with its cause); no second line here.
    database.onChange(up -> refresh());
    refresh();
  }

  public BindableService service() {
    return manager.getHealthService();
  }

  /** Reports NOT_SERVING from now on, whatever the database says. Safe to call more than once. */
  public void enterShutdown() {
    if (shutDown.compareAndSet(false, true)) {
      synchronized (this) {
        manager.enterTerminalState();
      }
    }
  }

  /**
   * Whether the gRPC health service says SERVING now: the database is up and shutdown has not
   * begun. The admin port's {@code /readyz} answers from this, so HTTP and gRPC probes agree.
   */
  public boolean serving() {
    return !shutDown.get() && database.up();
  }

  /** Sets the status from the database's current state (read under the lock, so never stale). */
  private synchronized ServingStatus refresh() {
    ServingStatus status = database.up() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (shutDown.get()) {
      return ServingStatus.NOT_SERVING;
    }
    for (String service : services) {
      manager.setStatus(service, status);
    }
    return status;
  }

  @Override
  public void close() {
    enterShutdown();
  }
}
