package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
)

// ErrWatchEnded is what (*SessionWatch).Err returns when the sidecar ended
// the watch with OK, which it does when it shuts down. Wait until it is ready
// again (WaitUntilReady) and watch anew.
var ErrWatchEnded = errors.New("sidecar: the sidecar ended the session watch (shutting down)")

// SessionEvent is one message of a session watch: why it was sent and the
// app's user after the change.
type SessionEvent struct {
	// Change says why the event was sent: SESSION_CHANGE_CURRENT (the first
	// event of every watch), SESSION_CHANGE_LOGGED_IN, SESSION_CHANGE_LOGGED_OUT
	// or SESSION_CHANGE_REVOKED.
	Change authv1.SessionChange
	// User is the user logged in for the app after the change, nil when
	// nobody is.
	User *authv1.CallsUser
}

// SessionWatch is a running WatchSession stream. Read its events from
// Events; the channel is closed when the watch ends, and Err then says why.
// Stop ends it early. A SessionWatch is safe for concurrent use.
type SessionWatch struct {
	events chan SessionEvent
	cancel context.CancelFunc
	done   chan struct{} // closed after events

	mu  sync.Mutex
	err error // set before events is closed
}

// WatchSession streams this app's session state, so the app learns of a
// change (above all a revocation) without polling. The first event is the
// current state (SESSION_CHANGE_CURRENT), then one event follows per change.
// Every event carries the state after the change, so a reader that falls
// behind still ends at the right state.
//
// WatchSession returns once the sidecar has sent the current state (waiting
// at most the call timeout for it), so a refused call (a bad credential, say)
// is its error. The watch then runs until ctx is done, Stop is called, or the
// stream ends; it has no default deadline.
//
//	w, err := c.WatchSession(ctx)
//	if err != nil { ... }
//	defer w.Stop()
//	for ev := range w.Events() {
//		if ev.Change == authv1.SessionChange_SESSION_CHANGE_REVOKED { ... }
//	}
//	if err := w.Err(); errors.Is(err, sidecar.ErrWatchEnded) { ... reconnect ... }
func (c *Client) WatchSession(ctx context.Context) (*SessionWatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	first, err := c.openWatch(ctx, cancel)
	if err != nil {
		cancel()
		return nil, err
	}
	w := &SessionWatch{events: make(chan SessionEvent), cancel: cancel, done: make(chan struct{})}
	go w.run(ctx, first)
	return w, nil
}

// watchStart is an opened stream and its first message.
type watchStart struct {
	stream interface {
		Recv() (*authv1.WatchSessionResponse, error)
	}
	first *authv1.WatchSessionResponse
}

// openWatch opens the stream and reads its first message, giving up (and
// cancelling the stream) after the call timeout.
func (c *Client) openWatch(ctx context.Context, cancel context.CancelFunc) (watchStart, error) {
	var timer *time.Timer
	if d := c.opts.callTimeout; d > 0 {
		timer = time.AfterFunc(d, cancel)
	}
	// firedOrStop stops the timer and reports whether it had fired (then the
	// stream is, or is about to be, cancelled).
	firedOrStop := func() bool { return timer != nil && !timer.Stop() }
	stream, err := c.auth.WatchSession(ctx, &authv1.WatchSessionRequest{})
	var first *authv1.WatchSessionResponse
	if err == nil {
		first, err = stream.Recv()
	}
	switch {
	case firedOrStop():
		return watchStart{}, FromStatus(status.New(codes.DeadlineExceeded,
			fmt.Sprintf("the sidecar sent no session state within %s", c.opts.callTimeout)))
	case errors.Is(err, io.EOF):
		return watchStart{}, ErrWatchEnded
	case err != nil:
		return watchStart{}, err
	}
	return watchStart{stream: stream, first: first}, nil
}

func (w *SessionWatch) run(ctx context.Context, start watchStart) {
	defer close(w.done)
	defer close(w.events)
	defer w.cancel()
	msg := start.first
	for {
		select {
		case w.events <- SessionEvent{Change: msg.GetChange(), User: msg.GetUser()}:
		case <-ctx.Done():
			w.end(ctx.Err())
			return
		}
		var err error
		if msg, err = start.stream.Recv(); err != nil {
			switch {
			case errors.Is(err, io.EOF):
				w.end(ErrWatchEnded)
			case ctx.Err() != nil:
				w.end(ctx.Err())
			default:
				w.end(err)
			}
			return
		}
	}
}

// Events returns the channel of events. It is closed when the watch ends:
// ctx done, Stop called, the sidecar shutting down, or the stream failing.
func (w *SessionWatch) Events() <-chan SessionEvent { return w.events }

// Err says why the watch ended, once Events is closed (nil before):
// context.Canceled or context.DeadlineExceeded when ctx ended it or Stop was
// called, ErrWatchEnded when the sidecar ended it (it is shutting down), or
// the *Error the stream failed with (for example Unavailable when the
// connection to the sidecar was lost, Canceled after Client.Close).
func (w *SessionWatch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *SessionWatch) end(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
}

// Stop ends the watch, cancelling the stream, and returns once Events is
// closed. Calling it more than once, or after the watch ended, is fine.
func (w *SessionWatch) Stop() {
	w.cancel()
	<-w.done
}
