package sidecar_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
	callsv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/callsv1"
	"github.com/cometchat-sidecar/cometchat-sidecar/clients/go/sidecar"
	tokensv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/tokensv1"
)

// fakeAuth is a tiny AuthService of the test's own: it records what each call
// carried and answers what the test sets. The wrapper under test talks to it
// over a real gRPC connection.
type fakeAuth struct {
	authv1.UnimplementedAuthServiceServer

	mu       sync.Mutex
	lastAuth []string      // authorization metadata of the last AuthService call
	lastLeft time.Duration // time left before the last call's deadline (0: none)
	user     *authv1.CallsUser
	err      error
	sleep    time.Duration

	// WatchSession: the stream sends the current state, then what the test
	// puts on watchSend, and ends with OK when watchSend is closed (or with
	// watchFail's error). watchHold keeps it from sending anything.
	watchSend chan *authv1.WatchSessionResponse
	watchFail chan error
	watchHold bool
	// watchDone receives the reason each stream ended on the server side:
	// nil for its own end, the context error when the client cancelled.
	watchDone chan error
	// watchMD is the authorization metadata of each stream, watchDeadline
	// whether it had a deadline.
	watchMD       chan []string
	watchDeadline chan bool
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{
		watchSend:     make(chan *authv1.WatchSessionResponse),
		watchFail:     make(chan error, 1),
		watchDone:     make(chan error, 4),
		watchMD:       make(chan []string, 4),
		watchDeadline: make(chan bool, 4),
	}
}

func (f *fakeAuth) record(ctx context.Context) (*authv1.CallsUser, error, time.Duration) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastAuth = md.Get("authorization")
	f.lastLeft = 0
	if dl, ok := ctx.Deadline(); ok {
		f.lastLeft = time.Until(dl)
	}
	return f.user, f.err, f.sleep
}

func (f *fakeAuth) answer(ctx context.Context) (*authv1.CallsUser, error) {
	user, err, sleep := f.record(ctx)
	if sleep > 0 {
		select {
		case <-time.After(sleep):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return user, err
}

func (f *fakeAuth) Login(ctx context.Context, req *authv1.LoginRequest) (*authv1.LoginResponse, error) {
	u, err := f.answer(ctx)
	if err != nil {
		return nil, err
	}
	if u == nil {
		u = &authv1.CallsUser{Uid: req.GetUid(), Name: "Name of " + req.GetUid()}
	}
	return &authv1.LoginResponse{User: u}, nil
}

func (f *fakeAuth) LoginWithToken(ctx context.Context, _ *authv1.LoginWithTokenRequest) (*authv1.LoginWithTokenResponse, error) {
	u, err := f.answer(ctx)
	if err != nil {
		return nil, err
	}
	return &authv1.LoginWithTokenResponse{User: u}, nil
}

func (f *fakeAuth) GetLoggedInUser(ctx context.Context, _ *authv1.GetLoggedInUserRequest) (*authv1.GetLoggedInUserResponse, error) {
	u, err := f.answer(ctx)
	if err != nil {
		return nil, err
	}
	return &authv1.GetLoggedInUserResponse{User: u}, nil
}

func (f *fakeAuth) Logout(ctx context.Context, _ *authv1.LogoutRequest) (*authv1.LogoutResponse, error) {
	if _, err := f.answer(ctx); err != nil {
		return nil, err
	}
	return &authv1.LogoutResponse{}, nil
}

func (f *fakeAuth) set(user *authv1.CallsUser, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user, f.err = user, err
}

func (f *fakeAuth) seen() ([]string, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAuth, f.lastLeft
}

type server struct {
	target string
	auth   *fakeAuth
	calls  *fakeCalls
	tokens *fakeTokens
	health *health.Server
	// healthMD is the authorization metadata of the last health check.
	healthMD chan []string
}

// healthSpy records the authorization metadata of health checks.
func healthSpy(ch chan []string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if info.FullMethod == "/grpc.health.v1.Health/Check" {
			md, _ := metadata.FromIncomingContext(ctx)
			select {
			case ch <- md.Get("authorization"):
			default:
			}
		}
		return h(ctx, req)
	}
}

// startServer serves the fake AuthService and a health service on network
// ("tcp" or "unix"), reporting SERVING unless the test changes it.
func startServer(t *testing.T, network string) *server {
	t.Helper()
	return startServerWith(t, network, true)
}

// startServerWith lets the health service know the AuthService by name or,
// with named false, only report the overall ("") health.
func startServerWith(t *testing.T, network string, named bool) *server {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "sidecar.sock")
	}
	lis, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{
		auth:     newFakeAuth(),
		calls:    &fakeCalls{},
		tokens:   &fakeTokens{},
		health:   health.NewServer(),
		healthMD: make(chan []string, 1),
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(healthSpy(s.healthMD)))
	authv1.RegisterAuthServiceServer(gs, s.auth)
	callsv1.RegisterCallsServiceServer(gs, s.calls)
	tokensv1.RegisterAuthTokenServiceServer(gs, s.tokens)
	healthpb.RegisterHealthServer(gs, s.health)
	if named {
		s.health.SetServingStatus(sidecar.ServiceName, healthpb.HealthCheckResponse_SERVING)
	}
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	if network == "unix" {
		s.target = sidecar.UnixTarget(addr)
	} else {
		s.target = lis.Addr().String()
	}
	return s
}

