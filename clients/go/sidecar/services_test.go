package sidecar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
	callsv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/callsv1"
	"github.com/cometchat-sidecar/cometchat-sidecar/clients/go/sidecar"
	tokensv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/tokensv1"
)

// Secrets the fakes answer; no printed or logged form of a result may hold them.
const (
	fakeCallToken = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJyb29tIn0.call-token-secret"
	fakeAuthToken = "issued-auth-token-secret"
)

func (f *fakeAuth) WatchSession(_ *authv1.WatchSessionRequest, stream grpc.ServerStreamingServer[authv1.WatchSessionResponse]) error {
	ctx := stream.Context()
	md, _ := metadata.FromIncomingContext(ctx)
	f.watchMD <- md.Get("authorization")
	_, hasDeadline := ctx.Deadline()
	f.watchDeadline <- hasDeadline
	user, err, _ := f.record(ctx)
	end := func(err error) error { f.watchDone <- err; return err }
	if err != nil {
		return end(err)
	}
	f.mu.Lock()
	hold := f.watchHold
	f.mu.Unlock()
	if hold {
		<-ctx.Done()
		return end(ctx.Err())
	}
	if err := stream.Send(&authv1.WatchSessionResponse{Change: authv1.SessionChange_SESSION_CHANGE_CURRENT, User: user}); err != nil {
		return end(err)
	}
	for {
		select {
		case msg, ok := <-f.watchSend:
			if !ok {
				return end(nil)
			}
			if err := stream.Send(msg); err != nil {
				return end(err)
			}
		case err := <-f.watchFail:
			return end(err)
		case <-ctx.Done():
			return end(ctx.Err())
		}
	}
}

// fakeCalls is a CallsService of the test's own.
type fakeCalls struct {
	callsv1.UnimplementedCallsServiceServer

	mu       sync.Mutex
	lastAuth []string
	lastLeft time.Duration
	lastReq  *callsv1.GenerateCallTokenRequest
	err      error
}

func (f *fakeCalls) GenerateCallToken(ctx context.Context, req *callsv1.GenerateCallTokenRequest) (*callsv1.GenerateCallTokenResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastAuth, f.lastReq, f.lastLeft = md.Get("authorization"), req, 0
	if dl, ok := ctx.Deadline(); ok {
		f.lastLeft = time.Until(dl)
	}
	if f.err != nil {
		return nil, f.err
	}
	return &callsv1.GenerateCallTokenResponse{
		CallToken: fakeCallToken,
		SessionId: req.GetSessionId(),
		User:      &authv1.CallsUser{Uid: "cometchat-uid-1", Name: "Andrew Joseph"},
	}, nil
}

func (f *fakeCalls) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// fakeTokens is an AuthTokenService of the test's own.
type fakeTokens struct {
	tokensv1.UnimplementedAuthTokenServiceServer

	mu       sync.Mutex
	lastAuth []string
	lastReq  any
	err      error
}

func (f *fakeTokens) record(ctx context.Context, req any) error {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastAuth, f.lastReq = md.Get("authorization"), req
	return f.err
}

func (f *fakeTokens) seen() ([]string, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAuth, f.lastReq
}

func (f *fakeTokens) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeTokens) IssueAuthToken(ctx context.Context, req *tokensv1.IssueAuthTokenRequest) (*tokensv1.IssueAuthTokenResponse, error) {
	if err := f.record(ctx, req); err != nil {
		return nil, err
	}
	return &tokensv1.IssueAuthTokenResponse{
		Uid: strings.ToLower(req.GetUid()), AuthToken: fakeAuthToken,
		CreatedAt: 1_700_000_000, UserCreated: req.GetCreateIfMissing(),
	}, nil
}

func (f *fakeTokens) RevokeAuthToken(ctx context.Context, req *tokensv1.RevokeAuthTokenRequest) (*tokensv1.RevokeAuthTokenResponse, error) {
	if err := f.record(ctx, req); err != nil {
		return nil, err
	}
	return &tokensv1.RevokeAuthTokenResponse{SessionsEnded: 1}, nil
}

func (f *fakeTokens) RevokeAllAuthTokens(ctx context.Context, req *tokensv1.RevokeAllAuthTokensRequest) (*tokensv1.RevokeAllAuthTokensResponse, error) {
	if err := f.record(ctx, req); err != nil {
		return nil, err
	}
	return &tokensv1.RevokeAllAuthTokensResponse{}, nil
}

// printedForms is every way a value commonly reaches a log: fmt's verbs and
// slog's text and JSON handlers.
func printedForms(v any) []string {
	var text, js bytes.Buffer
	encoded, _ := json.Marshal(v)
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "value", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "value", v)
	return []string{
		fmt.Sprint(v), fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v),
		fmt.Sprintf("%s", v), text.String(), js.String(), string(encoded),
	}
}

