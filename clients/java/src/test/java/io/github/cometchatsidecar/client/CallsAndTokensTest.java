package io.github.cometchatsidecar.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest;
import io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest;
import io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Offline tests of call tokens and issued auth tokens: the real SidecarClient against the fake
 * sidecar over loopback TCP.
 */
class CallsAndTokensTest {
  private FakeSidecar fake;
  private Server server;
  private SidecarClient client;

  @BeforeEach
  void start() throws IOException {
    fake = new FakeSidecar();
    fake.setServing(ServingStatus.SERVING);
    fake.requireCredential("app-secret");
    server = fake.addTo(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())).start();
    client = SidecarClient.builder()
        .target("127.0.0.1:" + server.getPort()).credential("app-secret").build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    client.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void callTokenForTheLoggedInUser() {
    client.login("cometchat-uid-1");
    CallToken token = client.generateCallToken("app:room-42");
    assertEquals(FakeSidecar.CALL_TOKEN, token.token());
    assertEquals("app:room-42", token.sessionId());
    assertEquals("cometchat-uid-1", token.user().getUid());
    assertEquals(GenerateCallTokenRequest.newBuilder().setSessionId("app:room-42").build(),
        fake.requests.get(0));
    // The credential and the deadline, as on every call.
    assertEquals("Bearer app-secret", fake.authHeaders.get(fake.authHeaders.size() - 1));
    Deadline deadline = fake.deadlines.get(fake.deadlines.size() - 1);
    assertNotNull(deadline);
    assertTrue(deadline.timeRemaining(TimeUnit.MILLISECONDS) > 8_000);

    assertEquals(
        "CallToken[sessionId=app:room-42, uid=cometchat-uid-1, token=[redacted]]", token.toString());
    assertFalse(String.valueOf(token).contains("call-token-secret"));
    assertFalse(String.format("%s", Optional.of(token)).contains("call-token-secret"));

    assertEquals(FakeSidecar.CALL_TOKEN, client.generateCallTokenAsync("app:room-43").join().token());
  }

  @Test
  void callTokenRefusalsAreTyped() {
    SidecarException nobody =
        assertThrows(SidecarException.class, () -> client.generateCallToken("app:room"));
    assertEquals(Reasons.ERROR_AUTH_TOKEN_MISSING, nobody.reason());
    assertEquals(Status.Code.FAILED_PRECONDITION, nobody.code());

    client.login("cometchat-uid-1");
    SidecarException blank = assertThrows(SidecarException.class, () -> client.generateCallToken(" "));
    assertEquals(Reasons.ERROR_SESSION_ID_MISSING, blank.reason());
    assertEquals(Status.Code.INVALID_ARGUMENT, blank.code());

    SidecarException prefix =
        assertThrows(SidecarException.class, () -> client.generateCallToken("other:room"));
    assertEquals(Reasons.ERROR_SESSION_ID_NOT_ALLOWED, prefix.reason());
    assertEquals(Status.Code.PERMISSION_DENIED, prefix.code());

    SidecarException limited =
        assertThrows(SidecarException.class, () -> client.generateCallToken("app:too-fast"));
    assertEquals(Reasons.ERROR_CALL_TOKEN_RATE_LIMITED, limited.reason());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, limited.code());
    assertEquals(Optional.of(Duration.ofMillis(200)), limited.retryDelay());

    CompletionException async = assertThrows(CompletionException.class,
        () -> client.generateCallTokenAsync("other:room").join());
    assertEquals(Reasons.ERROR_SESSION_ID_NOT_ALLOWED,
        assertInstanceOf(SidecarException.class, async.getCause()).reason());

    assertThrows(NullPointerException.class, () -> client.generateCallToken(null));
  }

  @Test
  void issuedTokenLogsInAndItsRevocationEndsTheSession() {
    IssuedAuthToken issued = client.issueAuthToken("Cust-1");
    assertEquals("cust-1", issued.uid());
    assertEquals(Instant.ofEpochSecond(1_700_000_000L), issued.createdAt());
    assertFalse(issued.userCreated());
    assertEquals(IssueAuthTokenRequest.newBuilder().setUid("Cust-1").build(), fake.requests.get(0));
    assertEquals("IssuedAuthToken[uid=cust-1, createdAt=2023-11-14T22:13:20Z, userCreated=false, "
        + "authToken=[redacted]]", issued.toString());
    assertFalse(issued.toString().contains(issued.authToken()));

    assertEquals("cust-1", client.loginWithToken(issued.authToken()).getUid());
    assertEquals(1, client.revokeAuthToken("cust-1", issued.authToken()));
    assertEquals(RevokeAuthTokenRequest.newBuilder()
        .setUid("cust-1").setAuthToken(issued.authToken()).build(), fake.requests.get(1));
    assertTrue(client.getLoggedInUser().isEmpty(), "the revoked token's session is still there");

    // Revoked, it is no longer this app's to revoke.
    SidecarException again = assertThrows(SidecarException.class,
        () -> client.revokeAuthToken("cust-1", issued.authToken()));
    assertEquals(Reasons.ERROR_TOKEN_NOT_ISSUED_BY_APP, again.reason());
    assertFalse(again.getMessage().contains(issued.authToken()), again.getMessage());
  }

  @Test
  void issueWithCreateIfMissingAndRefusals() {
    IssuedAuthToken created = client.issueAuthToken("cust-2", IssueOptions.createIfMissing("Ada"));
    assertTrue(created.userCreated());
    assertEquals(IssueAuthTokenRequest.newBuilder()
        .setUid("cust-2").setCreateIfMissing(true).setName("Ada").build(), fake.requests.get(0));
    assertEquals("IssueOptions[createIfMissing, name=Ada]", IssueOptions.createIfMissing("Ada").toString());

    SidecarException notAllowed =
        assertThrows(SidecarException.class, () -> client.issueAuthToken("admin"));
    assertEquals(Reasons.ERROR_UID_NOT_ALLOWED, notAllowed.reason());
    assertEquals(Status.Code.PERMISSION_DENIED, notAllowed.code());

    assertEquals("cust-3",
        client.issueAuthTokenAsync("cust-3", IssueOptions.defaults()).join().uid());
    assertThrows(NullPointerException.class, () -> client.issueAuthToken("u", null));
  }

  @Test
  void revokeAllNeedsItsGrant() {
    SidecarException denied =
        assertThrows(SidecarException.class, () -> client.revokeAllAuthTokens("cust-1"));
    assertEquals(Reasons.ERROR_OPERATION_NOT_ALLOWED, denied.reason());
    assertEquals(Status.Code.PERMISSION_DENIED, denied.code());

    fake.revokeAllGranted = true;
    assertEquals(0, client.revokeAllAuthTokens("cust-1"));
    client.login("cust-1");
    assertEquals(1, client.revokeAllAuthTokensAsync("cust-1").join());
    assertTrue(client.getLoggedInUser().isEmpty());
    String token = client.issueAuthToken("cust-1").authToken();
    assertEquals(0, client.revokeAuthTokenAsync("cust-1", token).join());
  }
}
