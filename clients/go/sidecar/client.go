// Package sidecar is a thin client for the CometChat auth sidecar: its
// AuthService (cometchat_sidecar.auth.v1), CallsService
// (cometchat_sidecar.calls.v1) and AuthTokenService
// (cometchat_sidecar.tokens.v1).
//
// It sends the app's credential as `authorization: Bearer <credential>` on
// every call to the sidecar's own services, puts a default deadline (10 s) on
// unary calls that have none, turns failed calls into *Error values that carry
// the sidecar's machine-readable reason, and can wait for the sidecar to
// report SERVING on the standard gRPC health service.
//
//	c, err := sidecar.Dial(ctx, "127.0.0.1:50051", sidecar.WithCredential(cred))
//	if err != nil { ... }
//	defer c.Close()
//	user, err := c.Login(ctx, "cometchat-uid-1")
//	tok, err := c.GenerateCallToken(ctx, "billing:room-42")
//
// Call tokens and issued auth tokens are secrets: the types that carry them
// (CallToken, IssuedAuthToken) never show them in String, GoString or a
// log/slog value.
package sidecar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
	callsv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/callsv1"
	tokensv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/tokensv1"
)

const (
	// DefaultAddress is where the sidecar listens unless configured otherwise.
	DefaultAddress = "127.0.0.1:50051"
	// DefaultCallTimeout is the deadline put on a call whose context has none.
	DefaultCallTimeout = 10 * time.Second
	// DefaultReadyTimeout bounds WaitUntilReady (and Dial) when the context
	// has no deadline.
	DefaultReadyTimeout = 30 * time.Second
	// ServiceName is the full name of the AuthService, which is also the
	// name it is known by on the health service.
	ServiceName = "cometchat_sidecar.auth.v1.AuthService"

	// apiMethodPrefix starts the full method name of every RPC of the
	// sidecar's own services (auth, calls, tokens), the calls that carry the
	// app credential. Health and reflection do not.
	apiMethodPrefix = "/cometchat_sidecar."
)

// ErrNotReady is wrapped by the error WaitUntilReady returns when the
// sidecar did not report SERVING in time.
var ErrNotReady = errors.New("sidecar not ready")

// Option configures a Client.
type Option func(*options)

type options struct {
	credential   string
	callTimeout  time.Duration
	readyTimeout time.Duration
	transport    credentials.TransportCredentials
	dialOptions  []grpc.DialOption
}

// WithCredential sets the app's credential, sent on every call to the
// sidecar's services as `authorization: Bearer <credential>`. Empty (the default) sends none,
// which only a sidecar in dev mode accepts.
func WithCredential(credential string) Option {
	return func(o *options) { o.credential = credential }
}

// WithCallTimeout sets the deadline put on unary calls whose context has no
// deadline (default DefaultCallTimeout), and bounds the wait for the first
// message of WatchSession. Zero or less puts none.
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) { o.callTimeout = d }
}

// WithReadyTimeout sets how long WaitUntilReady waits when its context has
// no deadline (default DefaultReadyTimeout).
func WithReadyTimeout(d time.Duration) Option {
	return func(o *options) { o.readyTimeout = d }
}

// WithTransportCredentials replaces the default plaintext transport (fine on
// loopback and Unix sockets) with, for example, TLS.
func WithTransportCredentials(c credentials.TransportCredentials) Option {
	return func(o *options) { o.transport = c }
}

// WithDialOptions adds gRPC dial options (interceptors, keepalive, ...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// UnixTarget returns the gRPC target for a Unix domain socket path.
func UnixTarget(path string) string {
	if strings.HasPrefix(path, "/") {
		return "unix://" + path
	}
	return "unix:" + path
}

// Client talks to one sidecar. It is safe for concurrent use. Close it when
// done.
type Client struct {
	target string
	conn   *grpc.ClientConn
	auth   authv1.AuthServiceClient
	calls  callsv1.CallsServiceClient
	tokens tokensv1.AuthTokenServiceClient
	health healthpb.HealthClient
	opts   options
}

// New creates a Client for target, any gRPC target string:
// "127.0.0.1:50051", "dns:///sidecar:50051", "unix:///run/sidecar.sock".
// It does not connect; the first call (or WaitUntilReady) does.
func New(target string, opts ...Option) (*Client, error) {
	o := options{
		callTimeout:  DefaultCallTimeout,
		readyTimeout: DefaultReadyTimeout,
		transport:    insecure.NewCredentials(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	if target == "" {
		target = DefaultAddress
	}
	c := &Client{target: target, opts: o}
	dialOpts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(o.transport),
		grpc.WithChainUnaryInterceptor(c.intercept),
		grpc.WithChainStreamInterceptor(c.interceptStream),
	}, o.dialOptions...)
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("sidecar: bad target %q: %w", target, err)
	}
	c.conn = conn
	c.auth = authv1.NewAuthServiceClient(conn)
	c.calls = callsv1.NewCallsServiceClient(conn)
	c.tokens = tokensv1.NewAuthTokenServiceClient(conn)
	c.health = healthpb.NewHealthClient(conn)
	return c, nil
}

// Dial creates a Client for target and waits until the sidecar reports
// SERVING (see WaitUntilReady), bounded by ctx or, when ctx has no deadline,
// by the ready timeout.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	c, err := New(target, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.WaitUntilReady(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Target returns the gRPC target the client was created with.
func (c *Client) Target() string { return c.target }

