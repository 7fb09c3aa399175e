package dev.roster.rpc;

import com.google.longrunning.Operation;
import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.roster.accounts.ExportOperation;
import dev.roster.proto.accounts.v1.ExportUsersMetadata;
import dev.roster.proto.accounts.v1.ExportUsersResponse;

/** Maps export operations to google.longrunning.Operation (AIP-151). */
final class OperationsMapper {
  private OperationsMapper() {}

  static Operation toProto(ExportOperation op) {
    String name = ResourceNames.operation(op.organizationId(), op.id());
    ExportUsersMetadata.Builder metadata = ExportUsersMetadata.newBuilder()
        .setExportedCount(op.exportedCount())
        .setCreateTime(AccountsMapper.timestamp(op.createTime()))
        .setUpdateTime(AccountsMapper.timestamp(op.updateTime()))
        .setCancelRequested(op.cancelRequested());
    op.expireTime().ifPresent(t -> metadata.setExpireTime(AccountsMapper.timestamp(t)));
    Operation.Builder b = Operation.newBuilder()
        .setName(name)
        .setDone(op.done())
        .setMetadata(Any.pack(metadata.build()));
    // The uri is the operation's name, for ReadExport: the file's path stays on the server.
    op.result().ifPresent(r -> b.setResponse(Any.pack(ExportUsersResponse.newBuilder()
        .setUri(name).setUserCount(r.userCount()).setByteCount(r.byteCount()).build())));
    op.error().ifPresent(e -> b.setError(Status.newBuilder()
        .setCode(codeOf(e.code()).getNumber()).setMessage(e.message()).build()));
    return b.build();
  }

  private static Code codeOf(String name) {
    try {
      return Code.valueOf(name);
    } catch (IllegalArgumentException e) {
      return Code.UNKNOWN;
    }
  }
}
