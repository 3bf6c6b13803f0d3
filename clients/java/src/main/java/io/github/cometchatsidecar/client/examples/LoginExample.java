package io.github.cometchatsidecar.client.examples;

import io.github.cometchatsidecar.auth.v1.CallsUser;
import io.github.cometchatsidecar.client.Reasons;
import io.github.cometchatsidecar.client.SidecarClient;
import io.github.cometchatsidecar.client.SidecarException;
import java.time.Duration;

/**
 * Logs a user in through the sidecar, shows who is logged in, and logs out.
 *
 * <pre>
 * SIDECAR_ADDRESS=127.0.0.1:50051 SIDECAR_APP_CREDENTIAL=... \
 *   mvn -q compile exec:java -Dexec.mainClass=io.github.cometchatsidecar.client.examples.LoginExample \
 *   -Dexec.args=cometchat-uid-1
 * </pre>
 */
public final class LoginExample {
  private LoginExample() {}

  public static void main(String[] args) {
    String uid = args.length > 0 ? args[0] : "cometchat-uid-1";
    String target = System.getenv().getOrDefault("SIDECAR_ADDRESS", SidecarClient.DEFAULT_TARGET);
    int exitCode = 0;
    try (SidecarClient sidecar =
        SidecarClient.builder()
            .target(target)
            .credential(System.getenv("SIDECAR_APP_CREDENTIAL"))
            .build()) {
      sidecar.waitUntilReady(Duration.ofSeconds(30));
      CallsUser user = sidecar.login(uid);
      System.out.printf("logged in: %s (%s)%n", user.getUid(), user.getName());
      sidecar.getLoggedInUser().ifPresent(u -> System.out.println("current user: " + u.getUid()));
      sidecar.logout();
      System.out.println("logged out");
    } catch (SidecarException e) {
      if (Reasons.ERR_UID_NOT_FOUND.equals(e.reason())) {
        System.err.println("no such user: " + uid);
      } else {
        System.err.printf("sidecar error %s reason=%s domain=%s retryDelay=%s%n",
            e.code(), e.reason(), e.domain(), e.retryDelay().orElse(null));
      }
      exitCode = 1;
    }
    if (exitCode != 0) {
      System.exit(exitCode); // after close(): the client is shut down cleanly
    }
  }
}