func assertNoSecret(t *testing.T, secret string, values ...any) {
	t.Helper()
	for _, v := range values {
		for _, form := range printedForms(v) {
			if strings.Contains(form, secret) || !strings.Contains(form, "[redacted]") {
				t.Errorf("printed form %q shows the secret or no redaction mark", form)
			}
		}
	}
}

func TestGenerateCallToken(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target, sidecar.WithCredential("app-secret"))

	tok, err := c.GenerateCallToken(context.Background(), "billing:room-42")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != fakeCallToken || tok.SessionID != "billing:room-42" || tok.User.GetUid() != "cometchat-uid-1" {
		t.Errorf("got %+v (token %q)", tok, tok.Token)
	}
	s.calls.mu.Lock()
	auth, req, left := s.calls.lastAuth, s.calls.lastReq, s.calls.lastLeft
	s.calls.mu.Unlock()
	if len(auth) != 1 || auth[0] != "Bearer app-secret" {
		t.Errorf("authorization = %q", auth)
	}
	if req.GetSessionId() != "billing:room-42" {
		t.Errorf("request %v", req)
	}
	if left <= 9*time.Second || left > sidecar.DefaultCallTimeout {
		t.Errorf("default deadline: %v left", left)
	}
	assertNoSecret(t, fakeCallToken, tok, *tok)
	if got := tok.String(); got != `CallToken{SessionID: "billing:room-42", UID: "cometchat-uid-1", Token: [redacted]}` {
		t.Errorf("String() = %q", got)
	}
	// Nested in a caller's struct, it is still printed through String.
	wrapped := struct{ Tok *sidecar.CallToken }{tok}
	assertNoSecret(t, fakeCallToken, wrapped)
	var decoded struct{ SessionID, Token string }
	if b, _ := json.Marshal(tok); json.Unmarshal(b, &decoded) != nil || decoded.SessionID != "billing:room-42" {
		t.Errorf("JSON form %s", b)
	}
}

func TestGenerateCallTokenErrorsAreTyped(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)

	delay := 200 * time.Millisecond
	s.calls.set(richStatus(t, codes.ResourceExhausted, "ERROR_CALL_TOKEN_RATE_LIMITED: The app's call-token rate limit was reached",
		sidecar.ReasonCallTokenRateLimited, sidecar.DomainSidecar, nil, &delay))
	_, err := c.GenerateCallToken(context.Background(), "billing:room-42")
	var serr *sidecar.Error
	if !errors.As(err, &serr) || serr.Code != codes.ResourceExhausted || serr.Reason != sidecar.ReasonCallTokenRateLimited ||
		!serr.Retryable || serr.RetryDelay != delay {
		t.Fatalf("got %#v", err)
	}

	for _, tc := range []struct {
		code   codes.Code
		reason string
	}{
		{codes.InvalidArgument, sidecar.ReasonSessionIDMissing},
		{codes.FailedPrecondition, sidecar.ReasonAuthTokenMissing},
		{codes.InvalidArgument, sidecar.ReasonInvalidSessionID},
		{codes.PermissionDenied, sidecar.ReasonSessionIDNotAllowed},
		{codes.PermissionDenied, sidecar.ReasonOperationNotAllowed},
	} {
		s.calls.set(richStatus(t, tc.code, tc.reason, tc.reason, sidecar.DomainSidecar, nil, nil))
		_, err := c.GenerateCallToken(context.Background(), "x")
		if !errors.Is(err, &sidecar.Error{Code: tc.code, Reason: tc.reason}) || sidecar.ReasonOf(err) != tc.reason {
			t.Errorf("%s: got %v", tc.reason, err)
		}
	}
}

