// Package e2e holds the live test: the Go client against a real running
// sidecar and CometChat emulator, configured by environment variables.
package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
	"github.com/cometchat-sidecar/cometchat-sidecar/clients/go/sidecar"
)

type liveEnv struct {
	address, credential, apiURL, appID, apiKey string
}

// env reads the live stack's variables, skipping the test when they are
// absent. SIDECAR_APP_CREDENTIAL may be empty (a sidecar in dev mode).
func env(t *testing.T) liveEnv {
	t.Helper()
	e := liveEnv{
		address:    os.Getenv("SIDECAR_ADDRESS"),
		credential: os.Getenv("SIDECAR_APP_CREDENTIAL"),
		apiURL:     strings.TrimRight(os.Getenv("EMULATOR_API_URL"), "/"),
		appID:      os.Getenv("EMULATOR_APP_ID"),
		apiKey:     os.Getenv("EMULATOR_API_KEY"),
	}
	var missing []string
	for _, v := range []struct{ name, value string }{
		{"SIDECAR_ADDRESS", e.address}, {"EMULATOR_API_URL", e.apiURL},
		{"EMULATOR_APP_ID", e.appID}, {"EMULATOR_API_KEY", e.apiKey},
	} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("live test skipped: no live sidecar configured (unset: %s); "+
			"run `.venv/bin/python -m tests.stack` and export what it prints", strings.Join(missing, ", "))
	}
	return e
}

// mintToken creates an auth token for uid directly on the emulator, the way
// an app's backend would with CometChat's REST API.
func mintToken(t *testing.T, e liveEnv, uid string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s/v3.0/users/%s/auth_tokens", e.apiURL, uid)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("apikey", e.apiKey)
	req.Header.Set("appId", e.appID)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("minting a token on the emulator: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("minting a token: HTTP %d: %s", resp.StatusCode, body)
	}
	var out struct {
		Data struct {
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Data.AuthToken == "" {
		t.Fatalf("minting a token: no data.authToken in %s (%v)", body, err)
	}
	return out.Data.AuthToken
}

func wantReason(t *testing.T, err error, reason string, code codes.Code) {
	t.Helper()
	var serr *sidecar.Error
	if !errors.As(err, &serr) {
		t.Fatalf("want *sidecar.Error %s, got %T %v", reason, err, err)
	}
	if serr.Reason != reason || serr.Code != code {
		t.Fatalf("want %s %s, got %s %s (%v)", code, reason, serr.Code, serr.Reason, serr)
	}
}

func TestLiveSidecar(t *testing.T) {
	e := env(t)
	ctx := context.Background()

	readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := sidecar.Dial(readyCtx, e.address, sidecar.WithCredential(e.credential))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Start from a clean session whatever an earlier run left behind.
	if err := c.Logout(ctx); err != nil && !sidecar.IsReason(err, sidecar.ReasonNoUserLoggedIn) {
		t.Fatalf("initial logout: %v", err)
	}

	user, err := c.Login(ctx, "cometchat-uid-1")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if user.GetUid() != "cometchat-uid-1" || user.GetName() != "Andrew Joseph" {
		t.Fatalf("Login returned %v", user)
	}

	user, err = c.GetLoggedInUser(ctx)
	if err != nil || user.GetUid() != "cometchat-uid-1" {
		t.Fatalf("GetLoggedInUser after Login: %v, %v", user, err)
	}

	token := mintToken(t, e, "cometchat-uid-2")
	user, err = c.LoginWithToken(ctx, token)
	if err != nil || user.GetUid() != "cometchat-uid-2" {
		t.Fatalf("LoginWithToken: %v, %v", user, err)
	}

	user, err = c.GetLoggedInUser(ctx)
	if err != nil || user.GetUid() != "cometchat-uid-2" {
		t.Fatalf("GetLoggedInUser after LoginWithToken: %v, %v", user, err)
	}

	if err := c.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}

	user, err = c.GetLoggedInUser(ctx)
	if err != nil || user != nil {
		t.Fatalf("GetLoggedInUser after Logout: want nil, nil; got %v, %v", user, err)
	}

	err = c.Logout(ctx)
	wantReason(t, err, sidecar.ReasonNoUserLoggedIn, codes.FailedPrecondition)

	_, err = c.Login(ctx, "bad uid")
	wantReason(t, err, sidecar.ReasonUIDWithSpace, codes.InvalidArgument)
}

// dial connects to the live sidecar and starts from a clean session,
// whatever an earlier run left behind.
func dial(t *testing.T, e liveEnv) *sidecar.Client {
	t.Helper()
	readyCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sidecar.Dial(readyCtx, e.address, sidecar.WithCredential(e.credential))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Logout(context.Background()); err != nil && !sidecar.IsReason(err, sidecar.ReasonNoUserLoggedIn) {
		t.Fatalf("initial logout: %v", err)
	}
	return c
}

// wantEvent reads the watch's next event and checks it.
func wantEvent(t *testing.T, w *sidecar.SessionWatch, change authv1.SessionChange, uid string) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("the watch ended (%v); want %s %q", w.Err(), change, uid)
		}
		if ev.Change != change || ev.User.GetUid() != uid || (uid == "") != (ev.User == nil) {
			t.Fatalf("got %s %v; want %s %q", ev.Change, ev.User, change, uid)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no event within 10s; want %s %q", change, uid)
	}
}

