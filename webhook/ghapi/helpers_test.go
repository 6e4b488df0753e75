package ghapi

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAppID   = 4242
	testAppSlug = "mountguard-test"
)

// testKey is generated once: RSA key generation is slow under -race.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func testKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())})
}

// verifyJWT checks an App JWT the way GitHub does: RS256 signed by the
// App's key, issued by the App id, valid now and for at most 10 minutes.
func verifyJWT(auth string) error {
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return fmt.Errorf("authorization %q is not a bearer token", auth)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	var hdr struct{ Alg string }
	if err := decodeSegment(parts[0], &hdr); err != nil || hdr.Alg != "RS256" {
		return fmt.Errorf("JWT header: alg %q, %v", hdr.Alg, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&testKey().PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("JWT signature: %w", err)
	}
	var claims struct {
		Iss string
		Iat int64
		Exp int64
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	now := time.Now().Unix()
	if claims.Iss != fmt.Sprint(testAppID) || claims.Iat > now || claims.Exp < now || claims.Exp-claims.Iat > 600 {
		return fmt.Errorf("JWT claims %+v", claims)
	}
	return nil
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// fakeGitHub is a small GitHub: the App endpoints (JWT checked), and the
// routes each test adds, which require the installation token.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	mux    *http.ServeMux
	prefix string // "/api/v3" for GitHub Enterprise Server

	tokenCalls atomic.Int32
	appCalls   atomic.Int32
}

func newFakeGitHub(t *testing.T, prefix string) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, mux: http.NewServeMux(), prefix: prefix}
	f.mux.HandleFunc("POST "+prefix+"/app/installations/{id}/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		f.tokenCalls.Add(1)
		if r.PathValue("id") == "404" { // an installation that was removed
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		if err := verifyJWT(r.Header.Get("Authorization")); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{
			"token":      "tok-" + r.PathValue("id"),
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	})
	f.mux.HandleFunc("GET "+prefix+"/app", func(w http.ResponseWriter, r *http.Request) {
		f.appCalls.Add(1)
		if err := verifyJWT(r.Header.Get("Authorization")); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": testAppID, "slug": testAppSlug})
	})
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	return f
}

// handle adds an installation route: "GET /repos/{owner}/{repo}/pulls/{n}".
func (f *fakeGitHub) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	f.mux.HandleFunc(method+" "+f.prefix+path, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "token tok-1" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials: " + got})
			return
		}
		h(w, r)
	})
}

// url is an absolute URL of the fake for a path, for Link headers.
func (f *fakeGitHub) url(path string) string { return f.srv.URL + f.prefix + path }

// sleeps records the waits of RetryTransport instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type testApps struct {
	*Apps
	sleeps *sleeps
	log    *syncBuffer
}

// apps returns an Apps talking to the fake, with recorded sleeps, a fixed
// clock and a captured log; mod changes the options further.
func (f *fakeGitHub) apps(mod func(*AppsOptions)) testApps {
	f.t.Helper()
	s := &sleeps{}
	log := &syncBuffer{}
	opts := AppsOptions{
		AppID:      testAppID,
		PrivateKey: testKeyPEM(),
		BaseURL:    f.srv.URL + f.prefix, // no trailing slash: NewApps adds it
		Logger:     slog.New(slog.NewTextHandler(log, nil)),
		Retry:      RetryOptions{Sleep: s.sleep},
		Now:        func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&opts)
	}
	a, err := NewApps(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return testApps{Apps: a, sleeps: s, log: log}
}

// client is installation 1's Client.
func (f *fakeGitHub) client() (*Client, testApps) {
	a := f.apps(nil)
	return a.Installation(1), a
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// nextLink sets a Link header pointing at page next, as GitHub paginates.
func nextLink(w http.ResponseWriter, f *fakeGitHub, path string, next, last int) {
	w.Header().Set("Link", fmt.Sprintf(`<%s?per_page=100&page=%d>; rel="next", <%s?per_page=100&page=%d>; rel="last"`,
		f.url(path), next, f.url(path), last))
}

// readJSON decodes a request body into a generic map, to check exactly
// which fields were sent.
func readJSON(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		t.Errorf("decoding the request body: %v", err)
	}
	return m
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// step is one scripted answer of scriptTransport.
type step struct {
	status int
	header map[string]string
	body   string
	err    error
}

type recorded struct {
	method, path, body string
	header             http.Header
}

// scriptTransport answers requests with its steps in order, recording
// them: RetryTransport tested on its own, without a network.
type scriptTransport struct {
	mu    sync.Mutex
	steps []step
	reqs  []recorded
}

func (s *scriptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	s.mu.Lock()
	i := len(s.reqs)
	s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, string(body), r.Header.Clone()})
	s.mu.Unlock()
	if i >= len(s.steps) {
		return nil, fmt.Errorf("unexpected request %d", i+1)
	}
	st := s.steps[i]
	if st.err != nil {
		return nil, st.err
	}
	resp := &http.Response{StatusCode: st.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(st.body)), Request: r}
	for k, v := range st.header {
		resp.Header.Set(k, v)
	}
	return resp, nil
}

func (s *scriptTransport) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}