func TestIssueAuthToken(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target, sidecar.WithCredential("app-secret"))
	ctx := context.Background()

	issued, err := c.IssueAuthToken(ctx, "Cust-1")
	if err != nil {
		t.Fatal(err)
	}
	auth, req := s.tokens.seen()
	if r := req.(*tokensv1.IssueAuthTokenRequest); r.GetUid() != "Cust-1" || r.GetCreateIfMissing() || r.GetName() != "" {
		t.Errorf("request %v", r)
	}
	if len(auth) != 1 || auth[0] != "Bearer app-secret" {
		t.Errorf("authorization = %q", auth)
	}
	if issued.UID != "cust-1" || issued.AuthToken != fakeAuthToken || issued.UserCreated ||
		!issued.CreatedAt.Equal(time.Unix(1_700_000_000, 0)) {
		t.Errorf("got %v", issued)
	}
	assertNoSecret(t, fakeAuthToken, issued, *issued)
	if got := issued.String(); got != `IssuedAuthToken{UID: "cust-1", CreatedAt: 2023-11-14T22:13:20Z, UserCreated: false, AuthToken: [redacted]}` {
		t.Errorf("String() = %q", got)
	}

	issued, err = c.IssueAuthToken(ctx, "cust-2", sidecar.CreateIfMissing("Ada Lovelace"))
	if err != nil {
		t.Fatal(err)
	}
	_, req = s.tokens.seen()
	if r := req.(*tokensv1.IssueAuthTokenRequest); r.GetUid() != "cust-2" || !r.GetCreateIfMissing() || r.GetName() != "Ada Lovelace" {
		t.Errorf("request %v", r)
	}
	if !issued.UserCreated {
		t.Errorf("got %v", issued)
	}

	s.tokens.set(richStatus(t, codes.PermissionDenied, "ERROR_UID_NOT_ALLOWED: not for this app",
		sidecar.ReasonUIDNotAllowed, sidecar.DomainSidecar, nil, nil))
	if _, err := c.IssueAuthToken(ctx, "admin"); !sidecar.IsReason(err, sidecar.ReasonUIDNotAllowed) || status.Code(err) != codes.PermissionDenied {
		t.Errorf("got %v", err)
	}
}

func TestRevokeAuthTokens(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target, sidecar.WithCredential("app-secret"))
	ctx := context.Background()

	ended, err := c.RevokeAuthToken(ctx, "cust-1", fakeAuthToken)
	if err != nil || ended != 1 {
		t.Fatalf("got %d, %v", ended, err)
	}
	auth, req := s.tokens.seen()
	if r := req.(*tokensv1.RevokeAuthTokenRequest); r.GetUid() != "cust-1" || r.GetAuthToken() != fakeAuthToken {
		t.Errorf("request %v", r)
	}
	if len(auth) != 1 || auth[0] != "Bearer app-secret" {
		t.Errorf("authorization = %q", auth)
	}

	ended, err = c.RevokeAllAuthTokens(ctx, "cust-1")
	if err != nil || ended != 0 {
		t.Fatalf("got %d, %v", ended, err)
	}
	if _, req := s.tokens.seen(); req.(*tokensv1.RevokeAllAuthTokensRequest).GetUid() != "cust-1" {
		t.Errorf("request %v", req)
	}

	s.tokens.set(richStatus(t, codes.PermissionDenied, "ERROR_TOKEN_NOT_ISSUED_BY_APP: not this app's token",
		sidecar.ReasonTokenNotIssuedByApp, sidecar.DomainSidecar, nil, nil))
	_, err = c.RevokeAuthToken(ctx, "cust-1", "someone-elses-token")
	var serr *sidecar.Error
	if !errors.As(err, &serr) || serr.Reason != sidecar.ReasonTokenNotIssuedByApp || serr.Code != codes.PermissionDenied {
		t.Errorf("got %v", err)
	}
	if strings.Contains(err.Error(), "someone-elses-token") {
		t.Errorf("error shows the token: %v", err)
	}
	s.tokens.set(richStatus(t, codes.PermissionDenied, "ERROR_OPERATION_NOT_ALLOWED: revoke_all is not granted",
		sidecar.ReasonOperationNotAllowed, sidecar.DomainSidecar, nil, nil))
	if _, err := c.RevokeAllAuthTokens(ctx, "cust-1"); !sidecar.IsReason(err, sidecar.ReasonOperationNotAllowed) {
		t.Errorf("got %v", err)
	}
}

// next reads one event, failing the test after a few seconds.
func next(t *testing.T, w *sidecar.SessionWatch) (sidecar.SessionEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		return ev, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return sidecar.SessionEvent{}, false
	}
}

func wantEvent(t *testing.T, w *sidecar.SessionWatch, change authv1.SessionChange, uid string) {
	t.Helper()
	ev, ok := next(t, w)
	if !ok {
		t.Fatalf("events closed (err %v), want %s %q", w.Err(), change, uid)
	}
	if ev.Change != change || ev.User.GetUid() != uid || (uid == "") != (ev.User == nil) {
		t.Fatalf("got %s %v, want %s %q", ev.Change, ev.User, change, uid)
	}
}

func wantClosed(t *testing.T, w *sidecar.SessionWatch) {
	t.Helper()
	if ev, ok := next(t, w); ok {
		t.Fatalf("got %v, want the events closed", ev)
	}
}

func serverEnd(t *testing.T, s *server) error {
	t.Helper()
	select {
	case err := <-s.auth.watchDone:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the server's stream did not end within 5s")
		return nil
	}
}