func TestLiveWatchSession(t *testing.T) {
	e := env(t)
	c := dial(t, e)
	ctx := context.Background()

	w, err := c.WatchSession(ctx)
	if err != nil {
		t.Fatalf("WatchSession: %v", err)
	}
	defer w.Stop()
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")

	if _, err := c.Login(ctx, "cometchat-uid-1"); err != nil {
		t.Fatalf("Login: %v", err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, "cometchat-uid-1")

	// Another user's login logs the first one out first.
	if _, err := c.LoginWithToken(ctx, mintToken(t, e, "cometchat-uid-2")); err != nil {
		t.Fatalf("LoginWithToken: %v", err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_OUT, "")
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, "cometchat-uid-2")

	if err := c.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_OUT, "")

	// A second watcher starts from the current state.
	w2, err := c.WatchSession(ctx)
	if err != nil {
		t.Fatalf("second WatchSession: %v", err)
	}
	wantEvent(t, w2, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")
	w2.Stop()

	w.Stop()
	if _, ok := <-w.Events(); ok {
		t.Fatal("events still open after Stop")
	}
	if !errors.Is(w.Err(), context.Canceled) {
		t.Fatalf("Err() after Stop = %v", w.Err())
	}

	// An unknown credential is refused when the watch opens.
	if e.credential != "" {
		stranger, err := sidecar.New(e.address, sidecar.WithCredential("not-a-known-credential"))
		if err != nil {
			t.Fatal(err)
		}
		defer stranger.Close()
		_, err = stranger.WatchSession(ctx)
		wantReason(t, err, sidecar.ReasonUnknownAppCredential, codes.Unauthenticated)
	}
}

// callSessionPrefix is the prefix the live stack's policy allows call
// session ids to start with; the test skips when the stack grants no call
// tokens (EMULATOR_CALL_SESSION_PREFIX unset).
func callSessionPrefix(t *testing.T) string {
	t.Helper()
	prefix, ok := os.LookupEnv("EMULATOR_CALL_SESSION_PREFIX")
	if !ok {
		t.Skip("live call-token test skipped: EMULATOR_CALL_SESSION_PREFIX is not set " +
			"(the live stack's policy grants no call tokens)")
	}
	return prefix
}

// jwtPayload decodes the payload of a JWT-shaped call token.
func jwtPayload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("the call token is not JWT-shaped (%d parts)", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var payload map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &payload)
	}
	if err != nil {
		t.Fatalf("the call token's payload does not decode: %v", err)
	}
	return payload
}

