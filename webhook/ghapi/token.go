package ghapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultAppSlug is the App whose comments a token client counts as the
// App's when TokenOptions.AppSlug is empty.
const DefaultAppSlug = "mountguard"

// TokenOptions configure NewTokenClient.
type TokenOptions struct {
	// Token is a personal access token (classic or fine-grained), an
	// installation token or an Actions GITHUB_TOKEN (required). It is
	// sent as "Authorization: token <Token>", to the API's host only.
	// Surrounding white space (a file's final newline) is dropped.
	Token string
	// BaseURL is the REST API root, as AppsOptions.BaseURL:
	// DefaultBaseURL (the default), "https://ghe.example.com/api/v3/", or
	// a test server's URL; nothing is appended.
	BaseURL string
	// Transport sends the requests (default http.DefaultTransport).
	Transport http.RoundTripper
	// Metrics, when set, gets the github_* metrics.
	Metrics prometheus.Registerer
	// Logger gets a warning per retried request (default: discard).
	Logger *slog.Logger
	// Retry tunes the retries; its Sleep and Now are the test hooks.
	Retry RetryOptions
	// AppSlug names the App whose comments are ByApp: those posted by
	// "<AppSlug>[bot]" (default DefaultAppSlug). A trailing "[bot]" is
	// accepted.
	AppSlug string
	// Now stamps completed check runs (default time.Now); it is also
	// Retry.Now when that is unset.
	Now func() time.Time
}

// NewTokenClient returns a Client authenticated with a token, for people
// and scripts (the mountguard exceptions command) rather than the App. It
// has the stack of an installation's Client with the token in place of
// ghinstallation:
//
//	SerialTransport   one mutation at a time
//	RetryTransport    5xx, network errors and rate limits, deadline-aware
//	token             Authorization: token <Token>
//	MetricsTransport  github_* metrics, per attempt
//	TokenOptions.Transport
//
// It cannot know "its own" App: ByApp means posted by
// "<AppSlug>[bot]", and InstallationID is 0.
func NewTokenClient(opts TokenOptions) (*Client, error) {
	token := strings.TrimSpace(opts.Token)
	if token == "" {
		return nil, errors.New("ghapi: the token is missing")
	}
	if strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, errors.New("ghapi: the token contains white space or control characters")
	}
	slug := strings.TrimSuffix(strings.TrimSpace(opts.AppSlug), "[bot]")
	if slug == "" {
		slug = DefaultAppSlug
	}
	c, err := newConnection(opts.BaseURL, opts.Transport, opts.Metrics, opts.Logger, opts.Retry, opts.Now)
	if err != nil {
		return nil, err
	}
	auth := &tokenTransport{next: c.inner, authorization: "token " + token, scheme: c.baseURL.Scheme, host: c.baseURL.Host}
	retry := &RetryTransport{Next: auth, Options: c.retry, Logger: c.log, BasePath: c.basePath}
	rt := NewSerialTransport(retry)
	return &Client{gh: newGitHub(c.baseURL, rt), rt: rt, slug: slug, now: c.now}, nil
}

// tokenTransport authenticates the requests to the API's scheme and host
// with a token. A request elsewhere (a redirect to another host) goes
// without it.
type tokenTransport struct {
	next          http.RoundTripper
	authorization string
	scheme, host  string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Scheme, t.scheme) || !strings.EqualFold(req.URL.Host, t.host) {
		return t.next.RoundTrip(req)
	}
	// A RoundTripper must not change the request it is given.
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", t.authorization)
	return t.next.RoundTrip(r)
}
