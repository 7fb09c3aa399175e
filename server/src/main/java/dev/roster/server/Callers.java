package dev.roster.server;

import dev.roster.access.Principal;
import dev.roster.access.Scope;
import dev.roster.platform.errors.ResourceExhaustedException;
import io.grpc.Context;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

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
  /** Takes extra rate-limit tokens for the current call; set by {@link BulkheadInterceptor}. */
  static final Context.Key<IntConsumer> CHARGE = Context.key("roster-charge");
  /** Told who the caller is once authentication has found out (even if the call is then refused). */
  private static final Context.Key<Consumer<Principal>> OBSERVER = Context.key("roster-identified");

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

  /**
   * Charges the current call {@code tokens} more rate-limit tokens, from its key's bucket and its
   * organization's, because it costs more than a plain call (a large or unindexed page). Call it
   * after the request is whitelisted and before the context does the work.
   *
   * @throws ResourceExhaustedException (RATE_LIMIT_EXCEEDED or ORGANIZATION_RATE_LIMIT_EXCEEDED,
   *     with a RetryInfo) when either bucket lacks the tokens; neither is charged then
   */
  public static void charge(int tokens) {
    if (tokens <= 0) {
      return;
    }
    IntConsumer charge = CHARGE.get();
    if (charge == null) {
      throw new IllegalStateException("no admission: BulkheadInterceptor is not installed");
    }
    charge.accept(tokens);
  }

  /**
   * {@code context} with {@code observer}, which {@link AuthInterceptor} tells the principal of the
   * call as soon as its key is known, before the rate limits and bulkheads admit or refuse it; an
   * interceptor outside authentication can so attribute a call and its refusal to an organization.
   * The observer runs on the authenticating thread and must not block.
   */
  public static Context observing(Context context, Consumer<Principal> observer) {
    return context.withValue(OBSERVER, observer);
  }

  /** Tells the current call's observer, if any, who is calling. */
  static void identified(Principal principal) {
    Consumer<Principal> observer = OBSERVER.get();
    if (observer != null) {
      observer.accept(principal);
    }
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
