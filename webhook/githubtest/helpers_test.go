package githubtest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
)

// The tests drive the fake through go-github v60 itself, as the App does.

const (
	owner    = "octo"
	repoName = "shop"
	appID    = 42
	appSlug  = "mountguard"
	instID   = 9
)

var (
	keyOnce sync.Once
	keyPEM  []byte
)

// testKey is one App key for the whole test binary: generating RSA keys
// is slow.
func testKey(t *testing.T) []byte {
	keyOnce.Do(func() {
		var err error
		if keyPEM, err = NewPrivateKey(); err != nil {
			panic(err)
		}
	})
	return keyPEM
}

// fixture is a fake with octo/shop, the App installed on octo, and a
// go-github client with an installation token.
type fixture struct {
	t      *testing.T
	gh     *Server
	client *github.Client
	token  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	gh := NewServer()
	t.Cleanup(gh.Close)
	f := &fixture{t: t, gh: gh}
	f.must(gh.AddRepo(Repo{Owner: owner, Name: repoName}))
	f.must(gh.SetApp(appID, appSlug, testKey(t)))
	f.must(gh.AddInstallation(Installation{ID: instID, Account: owner}))
	tok, err := gh.InstallationToken(instID)
	f.must(err)
	f.token = tok
	f.client = newClient(gh, tok)
	return f
}

// newClient is how the App builds its client: go-github with the fake's
// URL and a trailing slash as BaseURL.
func newClient(gh *Server, token string) *github.Client {
	c := github.NewClient(nil)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	u, err := url.Parse(gh.URL + "/")
	if err != nil {
		panic(err)
	}
	c.BaseURL = u
	return c
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// commit stores a tree and returns its SHA.
func (f *fixture) commit(files map[string]string, parents ...string) string {
	f.t.Helper()
	sha, err := f.gh.AddCommit(owner, repoName, Commit{Files: files, Parents: parents, Message: "test"})
	f.must(err)
	return sha
}

// pr opens pull request number from a base tree to a head tree.
func (f *fixture) pr(number int, base, head map[string]string, opts ...func(*PullRequest)) (baseSHA, headSHA string) {
	f.t.Helper()
	baseSHA = f.commit(base)
	headSHA = f.commit(head, baseSHA)
	f.must(f.gh.SetBranch(owner, repoName, "main", baseSHA))
	pr := PullRequest{Number: number, HeadSHA: headSHA}
	for _, o := range opts {
		o(&pr)
	}
	f.must(f.gh.AddPullRequest(owner, repoName, pr))
	return baseSHA, headSHA
}

var ctx = context.Background()

// wantAPIError asserts err is go-github's *ErrorResponse with this status and
// returns it.
func wantAPIError(t *testing.T, err error, status int) *github.ErrorResponse {
	t.Helper()
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error %v (%T) is not a *github.ErrorResponse", err, err)
	}
	if er.Response.StatusCode != status {
		t.Fatalf("status %d, want %d: %v", er.Response.StatusCode, status, err)
	}
	return er
}

// errorStrings returns the messages of an error's "errors" list.
func errorStrings(er *github.ErrorResponse) []string {
	var out []string
	for _, e := range er.Errors {
		out = append(out, e.Message)
	}
	return out
}

// rawGet does a GET with extra headers and returns the response.
func rawGet(t *testing.T, c *github.Client, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := c.NewRequest("GET", strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	var buf strings.Builder
	resp, err := c.Do(ctx, req, &buf)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.Response, []byte(buf.String())
}
