package io.github.cometchatsidecar.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cometchatsidecar.auth.v1.CallsUser;
import io.github.cometchatsidecar.auth.v1.UserStatus;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline tests: the real SidecarClient against a fake sidecar served by a real gRPC server
 * on loopback TCP (and on a Unix socket), so headers, deadlines and rich statuses cross a
 * real wire.
 */
class SidecarClientTest {
  private FakeSidecar fake;
  private Server server;
  private String target;

  @BeforeEach
  void startServer() throws IOException {
    fake = new FakeSidecar();
    fake.setServing(ServingStatus.SERVING);
    server = fake.addTo(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()))
        .start();
    target = "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private SidecarClient client() {
    return SidecarClient.builder().target(target).build();
  }

  @Test
  void loginReturnsTheUser() {
    try (SidecarClient client = client()) {
      CallsUser user = client.login("cometchat-uid-1");
      assertEquals("cometchat-uid-1", user.getUid());
      assertEquals("Name of cometchat-uid-1", user.getName());
      assertEquals(UserStatus.USER_STATUS_ONLINE, user.getStatus());
      assertEquals(Optional.of(user), client.getLoggedInUser());
    }
  }

  @Test
  void getLoggedInUserIsEmptyWhenNobodyIsLoggedIn() {
    try (SidecarClient client = client()) {
      assertEquals(Optional.empty(), client.getLoggedInUser());
      client.loginWithToken("token-for-cometchat-uid-2");
      assertEquals("cometchat-uid-2", client.getLoggedInUser().orElseThrow().getUid());
      client.logout();
      assertEquals(Optional.empty(), client.getLoggedInUser());
    }
  }

  @Test
  void richErrorBecomesTypedException() {
    try (SidecarClient client = client()) {
      SidecarException e = assertThrows(SidecarException.class, () -> client.login("bad uid"));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
      assertEquals(Reasons.ERROR_UID_WITH_SPACE, e.reason());
      assertEquals(SidecarException.DOMAIN_SIDECAR, e.domain());
      assertEquals(Map.of("uid", "bad uid"), e.metadata());
      assertEquals("uid has a space", e.description());
      assertEquals(Optional.empty(), e.retryDelay());
      assertEquals("INVALID_ARGUMENT [ERROR_UID_WITH_SPACE]: uid has a space", e.getMessage());
    }
  }

  @Test
  void passedThroughCometChatErrorKeepsItsDomain() {
    try (SidecarClient client = client()) {
      SidecarException e = assertThrows(SidecarException.class, () -> client.login("missing-user"));
      assertEquals(Status.Code.NOT_FOUND, e.code());
      assertEquals(Reasons.ERR_UID_NOT_FOUND, e.reason());
      assertEquals(SidecarException.DOMAIN_COMETCHAT_API, e.domain());
      assertEquals("missing-user", e.metadata().get("uid"));

      SidecarException t = assertThrows(SidecarException.class, () -> client.loginWithToken("nope"));
      assertEquals(Status.Code.UNAUTHENTICATED, t.code());
      assertEquals(Reasons.AUTH_ERR_AUTH_TOKEN_NOT_FOUND, t.reason());
    }
  }

  @Test
  void retryInfoBecomesRetryDelay() {
    try (SidecarClient client = client()) {
      SidecarException e = assertThrows(SidecarException.class, () -> client.login("flaky-upstream"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertEquals(Reasons.UPSTREAM_UNAVAILABLE, e.reason());
      assertEquals(Optional.of(Duration.ofMillis(2500)), e.retryDelay());
    }
  }

  @Test
  void statusWithoutDetailsStillBecomesTypedException() {
    try (SidecarClient client = client()) {
      SidecarException e = assertThrows(SidecarException.class, () -> client.login("plain-error"));
      assertEquals(Status.Code.INTERNAL, e.code());
      assertEquals("", e.reason());
      assertEquals("", e.domain());
      assertTrue(e.metadata().isEmpty());
      assertEquals("no details here", e.description());
    }
  }

  @Test
  void logoutWithNobodyLoggedInFails() {
    try (SidecarClient client = client()) {
      SidecarException e = assertThrows(SidecarException.class, client::logout);
      assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
      assertEquals(Reasons.ERROR_NO_USER_LOGGED_IN, e.reason());
    }
  }

  @Test
  void credentialIsSentOnEveryCall() {
    fake.requireCredential("app-secret");
    try (SidecarClient client =
        SidecarClient.builder().target(target).credential("app-secret").build()) {
      client.waitUntilReady(Duration.ofSeconds(5));
      client.login("cometchat-uid-1");
      client.getLoggedInUser();
      client.logout();
      client.loginAsync("cometchat-uid-1").join();
    }
    // The AuthService calls (the health check is not intercepted by the fake).
    assertEquals(List.of("Bearer app-secret", "Bearer app-secret", "Bearer app-secret",
        "Bearer app-secret"), fake.authHeaders);
  }

  @Test
  void noCredentialSendsNoHeaderAndWrongOneIsUnauthenticated() {
    try (SidecarClient client = SidecarClient.builder().target(target).credential("").build()) {
      client.getLoggedInUser();
    }
    assertEquals(List.of(""), fake.authHeaders);

    fake.requireCredential("app-secret");
    try (SidecarClient none = client();
        SidecarClient wrong = SidecarClient.builder().target(target).credential("other").build()) {
      SidecarException e = assertThrows(SidecarException.class, none::getLoggedInUser);
      assertEquals(Status.Code.UNAUTHENTICATED, e.code());
      assertEquals(Reasons.ERROR_MISSING_APP_CREDENTIAL, e.reason());
      SidecarException w = assertThrows(SidecarException.class, wrong::getLoggedInUser);
      assertEquals(Status.Code.UNAUTHENTICATED, w.code());
      assertEquals(Reasons.ERROR_UNKNOWN_APP_CREDENTIAL, w.reason());
    }
    assertEquals(List.of("", "", "Bearer other"), fake.authHeaders);
  }

  @Test
  void everyCallGetsTheDefaultDeadline() {
    try (SidecarClient client = client()) {
      client.getLoggedInUser();
      client.getLoggedInUserAsync().join();
    }
    assertEquals(2, fake.deadlines.size());
    for (Deadline d : fake.deadlines) {
      assertNotNull(d, "call had no deadline");
      long remaining = d.timeRemaining(TimeUnit.MILLISECONDS);
      assertTrue(remaining > 8_000 && remaining <= 10_000, "deadline was " + remaining + " ms");
    }
  }

  @Test
  void shorterTimeoutEndsSlowCallWithDeadlineExceeded() {
    try (SidecarClient client = client()) {
      SidecarClient quick = client.withTimeout(Duration.ofMillis(200));
      long start = System.nanoTime();
      SidecarException e = assertThrows(SidecarException.class, () -> quick.login("slow"));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
      assertEquals("", e.reason());
      assertTrue(tookMillis < 2_000, "took " + tookMillis + " ms");
      quick.close(); // a view closes nothing: the parent still works
      assertTrue(client.getLoggedInUser().isEmpty());
    }
  }

  @Test
  void asyncCallsFailWithTypedException() {
    try (SidecarClient client = client()) {
      assertEquals("cometchat-uid-1", client.loginAsync("cometchat-uid-1").join().getUid());
      assertNull(client.logoutAsync().join());
      CompletionException e =
          assertThrows(CompletionException.class, () -> client.logoutAsync().join());
      SidecarException cause = assertInstanceOf(SidecarException.class, e.getCause());
      assertEquals(Reasons.ERROR_NO_USER_LOGGED_IN, cause.reason());
      assertFalse(client.getLoggedInUserAsync().join().isPresent());
    }
  }

  @Test
  void waitUntilReadyReturnsOnceServing() {
    fake.setServing(ServingStatus.NOT_SERVING);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (SidecarClient client = client()) {
      timer.schedule(() -> fake.setServing(ServingStatus.SERVING), 400, TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      client.waitUntilReady(Duration.ofSeconds(10));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMillis >= 300 && tookMillis < 5_000, "took " + tookMillis + " ms");
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void waitUntilReadyFailsClearlyWhenNotServing() {
    fake.setServing(ServingStatus.NOT_SERVING);
    try (SidecarClient client = client()) {
      long start = System.nanoTime();
      SidecarNotReadyException e = assertThrows(SidecarNotReadyException.class,
          // Long enough for a health check to be answered even on a loaded machine.
          () -> client.waitUntilReady(Duration.ofMillis(2_000)));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMillis >= 1_950 && tookMillis < 6_000, "took " + tookMillis + " ms");
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
      assertTrue(e.getMessage().contains("NOT_SERVING"), e.getMessage());
      assertTrue(e.getMessage().contains(target), e.getMessage());
    }
  }

  @Test
  void waitUntilReadyFailsClearlyWhenNothingListens() throws IOException {
    int freePort;
    try (ServerSocket s = new ServerSocket(0)) {
      freePort = s.getLocalPort();
    }
    try (SidecarClient client = SidecarClient.builder().target("127.0.0.1:" + freePort).build()) {
      SidecarNotReadyException e = assertThrows(SidecarNotReadyException.class,
          () -> client.waitUntilReady(Duration.ofMillis(500)));
      assertTrue(e.getMessage().contains("UNAVAILABLE"), e.getMessage());
      assertNotNull(e.getCause());
    }
  }

  @Test
  void callsAfterCloseFail() {
    SidecarClient client = client();
    client.getLoggedInUser();
    client.close();
    SidecarException e = assertThrows(SidecarException.class, client::getLoggedInUser);
    assertEquals(Status.Code.UNAVAILABLE, e.code());
  }

  @Test
  void unixSocketTarget(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Epoll.isAvailable(), "no epoll transport: Unix sockets unsupported here");
    Path socket = dir.resolve("sidecar.sock");
    EventLoopGroup group = new EpollEventLoopGroup(1);
    FakeSidecar udsFake = new FakeSidecar();
    udsFake.setServing(ServingStatus.SERVING);
    udsFake.requireCredential("uds-secret");
    Server udsServer = udsFake.addTo(
            NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group))
        .start();
    try (SidecarClient client = SidecarClient.builder()
        .socketPath(socket.toString()).credential("uds-secret").build()) {
      assertEquals("unix://" + socket, client.target());
      assertTrue(Files.exists(socket));
      client.waitUntilReady(Duration.ofSeconds(5));
      assertEquals("cometchat-uid-3", client.login("cometchat-uid-3").getUid());
      assertEquals(List.of("Bearer uds-secret"), udsFake.authHeaders);
    } finally {
      udsServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void builderRejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> SidecarClient.builder().target(" "));
    assertThrows(IllegalArgumentException.class,
        () -> SidecarClient.builder().timeout(Duration.ZERO));
    assertThrows(NullPointerException.class, () -> SidecarClient.builder().target(null));
    try (SidecarClient client = client()) {
      assertEquals(SidecarClient.DEFAULT_TIMEOUT, client.timeout());
      assertEquals(Duration.ofSeconds(10), client.timeout());
      assertThrows(IllegalArgumentException.class,
          () -> client.waitUntilReady(Duration.ofSeconds(-1)));
    }
  }

  private static void assertNull(Object o) {
    org.junit.jupiter.api.Assertions.assertNull(o);
  }
}
