package githubtest

import (
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake GitHub REST API on a local httptest server. Create it
// with NewServer, describe the world with its setup methods (AddRepo,
// AddCommit, AddPullRequest, SetApp, AddInstallation, SetRole, AddTeam,
// AddLabel, SetLabel, MergePullRequest, ...), point the client under test
// at URL, and read back what the client did with Calls, Count, Reviews,
// ReviewComments, CheckRuns, IssueLabels, IssueEvents, IssueComments and
// RequestedReviewers. All methods are safe for
// concurrent use, including while requests are being served.
type Server struct {
	// URL is the server's root, without a trailing slash. go-github wants
	// it with one (BaseURL = URL + "/"); ghinstallation without.
	URL string

	srv *httptest.Server

	mu            sync.Mutex
	nextID        int64
	requests      int64
	app           *appInfo
	accounts      map[string]*account // by lower-case login
	repos         map[string]*repo    // by lower-case "owner/name"
	installations map[int64]*installation
	tokens        map[string]*credential
	buckets       map[string]*bucket
	rateLimit     int
	latency       time.Duration
	faults        []*fault
	calls         []Call
	checkRuns     map[int64]*checkRun
	// manifestCodes are the one-time codes of App manifests registered
	// through ManifestCode.
	manifestCodes map[string]*manifestGrant
	comments      map[int64]*reviewComment
	searchLimit   int
	// teams are the organisations' teams by lower-case "org/slug", and
	// customRoles their custom repository roles by lower-case
	// "org/name".
	teams         map[string]*team
	customRoles   map[string]*customRole
	issueComments map[int64]*issueComment
}

// NewServer starts a fake GitHub. Close it when done.
func NewServer() *Server {
	s := &Server{
		nextID:        1000,
		accounts:      map[string]*account{},
		repos:         map[string]*repo{},
		installations: map[int64]*installation{},
		tokens:        map[string]*credential{},
		buckets:       map[string]*bucket{},
		rateLimit:     DefaultRateLimit,
		checkRuns:     map[int64]*checkRun{},
		comments:      map[int64]*reviewComment{},
		searchLimit:   DefaultSearchRateLimit,
		teams:         map[string]*team{},
		customRoles:   map[string]*customRole{},
		issueComments: map[int64]*issueComment{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// DefaultRateLimit is the hourly primary rate limit of an installation
// token (GitHub's minimum; it grows with the installation's size).
const DefaultRateLimit = 5000

// SetRateLimit changes the hourly limit of every credential, so that a
// test can run one out with a handful of requests. When a credential has
// used it up, requests fail with GitHub's 403 "API rate limit exceeded"
// and x-ratelimit-remaining: 0 until the window resets.
func (s *Server) SetRateLimit(perHour int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = perHour
	for _, b := range s.buckets {
		if !b.anonymous && b.resource == resourceCore {
			b.limit = perHour
		}
	}
}

// DefaultSearchRateLimit is the search API's own limit: 30 requests a
// minute for an authenticated request, counted apart from the hourly
// limit (GitHub's "Rate limit" section of the search API docs; the
// x-ratelimit-limit: 30 and x-ratelimit-resource: search headers of a
// real search response are quoted in changesets/action#252).
const DefaultSearchRateLimit = 30

// unauthenticatedSearchLimit is the search limit without credentials.
const unauthenticatedSearchLimit = 10

// SetSearchRateLimit changes the per-minute search limit of every
// credential. When a credential has used it up, searches fail with
// GitHub's 403 "API rate limit exceeded for ..." and the search
// resource's headers until the minute is over; other endpoints are not
// affected.
func (s *Server) SetSearchRateLimit(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLimit = perMinute
	for _, b := range s.buckets {
		if !b.anonymous && b.resource == resourceSearch {
			b.limit = perMinute
		}
	}
}

// SetLatency delays every response by d, to exercise timeouts and
// concurrency.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// now is GitHub's clock, to the second as in its timestamps.
func (s *Server) now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// account is a GitHub user, organisation or App bot.
type account struct {
	login string
	id    int64
	kind  string // User, Organization or Bot
	// members are the lower-case logins of an organisation's members
	// (those of its teams).
	members map[string]bool
}

// accountFor returns the account with this login, creating it with the
// given type the first time.
func (s *Server) accountFor(login, kind string) *account {
	key := strings.ToLower(login)
	if a := s.accounts[key]; a != nil {
		return a
	}
	if kind == "" {
		kind = "User"
	}
	a := &account{login: login, id: s.newID(), kind: kind}
	s.accounts[key] = a
	return a
}

// appInfo is the GitHub App the fake knows.
type appInfo struct {
	id   int64
	slug string
	name string
	key  *rsa.PublicKey
	bot  *account
	// owner is the account that registered the App.
	owner *account
}

// installation is the App installed on an account.
type installation struct {
	id      int64
	account *account
	// repos are the lower-case full names it may use; nil means every
	// repository of the account.
	repos   []string
	created time.Time
}

func (in *installation) covers(r *repo) bool {
	if in.repos == nil {
		return strings.EqualFold(r.owner.login, in.account.login)
	}
	for _, name := range in.repos {
		if name == r.key() {
			return true
		}
	}
	return false
}

// credential is what an Authorization header resolved to.
type credential struct {
	token string
	// installation is set for installation tokens, whose actor is the
	// App's bot.
	installation *installation
	// repos, when set, narrows an installation token to some of the
	// installation's repositories.
	repos map[string]bool
	// user is the person a user token acts as, or the App's bot.
	user    *account
	expires time.Time
	// app marks an App JWT.
	app bool
}

func (c *credential) bucketKey() string {
	switch {
	case c == nil:
		return "anonymous"
	case c.app:
		return "app"
	case c.installation != nil:
		return "installation:" + strconv.FormatInt(c.installation.id, 10)
	default:
		return "user:" + strconv.FormatInt(c.user.id, 10)
	}
}

// canSee reports whether the credential may use the repository. GitHub
// answers 404, not 403, for a repository a token cannot see.
func (c *credential) canSee(r *repo) bool {
	if c == nil || c.app {
		return false
	}
	if c.installation == nil {
		return true
	}
	if !c.installation.covers(r) {
		return false
	}
	return c.repos == nil || c.repos[r.key()]
}

// The rate limit resources the fake counts apart, as GitHub names them
// in x-ratelimit-resource.
const (
	resourceCore   = "core"
	resourceSearch = "search"
)

// bucket is one credential's rate limit window for one resource.
type bucket struct {
	resource  string
	limit     int
	used      int
	reset     time.Time
	anonymous bool
}

// unauthenticatedLimit is GitHub's hourly limit without credentials.
const unauthenticatedLimit = 60

// bucketFor returns the credential's current window for a resource:
// an hour for core, a minute for search.
func (s *Server) bucketFor(c *credential, resource string) *bucket {
	key := c.bucketKey()
	if resource != resourceCore {
		key = resource + ":" + key
	}
	b := s.buckets[key]
	now := s.now()
	if b == nil || !now.Before(b.reset) {
		b = &bucket{resource: resource, limit: s.rateLimit, reset: now.Add(time.Hour), anonymous: c == nil}
		switch {
		case resource == resourceSearch && c == nil:
			b.limit, b.reset = unauthenticatedSearchLimit, now.Add(time.Minute)
		case resource == resourceSearch:
			b.limit, b.reset = s.searchLimit, now.Add(time.Minute)
		case c == nil:
			b.limit = unauthenticatedLimit
		}
		s.buckets[key] = b
	}
	return b
}

func (b *bucket) remaining() int { return max(b.limit-b.used, 0) }

func (b *bucket) headers(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining()))
	h.Set("X-RateLimit-Used", strconv.Itoa(b.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", b.resource)
}

// request is one API call being handled.
type request struct {
	r      *http.Request
	params map[string]string
	body   []byte
	cred   *credential
}

func (rq *request) param(name string) string { return rq.params[name] }

// maxRequestBody bounds what the fake reads of a request body.
const maxRequestBody = 128 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rt, params := matchRoute(r.Method, r.URL.EscapedPath())
	rq := &request{r: r, params: params, body: body}
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body}
	if rt != nil {
		call.Route = rt.name()
	}
	cred, authMsg := s.authenticate(r, rt)
	rq.cred = cred
	if cred != nil && cred.installation != nil {
		call.Installation = cred.installation.id
	}

	// Every response carries the rate limit headers of the credential's
	// bucket; a request without valid credentials uses the bucket of
	// unauthenticated requests. GET /rate_limit costs nothing.
	resource := resourceCore
	if rt != nil && rt.resource != "" {
		resource = rt.resource
	}
	b := s.bucketFor(cred, resource)
	counts := rt == nil || !rt.free
	var rp *reply
	switch f := s.takeFault(r.Method, r.URL.Path); {
	case f != nil:
		call.Faulted = true
		rp = f.reply()
		if counts {
			b.used++
		}
	case authMsg != "":
		rp = errReply(http.StatusUnauthorized, authMsg, docRest)
		if counts {
			b.used++
		}
	case counts && b.remaining() == 0:
		rp = s.rateLimited(cred)
	default:
		if counts {
			b.used++
		}
		if rt == nil {
			rp = notFound(docRest)
		} else {
			rp = rt.handle(s, rq)
		}
	}

	h := w.Header()
	b.headers(h)
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	s.requests++
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FA4E:%X", s.requests))
	for k, vs := range rp.header {
		h[k] = vs
	}
	call.Status = rp.status
	s.calls = append(s.calls, call)
	w.WriteHeader(rp.status)
	if r.Method != http.MethodHead {
		w.Write(rp.body)
	}
}

func (s *Server) rateLimited(c *credential) *reply {
	msg := "API rate limit exceeded."
	switch {
	case c != nil && c.installation != nil:
		msg = fmt.Sprintf(msgRateLimitInstallation, c.installation.id)
	case c != nil && c.user != nil:
		msg = fmt.Sprintf(msgRateLimitUser, c.user.id)
	}
	return errReply(http.StatusForbidden, msg, docPrimaryRateLimit)
}

// authenticate resolves the Authorization header for the route: an App
// JWT for the App's endpoints, a token for everything else. It returns the
// 401 message when the credentials are missing or wrong.
func (s *Server) authenticate(r *http.Request, rt *route) (*credential, string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if rt != nil && rt.anonymous {
			return nil, ""
		}
		return nil, msgRequiresAuth
	}
	scheme, value, _ := strings.Cut(auth, " ")
	value = strings.TrimSpace(value)
	scheme = strings.ToLower(scheme)
	if scheme != "token" && scheme != "bearer" || value == "" {
		return nil, msgBadCredentials
	}
	if rt != nil && rt.jwt {
		if scheme != "bearer" || s.app == nil {
			return nil, msgJWTDecode
		}
		if ok, msg := verifyJWT(value, s.app.id, s.app.key, s.now()); !ok {
			return nil, msg
		}
		return &credential{app: true, user: s.app.bot}, ""
	}
	c := s.tokens[value]
	if c == nil || !s.now().Before(c.expires) {
		return nil, msgBadCredentials
	}
	return c, ""
}

// newInstallationToken records a token for an installation, valid for an
// hour as GitHub's are.
func (s *Server) newInstallationToken(in *installation, repos map[string]bool) *credential {
	c := &credential{token: newToken("ghs_"), installation: in, repos: repos, user: s.app.bot, expires: s.now().Add(time.Hour)}
	s.tokens[c.token] = c
	return c
}

// page applies GitHub's pagination to n items: per_page (default 30, at
// most 100) and page (from 1). It returns the slice bounds and sets the
// Link header with rel="prev", "next", "last" and "first" links.
func (s *Server) page(rq *request, rp *reply, n int) (lo, hi int) {
	q := rq.r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max((n+perPage-1)/perPage, 1)
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		u := url.URL{Path: rq.r.URL.Path, RawQuery: q.Encode()}
		return "<" + s.URL + u.String() + ">; rel=\"" + rel + "\""
	}
	var links []string
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		rp.setHeader("Link", strings.Join(links, ", "))
	}
	return lo, hi
}
