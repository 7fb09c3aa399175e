package dev.roster.rpc;

import com.google.protobuf.ByteString;
import dev.roster.proto.accounts.v1.ReadExportResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Sends an export's file as ReadExport chunks, only as fast as the client takes them: it writes
 * while the call is ready and returns when it is not, so a slow reader holds buffers of at most
 * the transport's window, not a call thread. gRPC runs the ready and cancel handlers on the call's
 * executor (call threads, never the event loop), one at a time, so reading the file blocks no
 * event loop and needs no locking here.
 */
final class ExportChunks implements Runnable {
  static final int CHUNK_BYTES = 64 * 1024;

  private final InputStream in;
  private final ServerCallStreamObserver<ReadExportResponse> out;
  private boolean closed;

  private ExportChunks(InputStream in, ServerCallStreamObserver<ReadExportResponse> out) {
    this.in = in;
    this.out = out;
  }

  /** Streams {@code in} to {@code out} and closes it at the end, on error or on cancellation. */
  static void stream(InputStream in, ServerCallStreamObserver<ReadExportResponse> out) {
    ExportChunks chunks = new ExportChunks(in, out);
    out.setOnCancelHandler(chunks::close);
    out.setOnReadyHandler(chunks);
  }

  @Override
  public void run() {
    if (closed) {
      return;
    }
    try {
      while (out.isReady()) {
        byte[] chunk = in.readNBytes(CHUNK_BYTES);
        if (chunk.length == 0) {
          close();
          out.onCompleted();
          return;
        }
        out.onNext(ReadExportResponse.newBuilder().setData(ByteString.copyFrom(chunk)).build());
      }
    } catch (IOException e) {
      close();
      // The error interceptor closes the call with INTERNAL and logs it: a server-side fault.
      throw new UncheckedIOException("reading an export's file failed", e);
    }
  }

  private void close() {
    closed = true;
    try {
      in.close();
    } catch (IOException e) {
      // Nothing to do: the stream was only read.
    }
  }
}
