package ghapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
)

// tokenClient is a token client of the fake, with the token f.handle
// expects, recorded sleeps and the fixed clock.
func (f *fakeGitHub) tokenClient(mod func(*TokenOptions)) (*Client, *sleeps) {
	f.t.Helper()
	s := &sleeps{}
	opts := TokenOptions{
		Token:   "tok-1",
		BaseURL: f.srv.URL + f.prefix,
		Retry:   RetryOptions{Sleep: s.sleep},
		Now:     func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := NewTokenClient(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return c, s
}

func TestNewTokenClientSendsTheToken(t *testing.T) {
	for _, tt := range []struct {
		name, prefix, base, token string
	}{
		{name: "test server root", base: "", token: "X"},
		{name: "root with a slash", base: "/", token: "X"},
		{name: "GitHub Enterprise Server", prefix: "/api/v3", base: "/api/v3", token: "X"},
		{name: "GHES with a slash", prefix: "/api/v3", base: "/api/v3/", token: "X"},
		{name: "a token read from a file", base: "", token: "  X\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("GET "+tt.prefix+"/repos/octo/cat/pulls/12", func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if got := r.Header.Get("Authorization"); got != "token X" {
					writeJSON(w, 401, map[string]string{"message": "Bad credentials: " + got})
					return
				}
				if r.Header.Get("User-Agent") != userAgent {
					t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
				}
				writeJSON(w, 200, map[string]any{"number": 12, "head": map[string]any{"sha": "h"}, "base": map[string]any{"sha": "b", "ref": "main"}})
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			c, err := NewTokenClient(TokenOptions{Token: tt.token, BaseURL: srv.URL + tt.base})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := c.PullRequest(context.Background(), testRepo, 12)
			want := pullreq.PullRequest{Repo: testRepo, Number: 12, HeadSHA: "h", BaseSHA: "b", BaseRef: "main"}
			if err != nil || pr != want || requests.Load() != 1 {
				t.Errorf("PullRequest = %+v, %v after %d requests", pr, err, requests.Load())
			}
			if c.InstallationID() != 0 {
				t.Errorf("InstallationID %d", c.InstallationID())
			}
		})
	}
}

func TestNewTokenClientChecksItsOptions(t *testing.T) {
	for _, tt := range []struct {
		name     string
		opts     TokenOptions
		ok       bool
		wantBase string
	}{
		{name: "github.com by default", opts: TokenOptions{Token: "t"}, ok: true, wantBase: DefaultBaseURL},
		{name: "GHES", opts: TokenOptions{Token: "t", BaseURL: "https://ghe.example.com/api/v3"}, ok: true, wantBase: "https://ghe.example.com/api/v3/"},
		{name: "local", opts: TokenOptions{Token: "t", BaseURL: "http://127.0.0.1:8080"}, ok: true, wantBase: "http://127.0.0.1:8080/"},
		{name: "no token", opts: TokenOptions{}},
		{name: "blank token", opts: TokenOptions{Token: " \n"}},
		{name: "two words", opts: TokenOptions{Token: "token abc"}},
		{name: "header injection", opts: TokenOptions{Token: "abc\r\nX-Evil: 1"}},
		{name: "bad base URL", opts: TokenOptions{Token: "t", BaseURL: "ghe.example.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewTokenClient(tt.opts)
			if (err == nil) != tt.ok {
				t.Fatalf("NewTokenClient = %v", err)
			}
			if err == nil && c.gh.BaseURL.String() != tt.wantBase {
				t.Errorf("base %s, want %s", c.gh.BaseURL, tt.wantBase)
			}
		})
	}
}

