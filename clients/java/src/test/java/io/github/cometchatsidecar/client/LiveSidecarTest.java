package io.github.cometchatsidecar.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.github.cometchatsidecar.auth.v1.CallsUser;
import io.github.cometchatsidecar.auth.v1.SessionChange;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The client against a real running sidecar and CometChat emulator, configured by
 * SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty: dev mode), EMULATOR_API_URL,
 * EMULATOR_APP_ID, EMULATOR_API_KEY and, for call tokens, EMULATOR_CALL_SESSION_PREFIX (may
 * be empty). Skipped when SIDECAR_ADDRESS is not set; the call-token test also when
 * EMULATOR_CALL_SESSION_PREFIX is not.
 */
@Tag("live")
class LiveSidecarTest {

  private static String env(String name) {
    String value = System.getenv(name);
    return value == null ? "" : value.trim();
  }

  /** The live sidecar's address; aborts (skips) the test when none is configured. */
  private static String liveAddress() {
    String address = env("SIDECAR_ADDRESS");
    if (address.isEmpty()) {
      String why = "live test skipped: SIDECAR_ADDRESS is not set (it also reads "
          + "SIDECAR_APP_CREDENTIAL, EMULATOR_API_URL, EMULATOR_APP_ID, EMULATOR_API_KEY)";
      System.err.println(why);
      Assumptions.abort(why);
    }
    for (String name : new String[] {"EMULATOR_API_URL", "EMULATOR_APP_ID", "EMULATOR_API_KEY"}) {
      if (env(name).isEmpty()) {
        throw new IllegalStateException(name + " must be set when SIDECAR_ADDRESS is");
      }
    }
    return address;
  }

  /** A client of the live sidecar, ready, with nobody logged in for the app. */
  private static SidecarClient liveClient() {
    SidecarClient sidecar = SidecarClient.builder()
        .target(liveAddress())
        .credential(env("SIDECAR_APP_CREDENTIAL"))
        .build();
    sidecar.waitUntilReady(Duration.ofSeconds(30));
    if (sidecar.getLoggedInUser().isPresent()) {
      sidecar.logout();
    }
    return sidecar;
  }

  private static void assertEvent(Iterator<SessionEvent> events, SessionChange change, String uid) {
    SessionEvent event = events.next();
    assertEquals(change, event.change(), event.toString());
    assertEquals(uid, event.user().map(CallsUser::getUid).orElse(null), event.toString());
  }

