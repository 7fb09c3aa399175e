package dev.roster.planted.jobs;

import dev.roster.planted.accounts.Accounts;

/** VIOLATION (jobsNeverSeeContextsOrRpc, jobsNeverSeeGrpcOrProto). */
final class KnowsTheContext {
  int count(Accounts accounts) {
    return accounts.count() + new JobStore().size();
  }

  io.grpc.Status status() {
    return io.grpc.Status.OK;
  }
}
