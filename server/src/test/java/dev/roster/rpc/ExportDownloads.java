package dev.roster.rpc;

import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ReadExportRequest;
import dev.roster.proto.accounts.v1.ReadExportResponse;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** Reads an export's file through ReadExport, as a client would. */
public final class ExportDownloads {
  private ExportDownloads() {}

  /** The whole file: the chunks of the stream, concatenated. */
  public static byte[] read(AccountsServiceGrpc.AccountsServiceBlockingStub accounts, String name) {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    Iterator<ReadExportResponse> chunks = accounts.withDeadlineAfter(60, TimeUnit.SECONDS)
        .readExport(ReadExportRequest.newBuilder().setName(name).build());
    while (chunks.hasNext()) {
      file.writeBytes(chunks.next().getData().toByteArray());
    }
    return file.toByteArray();
  }
}