  @Test
  void watchSessionSeesLoginsAndLogouts() throws Exception {
    try (SidecarClient sidecar = liveClient();
        SessionWatch watch = sidecar.watchSession()) {
      Iterator<SessionEvent> events = watch.iterator();
      assertEvent(events, SessionChange.SESSION_CHANGE_CURRENT, null);

      sidecar.login("cometchat-uid-1");
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_IN, "cometchat-uid-1");
      // Another user's login logs the first one out first.
      sidecar.loginWithToken(mintAuthToken("cometchat-uid-2"));
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_OUT, null);
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_IN, "cometchat-uid-2");

      // A listener-style watch of the same session hears the logout too.
      BlockingQueue<String> heard = new LinkedBlockingQueue<>();
      try (SessionSubscription subscription = sidecar.watchSession(
          event -> heard.add(event.change() + " " + event.user().map(CallsUser::getUid).orElse("-")))) {
        assertEquals("SESSION_CHANGE_CURRENT cometchat-uid-2", heard.poll(10, TimeUnit.SECONDS));
        sidecar.logout();
        assertEquals("SESSION_CHANGE_LOGGED_OUT -", heard.poll(10, TimeUnit.SECONDS));
      }
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_OUT, null);

      watch.close();
      assertFalse(events.hasNext());
    }

    if (!env("SIDECAR_APP_CREDENTIAL").isEmpty()) {
      try (SidecarClient stranger = SidecarClient.builder()
          .target(liveAddress()).credential("not-a-known-credential").build()) {
        SidecarException e = assertThrows(SidecarException.class, stranger::watchSession);
        assertEquals(Status.Code.UNAUTHENTICATED, e.code(), e.toString());
        assertEquals(Reasons.ERROR_UNKNOWN_APP_CREDENTIAL, e.reason(), e.toString());
      }
    }
  }

  private static void assertReason(SidecarException e, String reason, Status.Code code) {
    assertEquals(reason, e.reason(), e.toString());
    assertEquals(code, e.code(), e.toString());
  }

  /** The JSON payload of a JWT-shaped call token. */
  private static Struct jwtPayload(String token) throws Exception {
    String[] parts = token.split("\\.");
    assertEquals(3, parts.length, "the call token is not JWT-shaped");
    String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    Struct.Builder payload = Struct.newBuilder();
    JsonFormat.parser().merge(json, payload);
    return payload.build();
  }

  @Test
  void callTokensAndIssuedTokensAgainstRealSidecar() throws Exception {
    String prefix = System.getenv("EMULATOR_CALL_SESSION_PREFIX");
    if (prefix == null) {
      liveAddress(); // skips first when no live sidecar is configured at all
      String why = "live call-token test skipped: EMULATOR_CALL_SESSION_PREFIX is not set "
          + "(the live stack's policy grants no call tokens)";
      System.err.println(why);
      Assumptions.abort(why);
    }
    try (SidecarClient sidecar = liveClient();
        SessionWatch watch = sidecar.watchSession()) {
      Iterator<SessionEvent> events = watch.iterator();
      assertEvent(events, SessionChange.SESSION_CHANGE_CURRENT, null);

      assertReason(assertThrows(SidecarException.class,
              () -> sidecar.generateCallToken(prefix + "room-1")),
          Reasons.ERROR_AUTH_TOKEN_MISSING, Status.Code.FAILED_PRECONDITION);

      // The backend flow: the sidecar issues a token, the client logs in with it.
      IssuedAuthToken issued = sidecar.issueAuthToken("cometchat-uid-4");
      assertEquals("cometchat-uid-4", issued.uid());
      assertFalse(issued.userCreated());
      assertFalse(issued.authToken().isEmpty());
      assertFalse(issued.toString().contains(issued.authToken()), issued.toString());
      assertEquals("cometchat-uid-4", sidecar.loginWithToken(issued.authToken()).getUid());
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_IN, "cometchat-uid-4");

      // A call token for the logged-in session.
      String sessionId = prefix + "room-1";
      CallToken token = sidecar.generateCallToken(sessionId);
      assertEquals(sessionId, token.sessionId());
      assertEquals("cometchat-uid-4", token.user().getUid());
      Struct data = jwtPayload(token.token()).getFieldsOrThrow("data").getStructValue();
      assertEquals(sessionId, data.getFieldsOrThrow("sessionId").getStringValue());
      assertEquals("cometchat-uid-4", data.getFieldsOrThrow("user").getStructValue()
          .getFieldsOrThrow("uid").getStringValue());
      assertFalse(token.toString().contains(token.token()), token.toString());
      assertEquals(sessionId, sidecar.generateCallTokenAsync(sessionId).join().sessionId());

      assertReason(assertThrows(SidecarException.class, () -> sidecar.generateCallToken(" ")),
          Reasons.ERROR_SESSION_ID_MISSING, Status.Code.INVALID_ARGUMENT);
      assertReason(assertThrows(SidecarException.class,
              () -> sidecar.generateCallToken(prefix + "room with spaces")),
          Reasons.ERROR_INVALID_SESSION_ID, Status.Code.INVALID_ARGUMENT);

      // Revoking the issued token ends the session it holds; watchers hear it.
      assertEquals(1, sidecar.revokeAuthToken("cometchat-uid-4", issued.authToken()));
      assertEvent(events, SessionChange.SESSION_CHANGE_REVOKED, null);
      assertTrue(sidecar.getLoggedInUser().isEmpty(), "the revoked session is still there");
      assertReason(assertThrows(SidecarException.class,
              () -> sidecar.loginWithToken(issued.authToken())),
          Reasons.AUTH_ERR_AUTH_TOKEN_NOT_FOUND, Status.Code.UNAUTHENTICATED);
      assertReason(assertThrows(SidecarException.class,
              () -> sidecar.revokeAuthToken("cometchat-uid-4", "a-token-this-app-never-issued")),
          Reasons.ERROR_TOKEN_NOT_ISSUED_BY_APP, Status.Code.PERMISSION_DENIED);

      // A user CometChat does not know: refused, then created on request.
      String newUid = "java-live-" + System.nanoTime();
      assertReason(assertThrows(SidecarException.class, () -> sidecar.issueAuthToken(newUid)),
          Reasons.ERR_UID_NOT_FOUND, Status.Code.NOT_FOUND);
      IssuedAuthToken created =
          sidecar.issueAuthToken(newUid, IssueOptions.createIfMissing("Java Live"));
      assertTrue(created.userCreated());
      assertEquals("Java Live", sidecar.loginWithToken(created.authToken()).getName());
      assertEvent(events, SessionChange.SESSION_CHANGE_LOGGED_IN, newUid);

      // "Log this user out everywhere".
      assertEquals(1, sidecar.revokeAllAuthTokens(newUid));
      assertEvent(events, SessionChange.SESSION_CHANGE_REVOKED, null);
    }
  }

  @Test
  void fullSessionAgainstRealSidecar() throws Exception {
    String address = liveAddress();
    try (SidecarClient sidecar = SidecarClient.builder()
        .target(address)
        .credential(env("SIDECAR_APP_CREDENTIAL"))
        .build()) {
      sidecar.waitUntilReady(Duration.ofSeconds(30));

      // A session left over from an earlier run would make the steps below lie.
      if (sidecar.getLoggedInUser().isPresent()) {
        sidecar.logout();
      }

      CallsUser andrew = sidecar.login("cometchat-uid-1", "");
      assertEquals("cometchat-uid-1", andrew.getUid());
      assertEquals("Andrew Joseph", andrew.getName());
      assertEquals("cometchat-uid-1", sidecar.getLoggedInUser().orElseThrow().getUid());

      String token = mintAuthToken("cometchat-uid-2");
      CallsUser second = sidecar.loginWithToken(token);
      assertEquals("cometchat-uid-2", second.getUid());
      assertEquals("cometchat-uid-2", sidecar.getLoggedInUser().orElseThrow().getUid());

      sidecar.logout();
      assertFalse(sidecar.getLoggedInUser().isPresent(), "a user is still logged in");

      SidecarException noUser = assertThrows(SidecarException.class, sidecar::logout);
      assertEquals(Reasons.ERROR_NO_USER_LOGGED_IN, noUser.reason(), noUser.toString());

      SidecarException badUid =
          assertThrows(SidecarException.class, () -> sidecar.login("bad uid"));
      assertEquals(Reasons.ERROR_UID_WITH_SPACE, badUid.reason(), badUid.toString());
      assertEquals(Status.Code.INVALID_ARGUMENT, badUid.code());
      assertEquals(SidecarException.DOMAIN_SIDECAR, badUid.domain());
    }

    // With credentials on, an unknown credential is refused before any RPC runs.
    if (!env("SIDECAR_APP_CREDENTIAL").isEmpty()) {
      try (SidecarClient stranger = SidecarClient.builder()
          .target(address).credential("not-a-known-credential").build()) {
        SidecarException e = assertThrows(SidecarException.class, stranger::getLoggedInUser);
        assertEquals(Status.Code.UNAUTHENTICATED, e.code(), e.toString());
      }
    }
  }

  /** Creates an auth token for {@code uid} straight from the emulator's REST API. */
  private static String mintAuthToken(String uid) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request = HttpRequest.newBuilder()
        .uri(URI.create(env("EMULATOR_API_URL").replaceAll("/+$", "")
            + "/v3.0/users/" + uid + "/auth_tokens"))
        .timeout(Duration.ofSeconds(10))
        .header("apikey", env("EMULATOR_API_KEY"))
        .header("appId", env("EMULATOR_APP_ID"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new AssertionError(
          "emulator answered " + response.statusCode() + " minting a token: " + response.body());
    }
    Struct.Builder json = Struct.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(response.body(), json);
    String token = json.getFieldsOrThrow("data").getStructValue()
        .getFieldsOrThrow("authToken").getStringValue();
    if (token.isEmpty()) {
      throw new AssertionError("no data.authToken in " + response.body());
    }
    return token;
  }
}
