package dev.roster.planted.platform;

import dev.roster.planted.accounts.Accounts;

/** VIOLATION (platformNeverSeesContextsOrRpc, platformNeverSeesGrpcOrProto). */
public final class KnowsTheContext {
  public int count(Accounts accounts) {
    return accounts.count();
  }

  public io.grpc.Metadata headers() {
    return new io.grpc.Metadata();
  }
}