func TestWatchSessionStreamsEventsUntilStopped(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.set(&authv1.CallsUser{Uid: "cometchat-uid-1"}, nil)
	c := newClient(t, s.target, sidecar.WithCredential("app-secret"))

	w, err := c.WatchSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := <-s.auth.watchMD; len(got) != 1 || got[0] != "Bearer app-secret" {
		t.Errorf("authorization = %q", got)
	}
	if <-s.auth.watchDeadline {
		t.Error("the stream has a deadline; a watch must stay open")
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "cometchat-uid-1")
	s.auth.watchSend <- &authv1.WatchSessionResponse{Change: authv1.SessionChange_SESSION_CHANGE_LOGGED_OUT}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_OUT, "")
	s.auth.watchSend <- &authv1.WatchSessionResponse{
		Change: authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, User: &authv1.CallsUser{Uid: "cometchat-uid-2"}}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_LOGGED_IN, "cometchat-uid-2")
	s.auth.watchSend <- &authv1.WatchSessionResponse{Change: authv1.SessionChange_SESSION_CHANGE_REVOKED}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_REVOKED, "")
	if w.Err() != nil {
		t.Errorf("Err() while running = %v", w.Err())
	}

	w.Stop()
	wantClosed(t, w)
	if !errors.Is(w.Err(), context.Canceled) {
		t.Errorf("Err() after Stop = %v", w.Err())
	}
	if err := serverEnd(t, s); status.Code(err) != codes.Canceled && !errors.Is(err, context.Canceled) {
		t.Errorf("the server's stream ended with %v, want it cancelled", err)
	}
	w.Stop() // again: harmless
}

func TestWatchSessionEndsWithTheContext(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	w, err := c.WatchSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")
	// Nobody reads: cancelling must still end the watch.
	cancel()
	wantClosed(t, w)
	if !errors.Is(w.Err(), context.Canceled) {
		t.Errorf("Err() = %v", w.Err())
	}
	serverEnd(t, s)
}

func TestWatchSessionEndedBySidecar(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)
	w, err := c.WatchSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")
	close(s.auth.watchSend) // the sidecar shuts down: the stream ends with OK
	wantClosed(t, w)
	if !errors.Is(w.Err(), sidecar.ErrWatchEnded) {
		t.Errorf("Err() = %v, want ErrWatchEnded", w.Err())
	}
}

func TestWatchSessionStreamFailureIsTyped(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)
	w, err := c.WatchSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")
	delay := time.Second
	s.auth.watchFail <- richStatus(t, codes.Unavailable, "STATE_UNAVAILABLE: the session store could not be read",
		"STATE_UNAVAILABLE", sidecar.DomainSidecar, nil, &delay)
	wantClosed(t, w)
	var serr *sidecar.Error
	if !errors.As(w.Err(), &serr) || serr.Code != codes.Unavailable || serr.Reason != "STATE_UNAVAILABLE" || !serr.Retryable {
		t.Errorf("Err() = %#v", w.Err())
	}
}

func TestWatchSessionRefusedIsItsError(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.set(nil, richStatus(t, codes.Unauthenticated, "ERROR_UNKNOWN_APP_CREDENTIAL: unknown",
		sidecar.ReasonUnknownAppCredential, sidecar.DomainSidecar, nil, nil))
	c := newClient(t, s.target, sidecar.WithCredential("wrong"))

	w, err := c.WatchSession(context.Background())
	if w != nil || !sidecar.IsReason(err, sidecar.ReasonUnknownAppCredential) || status.Code(err) != codes.Unauthenticated {
		t.Fatalf("got %v, %v", w, err)
	}
}

func TestWatchSessionWaitsForTheCurrentStateAtMostTheCallTimeout(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.mu.Lock()
	s.auth.watchHold = true
	s.auth.mu.Unlock()
	c := newClient(t, s.target, sidecar.WithCallTimeout(200*time.Millisecond))

	start := time.Now()
	w, err := c.WatchSession(context.Background())
	var serr *sidecar.Error
	if w != nil || !errors.As(err, &serr) || serr.Code != codes.DeadlineExceeded {
		t.Fatalf("got %v, %v", w, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	serverEnd(t, s) // and the stream was cancelled, not left open
}

func TestWatchSessionWhenNothingListens(t *testing.T) {
	c := newClient(t, "127.0.0.1:1")
	w, err := c.WatchSession(context.Background())
	if w != nil || status.Code(err) != codes.Unavailable {
		t.Fatalf("got %v, %v", w, err)
	}
}

func TestWatchSessionEndsWhenTheClientCloses(t *testing.T) {
	s := startServer(t, "tcp")
	c, err := sidecar.New(s.target)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.WatchSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantEvent(t, w, authv1.SessionChange_SESSION_CHANGE_CURRENT, "")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantClosed(t, w)
	if status.Code(w.Err()) != codes.Canceled {
		t.Errorf("Err() after Close = %v, want Canceled", w.Err())
	}
	serverEnd(t, s)
}
