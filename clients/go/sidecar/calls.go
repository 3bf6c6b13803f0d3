package sidecar

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	authv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/authv1"
	callsv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/callsv1"
)

// redacted stands for a secret in String, GoString and log values.
const redacted = "[redacted]"

// CallToken is a call token for one call session, made for the user logged in
// for the app.
//
// Token is a secret: it probably carries the user's auth token in its
// payload. Hand it only to the client that joins the call (the Calls SDK's
// joinSession); never log it nor cache it. String, GoString, LogValue and
// MarshalJSON leave it out, so printing or logging a CallToken is safe; to
// send the token on, send the Token field itself.
type CallToken struct {
	// Token is the call token (a JWT issued by CometChat). A secret.
	Token string
	// SessionID is the call session the token is for, as requested.
	SessionID string
	// User is the user the token was made for.
	User *authv1.CallsUser
}

// String implements fmt.Stringer without the token.
func (t CallToken) String() string {
	return fmt.Sprintf("CallToken{SessionID: %q, UID: %q, Token: %s}", t.SessionID, t.User.GetUid(), redacted)
}

// GoString implements fmt.GoStringer (the %#v verb) without the token.
func (t CallToken) GoString() string { return "sidecar." + t.String() }

// LogValue implements slog.LogValuer without the token.
func (t CallToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("session_id", t.SessionID),
		slog.String("uid", t.User.GetUid()),
		slog.String("token", redacted),
	)
}

// MarshalJSON implements json.Marshaler without the token, so a CallToken
// inside a value logged as JSON stays safe.
func (t CallToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		SessionID string
		User      *authv1.CallsUser
		Token     string
	}{t.SessionID, t.User, redacted})
}

// GenerateCallToken returns a call token for the call session sessionID,
// made with the auth token of the user logged in for this app (the Calls
// SDK's generateToken(sessionId)). The auth token itself never leaves the
// sidecar.
//
// Reasons: ReasonSessionIDMissing (empty or blank session id),
// ReasonAuthTokenMissing (nobody logged in), ReasonInvalidSessionID,
// ReasonSessionIDNotAllowed (outside the app's allowed prefix),
// ReasonOperationNotAllowed (the app's policy does not grant call tokens),
// ReasonCallTokenRateLimited (retryable), ReasonAuthAuthTokenNotFound (the
// session was revoked; WatchSession sees SESSION_CHANGE_REVOKED), and
// CometChat's codes passed through.
func (c *Client) GenerateCallToken(ctx context.Context, sessionID string) (*CallToken, error) {
	resp, err := c.calls.GenerateCallToken(ctx, &callsv1.GenerateCallTokenRequest{SessionId: sessionID})
	if err != nil {
		return nil, err
	}
	return &CallToken{Token: resp.GetCallToken(), SessionID: resp.GetSessionId(), User: resp.GetUser()}, nil
}
