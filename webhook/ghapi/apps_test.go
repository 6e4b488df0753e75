package ghapi

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mountguard/mountguard/review/pullreq"
)

func TestInstallationTokenIsFetchedOnceAndCached(t *testing.T) {
	f := newFakeGitHub(t, "")
	// f.handle answers only requests bearing installation 1's token.
	f.handle("GET /repos/octo/cat/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"number": 12, "head": map[string]any{"sha": "h"}, "base": map[string]any{"sha": "b", "ref": "main"}})
	})
	f.handle("PATCH /repos/octo/cat/pulls/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 1})
	})
	a := f.apps(nil)
	c := a.Installation(1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.PullRequest(context.Background(), testRepo, 12); err != nil {
				t.Error(err)
			}
			if err := c.EditComment(context.Background(), testRepo, 1, "x"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("the token endpoint was called %d times for 16 requests, want once", n)
	}
	if a.Installation(1) != c {
		t.Error("Installation(1) should return the cached client")
	}
	if a.Installation(2) == c || a.Installation(2).InstallationID() != 2 {
		t.Error("installation 2 needs its own client")
	}
}

// ghinstallation writes to its AppsTransport on each token refresh: run
// with -race, this shows installations do not share one.
func TestInstallationsFetchTokensConcurrently(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.mux.HandleFunc("GET /repos/octo/cat/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "token tok-") {
			writeJSON(w, 401, map[string]string{"message": "Bad credentials"})
			return
		}
		writeJSON(w, 200, map[string]any{"number": 12})
	})
	a := f.apps(nil)
	var wg sync.WaitGroup
	for id := int64(1); id <= 6; id++ {
		wg.Go(func() {
			if _, err := a.Installation(id).PullRequest(context.Background(), testRepo, 12); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.tokenCalls.Load(); n != 6 {
		t.Errorf("%d token requests, want one per installation", n)
	}
}

func TestTokenRefusals(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		t.Error("no API request without a token")
	})
	for _, tt := range []struct {
		name         string
		installation int64
		appID        int64
	}{
		{"installation removed (404)", 404, testAppID},
		{"wrong App id (401)", 1, testAppID + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := f.apps(func(o *AppsOptions) { o.AppID = tt.appID })
			_, _, err := a.Installation(tt.installation).Contents(context.Background(), testRepo, ".github/mountguard.yml", "", 1<<10)
			var te *pullreq.TransientError
			// A missing installation must not read as a missing file: the
			// review would go on with the default configuration.
			if err == nil || errors.Is(err, fs.ErrNotExist) || errors.As(err, &te) || !strings.Contains(err.Error(), "authenticating") {
				t.Errorf("err = %v, want a final authentication error", err)
			}
			if len(a.sleeps.all()) != 0 {
				t.Errorf("retried: %v", a.sleeps.all())
			}
		})
	}
}

func TestAppSlugIsFetchedOnce(t *testing.T) {
	f := newFakeGitHub(t, "")
	a := f.apps(nil)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			login, err := a.BotLogin(context.Background())
			if err != nil || login != testAppSlug+"[bot]" {
				t.Errorf("BotLogin = %q, %v", login, err)
			}
		})
	}
	wg.Wait()
	if n := f.appCalls.Load(); n != 1 {
		t.Errorf("GET /app sent %d times, want once", n)
	}

	given := f.apps(func(o *AppsOptions) { o.AppSlug = "configured" })
	if slug, err := given.AppSlug(context.Background()); slug != "configured" || err != nil || f.appCalls.Load() != 1 {
		t.Errorf("AppSlug = %q, %v after %d calls; want the configured slug, no request", slug, err, f.appCalls.Load())
	}
}

func TestEnterpriseBaseURL(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	f.handle("GET /repos/octo/cat/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"number": 12})
	})
	for _, base := range []string{f.srv.URL + "/api/v3", f.srv.URL + "/api/v3/"} {
		a := f.apps(func(o *AppsOptions) { o.BaseURL = base })
		if _, err := a.Installation(1).PullRequest(context.Background(), testRepo, 12); err != nil {
			t.Errorf("base %s: %v", base, err)
		}
		if _, err := a.AppSlug(context.Background()); err != nil {
			t.Errorf("base %s: %v", base, err)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://api.github.com/", "https://api.github.com/"},
		{"https://api.github.com", "https://api.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/"},
		// Nothing is appended, unlike go-github's WithEnterpriseURLs.
		{"https://ghe.example.com/", "https://ghe.example.com/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/"},
	} {
		u, err := parseBaseURL(tt.in)
		if err != nil || u.String() != tt.want {
			t.Errorf("parseBaseURL(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	for _, bad := range []string{"api.github.com", "ftp://x/", "https://x/?a=1", "://"} {
		if _, err := parseBaseURL(bad); err == nil {
			t.Errorf("parseBaseURL(%q) accepted", bad)
		}
	}
}

func TestNewAppsChecksItsOptions(t *testing.T) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(testKey())
	if err != nil {
		t.Fatal(err)
	}
	pkcs8PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	for _, tt := range []struct {
		name string
		opts AppsOptions
		ok   bool
	}{
		{"PKCS#1 key", AppsOptions{AppID: 1, PrivateKey: testKeyPEM()}, true},
		{"PKCS#8 key", AppsOptions{AppID: 1, PrivateKey: pkcs8PEM}, true},
		{"no App id", AppsOptions{PrivateKey: testKeyPEM()}, false},
		{"no key", AppsOptions{AppID: 1}, false},
		{"not a key", AppsOptions{AppID: 1, PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})}, false},
		{"bad base URL", AppsOptions{AppID: 1, PrivateKey: testKeyPEM(), BaseURL: "not a url"}, false},
	} {
		a, err := NewApps(tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("%s: NewApps = %v, %v", tt.name, a, err)
		}
		if err == nil && a.AppID() != tt.opts.AppID {
			t.Errorf("%s: AppID %d", tt.name, a.AppID())
		}
	}
}
