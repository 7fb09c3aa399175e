package dev.roster.client;

import com.google.longrunning.Operation;
import com.google.protobuf.ByteString;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersRequest;
import dev.roster.proto.accounts.v1.ExportUsersResponse;
import dev.roster.proto.accounts.v1.ReadExportRequest;
import dev.roster.proto.accounts.v1.ReadExportResponse;
import io.grpc.Context;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * Users exports for {@link Users}: ExportUsers as an {@link OperationFuture}, and ReadExport's
 * stream of the finished file (gzip-compressed NDJSON, one user per line) as chunks, bytes or
 * lines.
 */
final class Exports {
  private final Calls calls;
  private final Operations operations;

  Exports(Calls calls, Poller poller) {
    this.calls = calls;
    this.operations = new Operations(calls, poller);
  }

  /** Starts the export (the call returns once it is recorded) and follows it. */
  OperationFuture<ExportUsersResponse, ExportUsersMetadata> export(ExportUsersRequest request,
      PollingSettings polling) {
    Operation started = calls.unary(AccountsServiceGrpc.getExportUsersMethod(), request);
    return follow(CompletableFuture.completedFuture(started), polling);
  }

  /** Starts the export without waiting for the call; its failure fails the future. */
  OperationFuture<ExportUsersResponse, ExportUsersMetadata> exportAsync(ExportUsersRequest request,
      PollingSettings polling) {
    return follow(calls.unaryAsync(AccountsServiceGrpc.getExportUsersMethod(), request), polling);
  }

  private OperationFuture<ExportUsersResponse, ExportUsersMetadata> follow(
      CompletableFuture<Operation> started, PollingSettings polling) {
    return operations.follow(started, ExportUsersResponse.class, ExportUsersMetadata.class,
        polling);
  }

  /**
   * The file's chunks in order. The stream runs in its own cancellable context, so
   * {@link Chunks#close()} ends the call on the server when the caller stops early.
   */
  Chunks chunks(String operationName) {
    return chunks(ReadExportRequest.newBuilder().setName(operationName).build());
  }

  Chunks chunks(ReadExportRequest request) {
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      Iterator<ReadExportResponse> stream = context.call(() -> calls.serverStreaming(
          AccountsServiceGrpc.getReadExportMethod(), request));
      return new Chunks(stream, context);
    } catch (RuntimeException e) {
      context.cancel(null);
      throw e;
    } catch (Exception e) {
      context.cancel(null);
      throw Errors.translate(e);
    }
  }

  Stream<ByteString> chunkStream(ReadExportRequest request) {
    Chunks chunks = chunks(request);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(chunks, Spliterator.ORDERED),
        false).onClose(chunks::close);
  }

  long copyTo(String operationName, OutputStream out) {
    long bytes = 0;
    try (Chunks chunks = chunks(operationName)) {
      while (chunks.hasNext()) {
        ByteString chunk = chunks.next();
        chunk.writeTo(out);
        bytes += chunk.size();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }

  Stream<String> lines(String operationName) {
    Chunks chunks = chunks(operationName);
    try {
      BufferedReader reader = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(chunks.asInputStream(), 1 << 16), StandardCharsets.UTF_8));
      return reader.lines().onClose(chunks::close);
    } catch (IOException | RuntimeException e) {
      chunks.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** The chunks of one ReadExport call; closing it cancels the call if it has not ended. */
  static final class Chunks implements Iterator<ByteString>, AutoCloseable {
    private final Iterator<ReadExportResponse> stream;
    private final Context.CancellableContext context;

    Chunks(Iterator<ReadExportResponse> stream, Context.CancellableContext context) {
      this.stream = stream;
      this.context = context;
    }

    @Override
    public boolean hasNext() {
      boolean more = stream.hasNext();
      if (!more) {
        context.cancel(null);
      }
      return more;
    }

    @Override
    public ByteString next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return stream.next().getData();
    }

    @Override
    public void close() {
      context.cancel(null);
    }

    /** The chunks as one stream of bytes; RosterException subclasses pass through its reads. */
    InputStream asInputStream() {
      return new InputStream() {
        private InputStream current = InputStream.nullInputStream();

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          while (true) {
            int n = current.read(b, off, len);
            if (n >= 0) {
              return n;
            }
            if (!Chunks.this.hasNext()) {
              return -1;
            }
            current = Chunks.this.next().newInput();
          }
        }

        @Override
        public void close() {
          Chunks.this.close();
        }
      };
    }
  }
}
