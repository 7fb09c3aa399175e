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
    Operation.Builder b = Operation.newBuilder()
        .setName(ResourceNames.operation(op.organizationId(), op.id()))
        .setDone(op.done())
        .setMetadata(Any.pack(ExportUsersMetadata.newBuilder()
            .setExportedCount(op.exportedCount())
            .setCreateTime(AccountsMapper.timestamp(op.createTime()))
            .setUpdateTime(AccountsMapper.timestamp(op.updateTime()))
            .setCancelRequested(op.cancelRequested())
            .build()));
    op.result().ifPresent(r -> b.setResponse(Any.pack(ExportUsersResponse.newBuilder()
        .setUri(r.uri()).setUserCount(r.userCount()).setByteCount(r.byteCount()).build())));
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
