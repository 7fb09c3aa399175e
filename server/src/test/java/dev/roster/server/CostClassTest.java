package dev.roster.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.longrunning.OperationsGrpc;
import dev.roster.proto.accounts.v1.AccountsServiceGrpc;
import dev.roster.proto.accounts.v1.ApiKeysServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which methods the API pool's reserve is kept for ({@link BulkheadInterceptor#readsByKey}): the
 * class follows from the method name, so a new method gets one without a list to update; this
 * pins the outcome for every method served, so a new "Get" that is not cheap is noticed.
 */
class CostClassTest {
  @Test
  void readsByKey_areExactlyTheSingleResourceReads() {
    var cheap = Stream.of(AccountsServiceGrpc.getServiceDescriptor(),
            ApiKeysServiceGrpc.getServiceDescriptor(), OperationsGrpc.getServiceDescriptor())
        .map(ServiceDescriptor::getMethods)
        .flatMap(methods -> methods.stream().map(MethodDescriptor::getBareMethodName))
        .filter(BulkheadInterceptor::readsByKey)
        .toList();
    assertThat(cheap).containsExactlyInAnyOrder("GetOrganization", "GetUser", "LookupUser",
        "GetApiKey", "GetOperation", "WaitOperation");
    assertThat(BulkheadInterceptor.readsByKey("BatchGetUsers")).isFalse();
    assertThat(BulkheadInterceptor.readsByKey("ListUsers")).isFalse();
    assertThat(BulkheadInterceptor.readsByKey("UpdateUser")).isFalse();
  }
}
