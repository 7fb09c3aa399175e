package dev.roster.planted.rpc;

import dev.roster.planted.accounts.internal.Secret;
import dev.roster.planted.server.SomeInterceptor;

/** VIOLATION (apiEdgeNeverTouchesSql, contextInternalPackages, and a cycle with server). */
public final class SomeHandler {
  public String handle(java.sql.Connection connection) throws java.sql.SQLException {
    return connection.getSchema() + Secret.value() + new SomeInterceptor().name();
  }
}
