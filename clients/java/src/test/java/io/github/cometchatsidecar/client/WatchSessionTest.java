package io.github.cometchatsidecar.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cometchatsidecar.auth.v1.SessionChange;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Offline tests of watchSession, blocking and listener style, against the fake sidecar. */
class WatchSessionTest {
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

  private static void assertEvent(SessionEvent event, SessionChange change, String uid) {
    assertEquals(change, event.change(), event.toString());
    assertEquals(uid, event.user().map(u -> u.getUid()).orElse(null), event.toString());
  }

  private static void assertCancelled(FakeSidecar fake) throws InterruptedException {
    assertEquals("cancelled", fake.watchCancels.poll(5, TimeUnit.SECONDS),
        "the server never saw the watch cancelled");
  }

  @Test
  void iteratesTheChangesUntilClosed() throws Exception {
    client.login("cometchat-uid-1");
    try (SessionWatch watch = client.watchSession()) {
      // The stream carries the credential and no deadline: it is meant to stay open.
      assertEquals("Bearer app-secret", fake.authHeaders.get(fake.authHeaders.size() - 1));
      assertNull(fake.deadlines.get(fake.deadlines.size() - 1));

      Iterator<SessionEvent> events = watch.iterator();
      assertEvent(events.next(), SessionChange.SESSION_CHANGE_CURRENT, "cometchat-uid-1");
      client.loginWithToken(client.issueAuthToken("cometchat-uid-2").authToken());
      assertEvent(events.next(), SessionChange.SESSION_CHANGE_LOGGED_OUT, null);
      assertEvent(events.next(), SessionChange.SESSION_CHANGE_LOGGED_IN, "cometchat-uid-2");
      client.logout();
      assertEvent(events.next(), SessionChange.SESSION_CHANGE_LOGGED_OUT, null);
      assertThrows(IllegalStateException.class, watch::iterator);

      watch.close();
      assertTrue(watch.isClosed());
      assertFalse(events.hasNext());
      assertThrows(NoSuchElementException.class, events::next);
      assertCancelled(fake);
      watch.close(); // again: harmless
    }
  }

  @Test
  void revocationIsSeenAndForEachEndsWhenTheSidecarEndsTheWatch() throws Exception {
    String token = client.issueAuthToken("cust-1").authToken();
    client.loginWithToken(token);
    CompletableFuture<List<String>> seen = new CompletableFuture<>();
    try (SessionWatch watch = client.watchSession()) {
      Thread reader = new Thread(() -> {
        List<String> changes = new ArrayList<>();
        for (SessionEvent event : watch) {
          changes.add(event.change() + " " + event.user().map(u -> u.getUid()).orElse("-"));
        }
        seen.complete(changes);
      });
      reader.start();
      assertEquals(1, client.revokeAuthToken("cust-1", token));
      // The end comes after the events sent before it, however slow the reader.
      fake.endWatches();
      assertEquals(List.of("SESSION_CHANGE_CURRENT cust-1", "SESSION_CHANGE_REVOKED -"),
          seen.get(5, TimeUnit.SECONDS));
      assertFalse(watch.isClosed(), "the sidecar ended it, not the client");
    }
  }

  @Test
  void aStreamFailureIsThrownTyped() {
    try (SessionWatch watch = client.watchSession()) {
      Iterator<SessionEvent> events = watch.iterator();
      assertEvent(events.next(), SessionChange.SESSION_CHANGE_CURRENT, null);
      fake.failWatches(FakeSidecar.error(com.google.rpc.Code.UNAVAILABLE, "store down",
          "STATE_UNAVAILABLE", SidecarException.DOMAIN_SIDECAR, Map.of()));
      SidecarException e = assertThrows(SidecarException.class, events::hasNext);
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertEquals("STATE_UNAVAILABLE", e.reason());
    }
  }

  @Test
  void aRefusedWatchThrowsWhenItOpens() {
    try (SidecarClient stranger = SidecarClient.builder()
        .target("127.0.0.1:" + server.getPort()).credential("wrong").build()) {
      SidecarException e = assertThrows(SidecarException.class, stranger::watchSession);
      assertEquals(Status.Code.UNAUTHENTICATED, e.code());
      assertEquals(Reasons.ERROR_UNKNOWN_APP_CREDENTIAL, e.reason());
    }
  }

  @Test
  void waitsForTheCurrentStateAtMostTheTimeout() throws Exception {
    fake.holdWatch = true;
    SidecarClient quick = client.withTimeout(Duration.ofMillis(300));
    long start = System.nanoTime();
    SidecarException e = assertThrows(SidecarException.class, quick::watchSession);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertTrue(tookMillis >= 250 && tookMillis < 5_000, "took " + tookMillis + " ms");
    assertCancelled(fake); // the call was not left open
  }

