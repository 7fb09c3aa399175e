package dev.roster.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes request messages inside the interceptor chain, so bytes that are not a message, or that
 * inflate past the size limit, get a clean error: {@link MalformedMessageException}
 * (INVALID_ARGUMENT) or {@link MessageTooLargeException} (RESOURCE_EXHAUSTED), each with ErrorInfo
 * and one WARN log line.
 *
 * <p>Why: grpc-java parses a request in its own call layer, before any interceptor's listener runs;
 * a parse failure there (a garbled protobuf, or the size check that runs while a gzip body is
 * inflated) closes the call as UNKNOWN and logs a SEVERE stack trace per call, which anyone can
 * trigger. {@link #decodedInChain} serves the service with InputStream messages instead, so grpc
 * only hands over the (still compressed) stream and the parse happens in grpc's wrapper listener,
 * under the listener installed here.
 */
public final class MessageDecoding implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(MessageDecoding.class);

  private final int maxMessageBytes;
  private final Map<String, String> requestTypes;

  private MessageDecoding(int maxMessageBytes, Map<String, String> requestTypes) {
    this.maxMessageBytes = maxMessageBytes;
    this.requestTypes = requestTypes;
  }

  /**
   * {@code service} (already wrapped in its interceptors) with its requests decoded in the chain.
   *
   * @param maxMessageBytes the transport's inbound message limit, reported to refused callers
   */
  public static ServerServiceDefinition decodedInChain(ServerServiceDefinition service,
      int maxMessageBytes) {
    Map<String, String> requestTypes = new HashMap<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      MethodDescriptor<?, ?> descriptor = method.getMethodDescriptor();
      if (descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto
          && proto.getMessagePrototype() instanceof Message prototype) {
        requestTypes.put(descriptor.getFullMethodName(),
            prototype.getDescriptorForType().getFullName());
      }
    }
    return ServerInterceptors.intercept(ServerInterceptors.useInputStreamMessages(service),
        new MessageDecoding(maxMessageBytes, Map.copyOf(requestTypes)));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      // After a refusal the call is closed: the inner listener must not see a half-close without a
      // request (it would try to close the call again). Listener events arrive one at a time.
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (StatusRuntimeException e) {
          refused = true;
          refuse(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  private void refuse(ServerCall<?, ?> call, StatusRuntimeException failure) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Object peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    RuntimeException rule;
    if (failure.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
      // grpc's own limit, enforced while the body is inflated (its message names the limit).
      rule = new MessageTooLargeException(maxMessageBytes);
      log.warn("{} from {} refused: request message too large once decompressed ({})", method,
          peer, failure.getStatus().getDescription());
    } else if (failure.getCause() instanceof InvalidProtocolBufferException cause) {
      rule = new MalformedMessageException(requestTypes.getOrDefault(method, method + " request"));
      log.warn("{} from {} refused: undecodable request message ({})", method, peer,
          cause.getMessage());
    } else {
      rule = failure;
      log.warn("{} from {} refused while decoding its request: {}", method, peer,
          failure.getStatus());
    }
    StatusRuntimeException status = ErrorTranslator.translate(rule, method);
    try {
      call.close(status.getStatus(),
          status.getTrailers() == null ? new Metadata() : status.getTrailers());
    } catch (IllegalStateException alreadyClosed) {
      // An interceptor inside (authentication, limits) refused the call before its message came.
      log.debug("{} already closed when its message failed to decode", method);
    }
  }
}
