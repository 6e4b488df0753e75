package ghapi

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultBaseURL is github.com's REST API.
const DefaultBaseURL = "https://api.github.com/"

// userAgent names mountguard to GitHub, which asks every client for one.
const userAgent = "mountguard"

// AppsOptions configure NewApps.
type AppsOptions struct {
	// AppID is the GitHub App's id (required).
	AppID int64
	// PrivateKey is the App's private key, PEM (PKCS#1 as GitHub issues
	// it, or PKCS#8) (required).
	PrivateKey []byte
	// BaseURL is the REST API root: DefaultBaseURL (the default),
	// "https://ghe.example.com/api/v3/" for GitHub Enterprise Server, or a
	// test server's URL. It is used as given: nothing is appended.
	BaseURL string
	// Transport sends the requests (default http.DefaultTransport).
	Transport http.RoundTripper
	// Metrics, when set, gets the github_* metrics.
	Metrics prometheus.Registerer
	// Logger gets a warning per retried request (default: discard).
	Logger *slog.Logger
	// Retry tunes the retries; its Sleep and Now are the test hooks.
	Retry RetryOptions
	// AppSlug, when known, spares the GET /app that learns it.
	AppSlug string
	// Now stamps completed check runs (default time.Now); it is also
	// Retry.Now when that is unset.
	Now func() time.Time
}

// Apps authenticates as a GitHub App and hands out one Client per
// installation. It is safe for concurrent use.
type Apps struct {
	connection
	appID     int64
	key       *rsa.PrivateKey
	tokenBase string
	// app calls the API as the App itself (JWT), for GET /app.
	app *github.Client

	mu      sync.Mutex
	clients map[int64]*Client

	// slugMu is held while the slug is fetched, so concurrent callers
	// wait for one GET /app instead of each sending theirs.
	slugMu sync.Mutex
	slug   string
}

// NewApps returns the App's factory of installation clients.
func NewApps(opts AppsOptions) (*Apps, error) {
	if opts.AppID <= 0 {
		return nil, errors.New("ghapi: the App id is missing")
	}
	key, err := parsePrivateKey(opts.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("ghapi: the App's private key: %w", err)
	}
	conn, err := newConnection(opts.BaseURL, opts.Transport, opts.Metrics, opts.Logger, opts.Retry, opts.Now)
	if err != nil {
		return nil, err
	}
	a := &Apps{
		connection: conn,
		appID:      opts.AppID,
		key:        key,
		// ghinstallation joins its paths to the base with a "/" of its
		// own.
		tokenBase: strings.TrimSuffix(conn.baseURL.String(), "/"),
		clients:   map[int64]*Client{},
		slug:      opts.AppSlug,
	}
	a.app = newGitHub(a.baseURL, &RetryTransport{Next: a.appsTransport(), Options: a.retry, Logger: a.log, BasePath: a.basePath})
	return a, nil
}

// connection is what every client of one API root shares: the root, the
// transport below authentication, and the defaults of the logger, the
// clock and the retries.
type connection struct {
	baseURL  *url.URL
	basePath string
	// inner sends every request, token requests included: the caller's
	// transport, measured when metrics are on.
	inner http.RoundTripper
	retry RetryOptions
	log   *slog.Logger
	now   func() time.Time
}

func newConnection(baseURL string, transport http.RoundTripper, metrics prometheus.Registerer, log *slog.Logger, retry RetryOptions, now func() time.Time) (connection, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return connection{}, err
	}
	if transport == nil {
		transport = http.DefaultTransport
	}
	if log == nil {
		log = discardLogger
	}
	if now == nil {
		now = time.Now
	}
	if retry.Now == nil {
		retry.Now = now
	}
	c := connection{baseURL: base, basePath: strings.TrimSuffix(base.Path, "/"), inner: transport, retry: retry, log: log, now: now}
	if metrics != nil {
		m, err := NewMetrics(metrics)
		if err != nil {
			return connection{}, fmt.Errorf("ghapi: registering metrics: %w", err)
		}
		c.inner = &MetricsTransport{Next: transport, Metrics: m, BasePath: c.basePath}
	}
	return c, nil
}

// parseBaseURL checks the API root and gives it the trailing slash
// go-github requires. Unlike go-github's WithEnterpriseURLs it appends no
// "/api/v3/", which would break a test server's or a proxy's root.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("ghapi: the API base URL %q: %w", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("ghapi: the API base URL %q is not an http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ghapi: the API base URL %q has a query or a fragment", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// parsePrivateKey reads an RSA key from PEM, as GitHub issues it (PKCS#1)
// or converted to PKCS#8.
func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("a %T, where GitHub Apps sign with RSA", k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("a PEM block of type %q, not a private key", block.Type)
}

// appsTransport returns a new JWT transport. Each installation gets its
// own: ghinstallation's installation transport writes the BaseURL and
// Client fields of its AppsTransport on every token refresh, unlocked, so
// installations sharing one would race.
func (a *Apps) appsTransport() *ghinstallation.AppsTransport {
	atr := ghinstallation.NewAppsTransportFromPrivateKey(a.inner, a.appID, a.key)
	atr.BaseURL = a.tokenBase
	return atr
}

// newGitHub is a go-github client sending through rt to the API root
// base.
func newGitHub(baseURL *url.URL, rt http.RoundTripper) *github.Client {
	gh := github.NewClient(&http.Client{Transport: rt})
	base := *baseURL
	upload := *baseURL
	gh.BaseURL, gh.UploadURL = &base, &upload
	gh.UserAgent = userAgent
	return gh
}

// AppID is the App's id.
func (a *Apps) AppID() int64 { return a.appID }

// Installation returns the Client of an installation, the same one on
// every call, so that its token (fetched when first needed, refreshed by
// ghinstallation a minute before it expires) and its turn for mutations
// are shared by all the jobs of the installation.
func (a *Apps) Installation(id int64) *Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[id]; ok {
		return c
	}
	itr := ghinstallation.NewFromAppsTransport(a.appsTransport(), id)
	// Retries sit above the token transport, so a request retried after a
	// long wait is sent with a token that is still valid.
	retry := &RetryTransport{Next: itr, Options: a.retry, Logger: a.log.With("installation", id), BasePath: a.basePath}
	rt := NewSerialTransport(retry)
	c := &Client{apps: a, installation: id, gh: newGitHub(a.baseURL, rt), rt: rt, now: a.now}
	a.clients[id] = c
	return c
}

// AppSlug returns the App's slug, fetched once with GET /app (as the
// App, with its JWT) unless AppsOptions.AppSlug gave it. A failure is not
// remembered: the next call tries again.
func (a *Apps) AppSlug(ctx context.Context) (string, error) {
	a.slugMu.Lock()
	defer a.slugMu.Unlock()
	if a.slug != "" {
		return a.slug, nil
	}
	app, _, err := a.app.Apps.Get(ctx, "")
	if err != nil {
		return "", classify("reading the App (GET /app)", err)
	}
	if app.GetSlug() == "" {
		return "", errors.New("reading the App (GET /app): the answer has no slug")
	}
	a.slug = app.GetSlug()
	return a.slug, nil
}

// BotLogin returns the login of the App's bot user, "<slug>[bot]": the
// author of everything the App posts.
func (a *Apps) BotLogin(ctx context.Context) (string, error) {
	slug, err := a.AppSlug(ctx)
	if err != nil {
		return "", err
	}
	return slug + "[bot]", nil
}