func TestLiveCallTokensAndIssuedTokens(t *testing.T) {
	e := env(t)
	prefix := callSessionPrefix(t)
	c := dial(t, e)
	ctx := context.Background()

	w, err := c.WatchSession(ctx)
	if err != nil {
		t.Fatalf("WatchSession: %v", err)
	}
	defer w.Stop()
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")

	_, err = c.GenerateCallToken(ctx, prefix+"room-1")
	wantReason(t, err, sidecar.ReasonAuthTokenMissing, codes.FailedPrecondition)

	// The backend flow: the sidecar issues a token, the client logs in with it.
	issued, err := c.IssueAuthToken(ctx, "cometchat-uid-3")
	if err != nil {
		t.Fatalf("IssueAuthToken: %v", err)
	}
	if issued.UID != "cometchat-uid-3" || issued.AuthToken == "" || issued.UserCreated ||
		time.Since(issued.CreatedAt) > time.Hour {
		t.Fatalf("IssueAuthToken returned %v", issued)
	}
	if s := fmt.Sprintf("%v %+v %#v", issued, issued, *issued); strings.Contains(s, issued.AuthToken) {
		t.Fatal("a printed IssuedAuthToken shows the token")
	}
	user, err := c.LoginWithToken(ctx, issued.AuthToken)
	if err != nil || user.GetUid() != "cometchat-uid-3" {
		t.Fatalf("LoginWithToken with the issued token: %v, %v", user, err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, "cometchat-uid-3")

	// A call token for the logged-in session.
	sessionID := prefix + "room-1"
	tok, err := c.GenerateCallToken(ctx, sessionID)
	if err != nil {
		t.Fatalf("GenerateCallToken: %v", err)
	}
	if tok.SessionID != sessionID || tok.User.GetUid() != "cometchat-uid-3" {
		t.Fatalf("GenerateCallToken returned %v", tok)
	}
	data, _ := jwtPayload(t, tok.Token)["data"].(map[string]any)
	tokenUser, _ := data["user"].(map[string]any)
	if data["sessionId"] != sessionID || tokenUser["uid"] != "cometchat-uid-3" {
		t.Fatalf("the call token is for %v / %v, want %s / cometchat-uid-3", data["sessionId"], tokenUser["uid"], sessionID)
	}
	if s := fmt.Sprintf("%v %+v %#v", tok, tok, *tok); strings.Contains(s, tok.Token) {
		t.Fatal("a printed CallToken shows the token")
	}

	_, err = c.GenerateCallToken(ctx, " ")
	wantReason(t, err, sidecar.ReasonSessionIDMissing, codes.InvalidArgument)
	_, err = c.GenerateCallToken(ctx, prefix+"room with spaces")
	wantReason(t, err, sidecar.ReasonInvalidSessionID, codes.InvalidArgument)

	// Revoking the issued token ends the session it holds; watchers hear it.
	ended, err := c.RevokeAuthToken(ctx, "cometchat-uid-3", issued.AuthToken)
	if err != nil || ended != 1 {
		t.Fatalf("RevokeAuthToken: %d, %v", ended, err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_REVOKED, "")
	if user, err := c.GetLoggedInUser(ctx); err != nil || user != nil {
		t.Fatalf("GetLoggedInUser after the revocation: %v, %v", user, err)
	}
	_, err = c.LoginWithToken(ctx, issued.AuthToken)
	wantReason(t, err, sidecar.ReasonAuthAuthTokenNotFound, codes.Unauthenticated)
	_, err = c.RevokeAuthToken(ctx, "cometchat-uid-3", "a-token-this-app-never-issued")
	wantReason(t, err, sidecar.ReasonTokenNotIssuedByApp, codes.PermissionDenied)

	// A user CometChat does not know: refused, then created on request.
	newUID := fmt.Sprintf("go-live-%d", time.Now().UnixNano())
	_, err = c.IssueAuthToken(ctx, newUID)
	wantReason(t, err, sidecar.ReasonUIDNotFound, codes.NotFound)
	created, err := c.IssueAuthToken(ctx, newUID, sidecar.CreateIfMissing("Go Live"))
	if err != nil || created.UID != newUID || !created.UserCreated {
		t.Fatalf("IssueAuthToken with CreateIfMissing: %v, %v", created, err)
	}
	if user, err := c.LoginWithToken(ctx, created.AuthToken); err != nil || user.GetName() != "Go Live" {
		t.Fatalf("LoginWithToken as the created user: %v, %v", user, err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, newUID)

	// "Log this user out everywhere".
	ended, err = c.RevokeAllAuthTokens(ctx, newUID)
	if err != nil || ended != 1 {
		t.Fatalf("RevokeAllAuthTokens: %d, %v", ended, err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_REVOKED, "")
}
