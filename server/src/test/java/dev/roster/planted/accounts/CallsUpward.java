package dev.roster.planted.accounts;

import dev.roster.planted.rpc.SomeHandler;

/** VIOLATION (contextsNeverSeeTheRpcLayers, contextsNeverSeeGrpcOrProto): a context reaching up. */
final class CallsUpward {
  io.grpc.Status status() {
    return io.grpc.Status.OK;
  }

  Object handler() {
    return new SomeHandler();
  }
}