  @Test
  void closeFromAnotherThreadWakesABlockedReader() throws Exception {
    SessionWatch watch = client.watchSession();
    Iterator<SessionEvent> events = watch.iterator();
    assertEvent(events.next(), SessionChange.SESSION_CHANGE_CURRENT, null);
    CompletableFuture<Boolean> hasNext = CompletableFuture.supplyAsync(events::hasNext);
    Thread.sleep(100);
    assertFalse(hasNext.isDone(), "hasNext() returned with no event");
    watch.close();
    assertFalse(hasNext.get(5, TimeUnit.SECONDS));
    assertCancelled(fake);
  }

  @Test
  void anInterruptedReaderCancelsTheWatch() throws Exception {
    SessionWatch watch = client.watchSession();
    Iterator<SessionEvent> events = watch.iterator();
    events.next();
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try {
        outcome.add(events.hasNext());
      } catch (SidecarException e) {
        outcome.add(e.code() + " interrupted=" + Thread.currentThread().isInterrupted());
      }
    });
    reader.start();
    Thread.sleep(100);
    reader.interrupt();
    assertEquals("CANCELLED interrupted=true", outcome.poll(5, TimeUnit.SECONDS));
    assertTrue(watch.isClosed());
    assertCancelled(fake);
  }

  @Test
  void listenerGetsEventsAndNothingAfterClose() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    SessionSubscription subscription = client.watchSession(new SessionListener() {
      @Override
      public void onEvent(SessionEvent event) {
        heard.add(event.change() + " " + event.user().map(u -> u.getUid()).orElse("-"));
      }

      @Override
      public void onError(SidecarException error) {
        heard.add("error " + error.code());
      }

      @Override
      public void onCompleted() {
        heard.add("completed");
      }
    });
    assertEquals("SESSION_CHANGE_CURRENT -", heard.poll(5, TimeUnit.SECONDS));
    client.login("cometchat-uid-1");
    assertEquals("SESSION_CHANGE_LOGGED_IN cometchat-uid-1", heard.poll(5, TimeUnit.SECONDS));
    subscription.close();
    assertTrue(subscription.isClosed());
    assertCancelled(fake);
    client.logout();
    assertNull(heard.poll(300, TimeUnit.MILLISECONDS), "heard something after close");
  }

  @Test
  void listenerHearsTheEndAndFailures() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    SessionListener listener = new SessionListener() {
      @Override
      public void onEvent(SessionEvent event) {
        heard.add(event.change().toString());
      }

      @Override
      public void onError(SidecarException error) {
        heard.add("error " + error.code() + " " + error.reason());
      }

      @Override
      public void onCompleted() {
        heard.add("completed");
      }
    };
    try (SessionSubscription ended = client.watchSession(listener)) {
      assertEquals("SESSION_CHANGE_CURRENT", heard.poll(5, TimeUnit.SECONDS));
      fake.endWatches();
      assertEquals("completed", heard.poll(5, TimeUnit.SECONDS));
    }
    try (SidecarClient stranger = SidecarClient.builder()
            .target("127.0.0.1:" + server.getPort()).credential("wrong").build();
        SessionSubscription refused = stranger.watchSession(listener)) {
      assertEquals("error UNAUTHENTICATED ERROR_UNKNOWN_APP_CREDENTIAL", heard.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void closingTheClientEndsItsWatchesAtOnce() throws Exception {
    SidecarClient own = SidecarClient.builder()
        .target("127.0.0.1:" + server.getPort()).credential("app-secret").build();
    SessionWatch watch = own.withTimeout(Duration.ofSeconds(5)).watchSession(); // via a view
    Iterator<SessionEvent> events = watch.iterator();
    events.next();
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    SessionSubscription subscription = own.watchSession(new SessionListener() {
      @Override
      public void onEvent(SessionEvent event) {
        heard.add(event.change().toString());
      }

      @Override
      public void onError(SidecarException error) {
        heard.add("error " + error.code());
      }
    });
    assertEquals("SESSION_CHANGE_CURRENT", heard.poll(5, TimeUnit.SECONDS));

    long start = System.nanoTime();
    own.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(tookMillis < 2_000, "close() waited " + tookMillis + " ms for the open watches");
    assertTrue(watch.isClosed());
    assertTrue(subscription.isClosed());
    assertFalse(events.hasNext());
    assertCancelled(fake);
    assertCancelled(fake);
    assertNull(heard.poll(200, TimeUnit.MILLISECONDS), "the listener heard the cancellation");
  }
}