// Conn returns the underlying connection, for other services on the sidecar.
// Calls made on it also get the default deadline (unary calls), the
// credential (the sidecar's own services only) and typed errors.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// AuthService returns the generated stub, for callers that want the raw
// request and response messages. The credential, the default deadline and
// the *Error conversion apply to it as well.
func (c *Client) AuthService() authv1.AuthServiceClient { return c.auth }

// CallsService returns the generated CallsService stub, with the same
// credential, deadline and errors as AuthService. Its responses carry the
// call token in the clear: prefer GenerateCallToken.
func (c *Client) CallsService() callsv1.CallsServiceClient { return c.calls }

// AuthTokenService returns the generated AuthTokenService stub, with the
// same credential, deadline and errors as AuthService. Its responses carry
// the auth token in the clear: prefer IssueAuthToken.
func (c *Client) AuthTokenService() tokensv1.AuthTokenServiceClient { return c.tokens }

// Close closes the connection. Calls in flight fail with codes.Canceled.
func (c *Client) Close() error { return c.conn.Close() }

// Login logs uid in with the API key the sidecar holds (the recommended
// set-up: the app never sees a key). It returns the logged-in user.
func (c *Client) Login(ctx context.Context, uid string) (*authv1.CallsUser, error) {
	return c.LoginWithAPIKey(ctx, uid, "")
}

// LoginWithAPIKey logs uid in with the given CometChat API key (empty: the
// key the sidecar holds).
func (c *Client) LoginWithAPIKey(ctx context.Context, uid, apiKey string) (*authv1.CallsUser, error) {
	resp, err := c.auth.Login(ctx, &authv1.LoginRequest{Uid: uid, ApiKey: apiKey})
	if err != nil {
		return nil, err
	}
	return resp.GetUser(), nil
}

// LoginWithToken logs in with a CometChat auth token created elsewhere (for
// example by the app's backend). It returns the logged-in user.
func (c *Client) LoginWithToken(ctx context.Context, authToken string) (*authv1.CallsUser, error) {
	resp, err := c.auth.LoginWithToken(ctx, &authv1.LoginWithTokenRequest{AuthToken: authToken})
	if err != nil {
		return nil, err
	}
	return resp.GetUser(), nil
}

// GetLoggedInUser returns the user logged in for this app, or nil (and no
// error) when nobody is.
func (c *Client) GetLoggedInUser(ctx context.Context) (*authv1.CallsUser, error) {
	resp, err := c.auth.GetLoggedInUser(ctx, &authv1.GetLoggedInUserRequest{})
	if err != nil {
		return nil, err
	}
	return resp.GetUser(), nil
}

// Logout ends this app's session. It fails with ReasonNoUserLoggedIn when
// nobody is logged in.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.auth.Logout(ctx, &authv1.LogoutRequest{})
	return err
}

// WaitUntilReady polls the standard gRPC health service until the sidecar
// reports the AuthService SERVING. It gives up when ctx is done or, if ctx
// has no deadline, after the ready timeout, returning an error that wraps
// ErrNotReady and says what the last check answered.
func (c *Client) WaitUntilReady(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok && c.opts.readyTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.readyTimeout)
		defer cancel()
	}
	start := time.Now()
	service := ServiceName
	delay := 50 * time.Millisecond
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := c.health.Check(attempt, &healthpb.HealthCheckRequest{Service: service})
		cancel()
		switch {
		case err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING:
			return nil
		case err == nil:
			last = fmt.Errorf("health status %s", resp.GetStatus())
		case status.Code(err) == codes.NotFound && service != "":
			// A sidecar that only reports the overall health: ask for that.
			service = ""
			continue
		case status.Code(err) == codes.Unimplemented:
			return fmt.Errorf("%w: %s has no gRPC health service: %w", ErrNotReady, c.target, err)
		case ctx.Err() != nil && last != nil:
			// A check cut short by the end of the wait says nothing new: keep the last answer.
		default:
			last = err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %s did not report SERVING within %s (last check: %v): %w",
				ErrNotReady, c.target, time.Since(start).Round(time.Millisecond), last, ctx.Err())
		case <-t.C:
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

// intercept runs on every unary call made through the connection: it adds
// the default deadline, the credential on the sidecar's own services, and
// turns a failed status into an *Error.
func (c *Client) intercept(ctx context.Context, method string, req, reply any,
	cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if _, ok := ctx.Deadline(); !ok && c.opts.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.callTimeout)
		defer cancel()
	}
	return convert(invoker(c.withCredential(ctx, method), method, req, reply, cc, opts...))
}

// interceptStream runs on every streaming call: the credential as for unary
// calls, and *Error values from the stream. Streams get no default deadline:
// they are meant to stay open.
func (c *Client) interceptStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
	method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(c.withCredential(ctx, method), desc, cc, method, opts...)
	if err != nil {
		return nil, convert(err)
	}
	return convertingStream{s}, nil
}

func (c *Client) withCredential(ctx context.Context, method string) context.Context {
	if c.opts.credential == "" || !strings.HasPrefix(method, apiMethodPrefix) {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.opts.credential)
}

// convertingStream turns a failed status from a stream into an *Error;
// io.EOF (the stream ended with OK) passes through.
type convertingStream struct{ grpc.ClientStream }

func (s convertingStream) RecvMsg(m any) error { return convert(s.ClientStream.RecvMsg(m)) }
func (s convertingStream) SendMsg(m any) error { return convert(s.ClientStream.SendMsg(m)) }