func newClient(t *testing.T, target string, opts ...sidecar.Option) *sidecar.Client {
	t.Helper()
	c, err := sidecar.New(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func richStatus(t *testing.T, code codes.Code, msg, reason, domain string, md map[string]string, retry *time.Duration) error {
	t.Helper()
	st := status.New(code, msg)
	info := &errdetails.ErrorInfo{Reason: reason, Domain: domain, Metadata: md}
	var err error
	if retry != nil {
		st, err = st.WithDetails(info, &errdetails.RetryInfo{RetryDelay: durationpb.New(*retry)})
	} else {
		st, err = st.WithDetails(info)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st.Err()
}

func TestRichErrorIsDecoded(t *testing.T) {
	s := startServer(t, "tcp")
	delay := 1500 * time.Millisecond
	s.auth.set(nil, richStatus(t, codes.Aborted, "Login is already in progress",
		sidecar.ReasonLoginInProgress, sidecar.DomainSidecar, map[string]string{"uid": "u1"}, &delay))
	c := newClient(t, s.target)

	_, err := c.Login(context.Background(), "u1")
	var serr *sidecar.Error
	if !errors.As(err, &serr) {
		t.Fatalf("want *sidecar.Error, got %T %v", err, err)
	}
	if serr.Code != codes.Aborted || serr.Reason != sidecar.ReasonLoginInProgress ||
		serr.Domain != sidecar.DomainSidecar || serr.Message != "Login is already in progress" {
		t.Errorf("decoded %+v", serr)
	}
	if serr.Metadata["uid"] != "u1" {
		t.Errorf("metadata %v", serr.Metadata)
	}
	if !serr.Retryable || serr.RetryDelay != delay {
		t.Errorf("retry: %v %v", serr.Retryable, serr.RetryDelay)
	}
	if status.Code(err) != codes.Aborted {
		t.Errorf("status.Code = %v", status.Code(err))
	}
	st, ok := status.FromError(err)
	if !ok || len(st.Details()) != 2 {
		t.Errorf("status.FromError lost the details: %v %v", ok, st.Details())
	}
	if !errors.Is(err, &sidecar.Error{Reason: sidecar.ReasonLoginInProgress}) ||
		errors.Is(err, &sidecar.Error{Reason: sidecar.ReasonInvalidUID}) ||
		!errors.Is(err, &sidecar.Error{Code: codes.Aborted}) {
		t.Error("errors.Is by reason/code")
	}
	if !sidecar.IsReason(err, sidecar.ReasonLoginInProgress) || sidecar.ReasonOf(err) != sidecar.ReasonLoginInProgress {
		t.Error("IsReason/ReasonOf")
	}
	want := "sidecar: Aborted ERROR_LOGIN_IN_PROGRESS: Login is already in progress (retry after 1.5s)"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestErrorWithoutRetryInfo(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.set(nil, richStatus(t, codes.FailedPrecondition, "No user is currently logged in",
		sidecar.ReasonNoUserLoggedIn, sidecar.DomainSidecar, nil, nil))
	c := newClient(t, s.target)

	err := c.Logout(context.Background())
	var serr *sidecar.Error
	if !errors.As(err, &serr) {
		t.Fatalf("want *sidecar.Error, got %T %v", err, err)
	}
	if serr.Code != codes.FailedPrecondition || serr.Reason != sidecar.ReasonNoUserLoggedIn || serr.Retryable || serr.RetryDelay != 0 {
		t.Errorf("decoded %+v", serr)
	}
	if serr.Metadata == nil {
		t.Error("Metadata should never be nil")
	}
	if got := err.Error(); got != "sidecar: FailedPrecondition ERROR_NO_USER_LOGGED_IN: No user is currently logged in" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorStringDoesNotRepeatTheReason(t *testing.T) {
	e := &sidecar.Error{Code: codes.NotFound, Reason: sidecar.ReasonUIDNotFound,
		Message: "ERR_UID_NOT_FOUND: The UID does not exist in CometChat"}
	if got := e.Error(); got != "sidecar: NotFound: ERR_UID_NOT_FOUND: The UID does not exist in CometChat" {
		t.Errorf("Error() = %q", got)
	}
}

func TestUpstreamReasonIsAnOpenSet(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.set(nil, richStatus(t, codes.FailedPrecondition, "CometChat refused the request",
		"ERR_SOMETHING_NEW", sidecar.DomainCometChat, map[string]string{"http_status": "409"}, nil))
	c := newClient(t, s.target)

	_, err := c.LoginWithToken(context.Background(), "tok")
	var serr *sidecar.Error
	if !errors.As(err, &serr) || serr.Reason != "ERR_SOMETHING_NEW" || serr.Domain != sidecar.DomainCometChat ||
		serr.Metadata["http_status"] != "409" {
		t.Fatalf("got %#v", err)
	}
}

func TestStatusWithoutDetailsIsTyped(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.set(nil, status.Error(codes.Unauthenticated, "no credential"))
	c := newClient(t, s.target)

	_, err := c.GetLoggedInUser(context.Background())
	var serr *sidecar.Error
	if !errors.As(err, &serr) {
		t.Fatalf("want *sidecar.Error, got %T %v", err, err)
	}
	if serr.Code != codes.Unauthenticated || serr.Reason != "" || serr.Domain != "" || serr.Message != "no credential" {
		t.Errorf("decoded %+v", serr)
	}
	if got := err.Error(); got != "sidecar: Unauthenticated: no credential" {
		t.Errorf("Error() = %q", got)
	}
}

func TestUnreachableSidecarIsTyped(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close() // nothing listens there now
	c := newClient(t, addr)

	_, err = c.GetLoggedInUser(context.Background())
	var serr *sidecar.Error
	if !errors.As(err, &serr) || serr.Code != codes.Unavailable || serr.Reason != "" {
		t.Fatalf("got %T %v", err, err)
	}
}

func TestCredentialSentOnAuthServiceCallsOnly(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target, sidecar.WithCredential("app-secret"))

	user, err := c.Login(context.Background(), "cometchat-uid-1")
	if err != nil {
		t.Fatal(err)
	}
	if user.GetUid() != "cometchat-uid-1" {
		t.Errorf("user %v", user)
	}
	if got, _ := s.auth.seen(); len(got) != 1 || got[0] != "Bearer app-secret" {
		t.Errorf("authorization = %q", got)
	}
	// The raw stub goes through the same connection and gets it too.
	if _, err := c.AuthService().Logout(context.Background(), &authv1.LogoutRequest{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.auth.seen(); len(got) != 1 || got[0] != "Bearer app-secret" {
		t.Errorf("raw stub authorization = %q", got)
	}
	// The health service needs none and gets none.
	if err := c.WaitUntilReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-s.healthMD; len(got) != 0 {
		t.Errorf("health check carried authorization %q", got)
	}
}

func TestNoCredentialInDevMode(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)
	if _, err := c.Login(context.Background(), "u"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.auth.seen(); len(got) != 0 {
		t.Errorf("authorization = %q, want none", got)
	}
}

func TestDefaultDeadline(t *testing.T) {
	s := startServer(t, "tcp")

	c := newClient(t, s.target)
	if _, err := c.GetLoggedInUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, left := s.auth.seen(); left <= 9*time.Second || left > sidecar.DefaultCallTimeout {
		t.Errorf("default deadline: %v left", left)
	}

	// The caller's own deadline wins.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.GetLoggedInUser(ctx); err != nil {
		t.Fatal(err)
	}
	if _, left := s.auth.seen(); left <= 50*time.Second {
		t.Errorf("caller deadline: %v left", left)
	}

	// A configured one, and none at all.
	c2 := newClient(t, s.target, sidecar.WithCallTimeout(2*time.Second))
	if _, err := c2.GetLoggedInUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, left := s.auth.seen(); left <= time.Second || left > 2*time.Second {
		t.Errorf("configured deadline: %v left", left)
	}
	c3 := newClient(t, s.target, sidecar.WithCallTimeout(0))
	if _, err := c3.GetLoggedInUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, left := s.auth.seen(); left != 0 {
		t.Errorf("no deadline wanted, got %v left", left)
	}
}

func TestDeadlineExceededIsTyped(t *testing.T) {
	s := startServer(t, "tcp")
	s.auth.mu.Lock()
	s.auth.sleep = 2 * time.Second
	s.auth.mu.Unlock()
	c := newClient(t, s.target, sidecar.WithCallTimeout(100*time.Millisecond))

	start := time.Now()
	_, err := c.GetLoggedInUser(context.Background())
	var serr *sidecar.Error
	if !errors.As(err, &serr) || serr.Code != codes.DeadlineExceeded || serr.Reason != "" {
		t.Fatalf("got %T %v", err, err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestNobodyLoggedInIsNotAnError(t *testing.T) {
	s := startServer(t, "tcp")
	c := newClient(t, s.target)
	user, err := c.GetLoggedInUser(context.Background())
	if err != nil || user != nil {
		t.Fatalf("got %v, %v; want nil, nil", user, err)
	}
	s.auth.set(&authv1.CallsUser{Uid: "cometchat-uid-2", Name: "George Alan"}, nil)
	user, err = c.GetLoggedInUser(context.Background())
	if err != nil || user.GetUid() != "cometchat-uid-2" {
		t.Fatalf("got %v, %v", user, err)
	}
}

func TestUnixSocket(t *testing.T) {
	s := startServer(t, "unix")
	c := newClient(t, s.target, sidecar.WithCredential("sock-cred"))
	if err := c.WaitUntilReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	user, err := c.Login(context.Background(), "cometchat-uid-1")
	if err != nil || user.GetUid() != "cometchat-uid-1" {
		t.Fatalf("got %v, %v", user, err)
	}
	if got, _ := s.auth.seen(); len(got) != 1 || got[0] != "Bearer sock-cred" {
		t.Errorf("authorization = %q", got)
	}
}

func TestUnixTarget(t *testing.T) {
	if got := sidecar.UnixTarget("/run/s.sock"); got != "unix:///run/s.sock" {
		t.Error(got)
	}
	if got := sidecar.UnixTarget("rel/s.sock"); got != "unix:rel/s.sock" {
		t.Error(got)
	}
}

func TestWaitUntilReadyWaitsForServing(t *testing.T) {
	s := startServer(t, "tcp")
	s.health.SetServingStatus(sidecar.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.health.SetServingStatus(sidecar.ServiceName, healthpb.HealthCheckResponse_SERVING)
	}()
	c := newClient(t, s.target)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := c.WaitUntilReady(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 250*time.Millisecond {
		t.Errorf("returned before SERVING, after %v", time.Since(start))
	}
}

func TestWaitUntilReadyFallsBackToOverallHealth(t *testing.T) {
	s := startServerWith(t, "tcp", false) // only "" is known (SERVING by default)
	c := newClient(t, s.target)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.WaitUntilReady(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWaitUntilReadyTimesOut(t *testing.T) {
	s := startServer(t, "tcp")
	s.health.SetServingStatus(sidecar.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	c := newClient(t, s.target, sidecar.WithReadyTimeout(400*time.Millisecond))
	start := time.Now()
	err := c.WaitUntilReady(context.Background())
	if !errors.Is(err, sidecar.ErrNotReady) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d < 350*time.Millisecond || d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	t.Log(err)
}

func TestDialFailsClearlyWhenNothingListens(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	c, err := sidecar.Dial(ctx, addr)
	if c != nil || !errors.Is(err, sidecar.ErrNotReady) {
		t.Fatalf("got %v, %v", c, err)
	}
	t.Log(err)
}

func TestDialThenUseThenClose(t *testing.T) {
	s := startServer(t, "tcp")
	c, err := sidecar.Dial(context.Background(), s.target, sidecar.WithCredential("x"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Target() != s.target || c.Conn() == nil {
		t.Error("accessors")
	}
	if err := c.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	err = c.Logout(context.Background())
	if status.Code(err) != codes.Canceled {
		t.Errorf("call after Close: %v", err)
	}
}

func TestFromStatus(t *testing.T) {
	if sidecar.FromStatus(nil) != nil || sidecar.FromStatus(status.New(codes.OK, "")) != nil {
		t.Error("OK status must give nil")
	}
	e := sidecar.FromStatus(status.New(codes.Internal, "boom"))
	if e.Code != codes.Internal || e.Reason != "" || e.GRPCStatus().Message() != "boom" {
		t.Errorf("%+v", e)
	}
}
