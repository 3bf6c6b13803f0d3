package sidecar

// Reasons the sidecar answers in google.rpc.ErrorInfo.reason. The set is
// open: a newer sidecar, or CometChat itself, may answer a reason that is not
// listed here, so always keep a default branch when switching on
// (*Error).Reason.
const (
	// The Calls SDK's own validation codes (domain DomainSidecar).
	ReasonLoginInProgress      = "ERROR_LOGIN_IN_PROGRESS"    // ABORTED, retryable
	ReasonInvalidUID           = "ERROR_INVALID_UID"          // INVALID_ARGUMENT
	ReasonUIDWithSpace         = "ERROR_UID_WITH_SPACE"       // INVALID_ARGUMENT
	ReasonAPIKeyNotFound       = "ERROR_API_KEY_NOT_FOUND"    // FAILED_PRECONDITION
	ReasonBlankAuthToken       = "ERROR_BLANK_AUTHTOKEN"      // INVALID_ARGUMENT
	ReasonAuthTokenWithSpace   = "ERROR_AUTHTOKEN_WITH_SPACE" // INVALID_ARGUMENT
	ReasonNoUserLoggedIn       = "ERROR_NO_USER_LOGGED_IN"    // FAILED_PRECONDITION
	ReasonUIDTooLong           = "ERROR_UID_TOO_LONG"         // INVALID_ARGUMENT
	ReasonUIDInvalidChars      = "ERROR_UID_INVALID_CHARACTERS"
	ReasonInvalidAuthToken     = "ERROR_INVALID_AUTHTOKEN"
	ReasonInvalidAPIKey        = "ERROR_INVALID_API_KEY"
	ReasonMissingAppCredential = "ERROR_MISSING_APP_CREDENTIAL" // UNAUTHENTICATED
	ReasonUnknownAppCredential = "ERROR_UNKNOWN_APP_CREDENTIAL" // UNAUTHENTICATED
	ReasonUnknownClientCert    = "ERROR_UNKNOWN_CLIENT_CERTIFICATE"
	ReasonMalformedRequest     = "ERROR_MALFORMED_REQUEST"        // INVALID_ARGUMENT
	ReasonLoginRateLimited     = "ERROR_LOGIN_RATE_LIMITED"       // RESOURCE_EXHAUSTED, retryable
	ReasonTooManyCallsInFlight = "ERROR_TOO_MANY_CALLS_IN_FLIGHT" // RESOURCE_EXHAUSTED, retryable
	ReasonTooManySessions      = "ERROR_TOO_MANY_SESSIONS"        // RESOURCE_EXHAUSTED
	ReasonStateUnavailable     = "STATE_UNAVAILABLE"              // UNAVAILABLE, retryable

	// CallsService.GenerateCallToken (domain DomainSidecar): the Calls SDK's
	// two checks, then the sidecar's own.
	ReasonSessionIDMissing     = "ERROR_SESSION_ID_MISSING"      // INVALID_ARGUMENT
	ReasonAuthTokenMissing     = "ERROR_AUTH_TOKEN_MISSING"      // FAILED_PRECONDITION: nobody logged in
	ReasonInvalidSessionID     = "ERROR_INVALID_SESSION_ID"      // INVALID_ARGUMENT
	ReasonSessionIDNotAllowed  = "ERROR_SESSION_ID_NOT_ALLOWED"  // PERMISSION_DENIED: outside the app's prefix
	ReasonCallTokenRateLimited = "ERROR_CALL_TOKEN_RATE_LIMITED" // RESOURCE_EXHAUSTED, retryable

	// The app's policy (domain DomainSidecar), on any RPC.
	ReasonOperationNotAllowed = "ERROR_OPERATION_NOT_ALLOWED"   // PERMISSION_DENIED: the RPC is not granted
	ReasonUIDNotAllowed       = "ERROR_UID_NOT_ALLOWED"         // PERMISSION_DENIED: the UID is outside its patterns
	ReasonTokenNotIssuedByApp = "ERROR_TOKEN_NOT_ISSUED_BY_APP" // PERMISSION_DENIED: RevokeAuthToken of a token this app did not issue

	// IssueAuthToken's input (domain DomainSidecar).
	ReasonInvalidName = "ERROR_INVALID_NAME" // INVALID_ARGUMENT: the new user's name is too long or has control characters

	// The sidecar's own failures talking to CometChat (domain DomainSidecar).
	ReasonUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"  // UNAVAILABLE, retryable
	ReasonUpstreamTimeout     = "UPSTREAM_TIMEOUT"      // DEADLINE_EXCEEDED, retryable
	ReasonUpstreamBadResponse = "UPSTREAM_BAD_RESPONSE" // UNAVAILABLE, retryable
	ReasonUpstreamCircuitOpen = "UPSTREAM_CIRCUIT_OPEN" // UNAVAILABLE, retryable
	ReasonInternal            = "INTERNAL"

	// CometChat's codes, passed through (domain DomainCometChat).
	ReasonUIDNotFound            = "ERR_UID_NOT_FOUND"
	ReasonAuthEmptyAPIKey        = "AUTH_ERR_EMPTY_APIKEY"
	ReasonAuthAPIKeyNotFound     = "AUTH_ERR_APIKEY_NOT_FOUND"
	ReasonAuthNoAccess           = "AUTH_ERR_NO_ACCESS"
	ReasonAuthEmptyAppID         = "AUTH_ERR_EMPTY_APPID"
	ReasonAuthInvalidAppID       = "AUTH_ERR_INVALID_APPID"
	ReasonAuthEmptyAuthToken     = "AUTH_ERR_EMPTY_AUTH_TOKEN"
	ReasonAuthAuthTokenNotFound  = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
	ReasonAuthTokenNotFound      = "ERR_AUTH_TOKEN_NOT_FOUND"
	ReasonAuthTokenNotAccessible = "ERR_AUTHTOKEN_NOT_ACCESSIBLE"
	ReasonBadRequest             = "ERR_BAD_REQUEST"
	ReasonTooManyRequests        = "ERR_TOO_MANY_REQUESTS" // RESOURCE_EXHAUSTED, retryable
	ReasonAPINotFound            = "ERR_API_NOT_FOUND"
	ReasonUIDAlreadyExists       = "ERR_UID_ALREADY_EXISTS" // ALREADY_EXISTS
	ReasonEmptyCallSessionID     = "ERR_EMPTY_CALL_SESSION_ID"
	ReasonCallSessionNotFound    = "ERR_CALL_SESSION_NOT_FOUND" // NOT_FOUND
)

// Error domains (google.rpc.ErrorInfo.domain).
const (
	// DomainSidecar marks reasons produced by the sidecar itself, including
	// the Calls SDK's validation codes.
	DomainSidecar = "cometchat-sidecar"
	// DomainCometChat marks codes passed through from the CometChat API.
	DomainCometChat = "cometchat-api"
)
