package sidecar

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	tokensv1 "github.com/cometchat-sidecar/cometchat-sidecar/clients/go/tokensv1"
)

// IssuedAuthToken is a CometChat auth token the sidecar created for a user
// (the backend half of CometChat's auth-token flow).
//
// AuthToken is a secret, returned once: the sidecar keeps only a
// fingerprint. Hand it to the user's client, which logs in with it
// (LoginWithToken, or the Calls SDK's login(authToken)). String, GoString,
// LogValue and MarshalJSON leave it out, so printing or logging an
// IssuedAuthToken is safe; to send the token on, send the AuthToken field
// itself.
type IssuedAuthToken struct {
	// UID is the user's UID as CometChat stores it (lower-cased).
	UID string
	// AuthToken is the new auth token. A secret.
	AuthToken string
	// CreatedAt is when CometChat created the token (whole seconds).
	CreatedAt time.Time
	// UserCreated is true when the user was created by this call
	// (CreateIfMissing).
	UserCreated bool
}

// String implements fmt.Stringer without the token.
func (t IssuedAuthToken) String() string {
	return fmt.Sprintf("IssuedAuthToken{UID: %q, CreatedAt: %s, UserCreated: %t, AuthToken: %s}",
		t.UID, t.CreatedAt.UTC().Format(time.RFC3339), t.UserCreated, redacted)
}

// GoString implements fmt.GoStringer (the %#v verb) without the token.
func (t IssuedAuthToken) GoString() string { return "sidecar." + t.String() }

// LogValue implements slog.LogValuer without the token.
func (t IssuedAuthToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("uid", t.UID),
		slog.Time("created_at", t.CreatedAt),
		slog.Bool("user_created", t.UserCreated),
		slog.String("auth_token", redacted),
	)
}

// MarshalJSON implements json.Marshaler without the token, so an
// IssuedAuthToken inside a value logged as JSON stays safe.
func (t IssuedAuthToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		UID         string
		CreatedAt   time.Time
		UserCreated bool
		AuthToken   string
	}{t.UID, t.CreatedAt, t.UserCreated, redacted})
}

// IssueOption changes how IssueAuthToken creates a token.
type IssueOption func(*tokensv1.IssueAuthTokenRequest)

// CreateIfMissing makes IssueAuthToken create the user first when CometChat
// does not know it, with the display name name (the UID when empty). A
// concurrent creation of the same user is not an error.
func CreateIfMissing(name string) IssueOption {
	return func(r *tokensv1.IssueAuthTokenRequest) {
		r.CreateIfMissing = true
		r.Name = name
	}
}

// IssueAuthToken creates a new CometChat auth token for uid with the REST
// API key the sidecar holds, so the app's backend never holds the key.
//
// The app's policy must grant it: ReasonOperationNotAllowed without the
// issue_tokens grant, ReasonUIDNotAllowed for a UID outside its issue_uids
// patterns. The UID checks of Login apply (ReasonInvalidUID,
// ReasonUIDWithSpace, ...), and ReasonUIDNotFound when the user does not
// exist and CreateIfMissing was not given.
func (c *Client) IssueAuthToken(ctx context.Context, uid string, opts ...IssueOption) (*IssuedAuthToken, error) {
	req := &tokensv1.IssueAuthTokenRequest{Uid: uid}
	for _, opt := range opts {
		opt(req)
	}
	resp, err := c.tokens.IssueAuthToken(ctx, req)
	if err != nil {
		return nil, err
	}
	return &IssuedAuthToken{
		UID:         resp.GetUid(),
		AuthToken:   resp.GetAuthToken(),
		CreatedAt:   time.Unix(resp.GetCreatedAt(), 0),
		UserCreated: resp.GetUserCreated(),
	}, nil
}

// RevokeAuthToken revokes one auth token this app issued for uid (for
// example at sign-out). It returns how many of the app's sessions held the
// token and were ended (0 or 1); their watchers see SESSION_CHANGE_REVOKED.
// A token the app did not issue is refused with ReasonTokenNotIssuedByApp.
func (c *Client) RevokeAuthToken(ctx context.Context, uid, authToken string) (sessionsEnded int, err error) {
	resp, err := c.tokens.RevokeAuthToken(ctx, &tokensv1.RevokeAuthTokenRequest{Uid: uid, AuthToken: authToken})
	if err != nil {
		return 0, err
	}
	return int(resp.GetSessionsEnded()), nil
}

// RevokeAllAuthTokens revokes every auth token of uid ("log this user out
// everywhere", for example after a password reset). It needs the app's
// revoke_all grant (else ReasonOperationNotAllowed) and returns how many of
// the app's sessions were of this user and were ended (0 or 1).
func (c *Client) RevokeAllAuthTokens(ctx context.Context, uid string) (sessionsEnded int, err error) {
	resp, err := c.tokens.RevokeAllAuthTokens(ctx, &tokensv1.RevokeAllAuthTokensRequest{Uid: uid})
	if err != nil {
		return 0, err
	}
	return int(resp.GetSessionsEnded()), nil
}