// A token client cannot ask GitHub who "its" App is: ByApp is about the
// bot of TokenOptions.AppSlug, by login only.
func TestTokenClientByApp(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/issues/12/comments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []map[string]any{
			{"id": 1, "body": "a", "user": map[string]any{"login": "mountguard[bot]"}},
			{"id": 2, "body": "b", "user": map[string]any{"login": "mountguard-dev[bot]"}},
			{"id": 3, "body": "c", "user": map[string]any{"login": "alice"}},
			// An App's id means nothing to a token client.
			{"id": 4, "body": "d", "user": map[string]any{"login": "other[bot]"},
				"performed_via_github_app": map[string]any{"id": testAppID, "slug": "other"}},
		})
	})
	f.handle("GET /repos/octo/cat/pulls/12/comments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []map[string]any{
			{"id": 7, "path": "compose.yml", "line": 1, "body": "r", "user": map[string]any{"login": "Mountguard[bot]"}},
		})
	})
	for _, tt := range []struct {
		slug string
		want []bool
	}{
		{slug: "", want: []bool{true, false, false, false}},
		{slug: "mountguard-dev", want: []bool{false, true, false, false}},
		{slug: "mountguard-dev[bot]", want: []bool{false, true, false, false}},
	} {
		t.Run(tt.slug, func(t *testing.T) {
			c, _ := f.tokenClient(func(o *TokenOptions) { o.AppSlug = tt.slug })
			got, err := c.IssueComments(context.Background(), testRepo, 12)
			if err != nil {
				t.Fatal(err)
			}
			var byApp []bool
			for _, ic := range got {
				byApp = append(byApp, ic.ByApp)
			}
			if !reflect.DeepEqual(byApp, tt.want) {
				t.Errorf("ByApp %v, want %v", byApp, tt.want)
			}
			rc, err := c.ReviewComments(context.Background(), testPR)
			if err != nil || len(rc) != 1 || rc[0].ByApp != tt.want[0] {
				t.Errorf("ReviewComments = %+v, %v", rc, err)
			}
		})
	}
	if f.appCalls.Load() != 0 || f.tokenCalls.Load() != 0 {
		t.Errorf("a token client called GET /app %d times, the token endpoint %d times", f.appCalls.Load(), f.tokenCalls.Load())
	}
}

// The token client has the whole stack: retries with the injected sleep,
// metrics per attempt, serial mutations.
func TestTokenClientRetriesAndMeasures(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	var n atomic.Int32
	f.handle("POST /repos/octo/cat/issues/12/labels", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, 502, map[string]string{"message": "Server Error"})
			return
		}
		if got := readJSON(t, r); !reflect.DeepEqual(got, map[string]any{"labels": []any{"a"}}) {
			t.Errorf("attempt %d sent %v", n.Load(), got)
		}
		writeJSON(w, 200, []map[string]any{{"name": "a"}})
	})
	reg := prometheus.NewRegistry()
	c, s := f.tokenClient(func(o *TokenOptions) { o.Metrics = reg })
	if err := c.AddLabels(context.Background(), testRepo, 12, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if got := s.all(); len(got) != 1 || got[0] > DefaultBaseDelay {
		t.Errorf("sleeps %v, want one backoff", got)
	}
	for _, status := range []string{"502", "200"} {
		labels := map[string]string{"route": "/repos/{owner}/{repo}/issues/{number}/labels", "method": "POST", "status": status}
		if v := metricValue(t, reg, "github_requests_total", labels); v != 1 {
			t.Errorf("github_requests_total%v = %v, want 1", labels, v)
		}
	}
	if _, ok := c.rt.(*SerialTransport); !ok {
		t.Errorf("the stack's top is a %T", c.rt)
	}
}

// The token goes to the API's host only, not to a host a redirect leads
// to; the caller's request is left as it was.
func TestTokenTransportOnlyToTheAPIHost(t *testing.T) {
	var got []string
	tt := &tokenTransport{
		next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = append(got, r.URL.Host+" "+r.Header.Get("Authorization"))
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		}),
		authorization: "token X", scheme: "https", host: "api.github.com",
	}
	var reqs []*http.Request
	for _, u := range []string{"https://api.github.com/repos/o/r", "https://API.github.com/x", "https://objects.githubusercontent.com/x", "http://api.github.com/x"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		reqs = append(reqs, req)
		if _, err := tt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"api.github.com token X", "API.github.com token X", "objects.githubusercontent.com ", "api.github.com "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "" {
			t.Error("the caller's request was changed")
		}
	}
}

// The compile-time assertion, spelled out for the reader of the tests.
var _ exception.GitHub = (*Client)(nil)
