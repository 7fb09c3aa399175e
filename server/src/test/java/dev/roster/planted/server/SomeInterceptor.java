package dev.roster.planted.server;

import dev.roster.planted.rpc.SomeHandler;

/** VIOLATION (serverPlumbingNeverTouchesSql, serverPlumbingNeverDependsOnTheApiEdge, cycle). */
public final class SomeInterceptor {
  public String name() {
    return "interceptor";
  }

  Object handler(javax.sql.DataSource dataSource) {
    return dataSource == null ? new SomeHandler() : null;
  }
}
