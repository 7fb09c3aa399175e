package dev.roster.server;

import dev.roster.access.Principal;
import dev.roster.access.Scope;
import io.grpc.Context;
import java.util.UUID;

/**
 * The authenticated caller of the current call, and the authorisation checks handlers make before
 * they read anything. {@link AuthInterceptor} refuses to send a response from a handler that made
 * no check, so forgetting one fails loudly instead of leaking data.
 */
public final class Callers {
  /** Per call: who is calling, and whether the handler has checked permission yet. */
  static final class Call {
    final Principal principal;
    volatile boolean checked;

    Call(Principal principal) {
      this.principal = principal;
    }
  }

  static final Context.Key<Call> CALL = Context.key("roster-caller");

  private Callers() {}

  /** Requires {@code scope} on {@code organizationId} (platform admins pass). */
  public static void require(UUID organizationId, Scope scope) {
    Call call = current();
    call.principal.require(organizationId, scope);
    call.checked = true;
  }

  /** Requires a platform-admin key. */
  public static void requireAdmin() {
    Call call = current();
    call.principal.requireAdmin();
    call.checked = true;
  }

  public static Principal principal() {
    return current().principal;
  }

  private static Call current() {
    Call call = CALL.get();
    if (call == null) {
      throw new IllegalStateException("no authenticated caller: AuthInterceptor is not installed");
    }
    return call;
  }
}
