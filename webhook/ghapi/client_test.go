package ghapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mountguard/mountguard/review/pullreq"
)

var (
	testRepo = pullreq.Repo{Owner: "octo", Name: "cat"}
	testPR   = pullreq.PullRequest{Repo: testRepo, Number: 12, HeadSHA: "0123456789abcdef0123456789abcdef01234567"}
)

func TestPullRequestFilesPaginates(t *testing.T) {
	f := newFakeGitHub(t, "")
	var pages []string
	f.handle("GET /repos/octo/cat/pulls/12/files", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		pages = append(pages, q.Get("page"))
		if q.Get("per_page") != "100" {
			t.Errorf("per_page = %q, want 100", q.Get("per_page"))
		}
		switch q.Get("page") {
		case "", "1":
			nextLink(w, f, r.URL.Path, 2, 3)
			writeJSON(w, 200, []map[string]any{
				{"filename": "compose.yml", "status": "modified", "patch": "@@ -1 +1 @@\n-a\n+b"},
				{"filename": "new/compose.yaml", "previous_filename": "old/compose.yaml", "status": "renamed"},
			})
		case "2":
			nextLink(w, f, r.URL.Path, 3, 3)
			writeJSON(w, 200, []map[string]any{{"filename": "big.bin", "status": "added"}})
		case "3":
			writeJSON(w, 200, []map[string]any{{"filename": "gone.yml", "status": "removed"}})
		}
	})
	c, _ := f.client()
	files, err := c.PullRequestFiles(context.Background(), testPR)
	if err != nil {
		t.Fatal(err)
	}
	want := []pullreq.File{
		{Path: "compose.yml", Status: "modified", Patch: "@@ -1 +1 @@\n-a\n+b"},
		{Path: "new/compose.yaml", PreviousPath: "old/compose.yaml", Status: "renamed"},
		{Path: "big.bin", Status: "added"},
		{Path: "gone.yml", Status: "removed"},
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files = %+v\nwant %+v", files, want)
	}
	if !reflect.DeepEqual(pages, []string{"", "2", "3"}) && !reflect.DeepEqual(pages, []string{"1", "2", "3"}) {
		t.Errorf("pages requested %q", pages)
	}
}

func TestPullRequestFilesStopsAtGitHubsLimit(t *testing.T) {
	f := newFakeGitHub(t, "")
	var requests atomic.Int32
	f.handle("GET /repos/octo/cat/pulls/12/files", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		nextLink(w, f, r.URL.Path, page+1, 99) // a server that never stops
		files := make([]map[string]any, 100)
		for i := range files {
			files[i] = map[string]any{"filename": fmt.Sprintf("f%d-%d", page, i), "status": "added"}
		}
		writeJSON(w, 200, files)
	})
	c, _ := f.client()
	files, err := c.PullRequestFiles(context.Background(), testPR)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != MaxPullRequestFiles || requests.Load() != MaxPullRequestFiles/perPage {
		t.Errorf("%d files in %d requests, want %d in %d", len(files), requests.Load(), MaxPullRequestFiles, MaxPullRequestFiles/perPage)
	}
}

func TestContents(t *testing.T) {
	small := []byte("services:\n  web:\n    image: nginx\n")
	large := bytes.Repeat([]byte("x"), 1<<20+10) // over 1 MB: raw media type
	b64 := func(b []byte) string {
		// GitHub breaks its base64 into lines.
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 60 {
			out.WriteString(s[:60] + "\n")
			s = s[60:]
		}
		out.WriteString(s + "\n")
		return out.String()
	}
	f := newFakeGitHub(t, "")
	var mu sync.Mutex
	var seen []string // "path ref accept"
	f.handle("GET /repos/octo/cat/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.PathValue("path")+" "+r.URL.Query().Get("ref")+" "+r.Header.Get("Accept"))
		mu.Unlock()
		raw := r.Header.Get("Accept") == rawMediaType
		switch r.PathValue("path") {
		case "compose.yml", "dir with space/compose.yml", "a..yml":
			writeJSON(w, 200, map[string]any{"type": "file", "encoding": "base64", "size": len(small), "content": b64(small)})
		case "big.yml":
			if raw {
				w.Write(large)
				return
			}
			writeJSON(w, 200, map[string]any{"type": "file", "encoding": "none", "size": len(large), "content": ""})
		case "huge.yml":
			if raw {
				t.Error("a file over maxSize was downloaded")
			}
			writeJSON(w, 200, map[string]any{"type": "file", "encoding": "none", "size": 50 << 20, "content": ""})
		case "empty.yml":
			writeJSON(w, 200, map[string]any{"type": "file", "encoding": "base64", "size": 0, "content": ""})
		case "deploy":
			writeJSON(w, 200, []map[string]any{{"type": "file", "name": "compose.yml", "path": "deploy/compose.yml"}})
		case "vendor/lib":
			writeJSON(w, 200, map[string]any{"type": "submodule", "size": 0})
		default:
			writeJSON(w, 404, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content"})
		}
	})
	c, _ := f.client()
	for _, tt := range []struct {
		name, path, ref string
		maxSize         int64
		want            []byte
		wantSize        int64
		wantErr         error
		wantSeen        []string
	}{
		{name: "small file at a commit", path: "compose.yml", ref: "abc123", maxSize: 1 << 20, want: small, wantSize: int64(len(small)),
			wantSeen: []string{"compose.yml abc123 application/vnd.github.v3+json"}},
		{name: "default branch sends no ref", path: "compose.yml", maxSize: 1 << 20, want: small, wantSize: int64(len(small)),
			wantSeen: []string{"compose.yml  application/vnd.github.v3+json"}},
		{name: "path segments are escaped", path: "dir with space/compose.yml", ref: "feature/x", want: small, wantSize: int64(len(small)),
			wantSeen: []string{"dir with space/compose.yml feature/x application/vnd.github.v3+json"}},
		{name: "a name with two dots is a file like any other", path: "a..yml", want: small, wantSize: int64(len(small)),
			wantSeen: []string{"a..yml  application/vnd.github.v3+json"}},
		{name: "over 1 MB comes raw", path: "big.yml", ref: "main", maxSize: 2 << 20, want: large, wantSize: int64(len(large)),
			wantSeen: []string{"big.yml main application/vnd.github.v3+json", "big.yml main " + rawMediaType}},
		{name: "over maxSize gives the size only", path: "huge.yml", maxSize: 2 << 20, wantSize: 50 << 20,
			wantSeen: []string{"huge.yml  application/vnd.github.v3+json"}},
		{name: "a small file over a small maxSize", path: "compose.yml", maxSize: 10, wantSize: int64(len(small)),
			wantSeen: []string{"compose.yml  application/vnd.github.v3+json"}},
		{name: "empty file", path: "empty.yml", want: []byte{}, wantSize: 0,
			wantSeen: []string{"empty.yml  application/vnd.github.v3+json"}},
		{name: "missing", path: "nope.yml", wantErr: fs.ErrNotExist,
			wantSeen: []string{"nope.yml  application/vnd.github.v3+json"}},
		{name: "dot segments are refused unsent", path: "deploy/../../../orgs/octo", wantErr: fs.ErrNotExist},
		{name: "directory", path: "deploy", wantErr: pullreq.ErrIsDir,
			wantSeen: []string{"deploy  application/vnd.github.v3+json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			data, size, err := c.Contents(context.Background(), testRepo, tt.path, tt.ref, tt.maxSize)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "octo/cat") || !strings.Contains(err.Error(), tt.path) {
					t.Errorf("error %q should name the repository and the path", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, tt.want) || (tt.want != nil && data == nil) || (tt.want == nil && data != nil) {
				t.Errorf("data = %.40q (%d bytes), want %.40q (%d bytes)", data, len(data), tt.want, len(tt.want))
			}
			if size != tt.wantSize {
				t.Errorf("size = %d, want %d", size, tt.wantSize)
			}
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(seen, tt.wantSeen) {
				t.Errorf("requests %q, want %q", seen, tt.wantSeen)
			}
		})
	}
	if _, _, err := c.Contents(context.Background(), testRepo, "vendor/lib", "", 0); err == nil ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, pullreq.ErrIsDir) {
		t.Errorf("submodule: err = %v, want a plain error", err)
	}
}

func TestReviewCommentsPaginatesAndKnowsTheApp(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/pulls/12/comments", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("per_page") != "100" {
			t.Errorf("per_page = %q", r.URL.Query().Get("per_page"))
		}
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []map[string]any{
				{"id": 1, "path": "compose.yml", "line": 7, "body": "mine", "user": map[string]any{"login": "mountguard-test[bot]", "type": "Bot"}},
				{"id": 2, "path": "compose.yml", "line": 8, "body": "a person", "user": map[string]any{"login": "alice", "type": "User"}},
			})
		case "2":
			writeJSON(w, 200, []map[string]any{
				{"id": 3, "path": "compose.yml", "line": nil, "body": "outdated, mine", "user": map[string]any{"login": "Mountguard-Test[bot]"}},
				{"id": 4, "path": "x.yml", "line": 2, "body": "another app", "user": map[string]any{"login": "other[bot]"},
					"performed_via_github_app": map[string]any{"id": 99, "slug": "other"}},
				{"id": 5, "path": "x.yml", "line": 3, "body": "ours, by id", "user": map[string]any{"login": "renamed[bot]"},
					"performed_via_github_app": map[string]any{"id": testAppID}},
			})
		default:
			t.Errorf("page %q", r.URL.Query().Get("page"))
		}
	})
	c, a := f.client()
	for range 2 {
		got, err := c.ReviewComments(context.Background(), testPR)
		if err != nil {
			t.Fatal(err)
		}
		want := []pullreq.Comment{
			{ID: 1, Path: "compose.yml", Line: 7, Body: "mine", ByApp: true},
			{ID: 2, Path: "compose.yml", Line: 8, Body: "a person"},
			{ID: 3, Path: "compose.yml", Line: 0, Body: "outdated, mine", ByApp: true},
			{ID: 4, Path: "x.yml", Line: 2, Body: "another app"},
			{ID: 5, Path: "x.yml", Line: 3, Body: "ours, by id", ByApp: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("comments = %+v\nwant %+v", got, want)
		}
	}
	if n := f.appCalls.Load(); n != 1 {
		t.Errorf("GET /app sent %d times, want once", n)
	}
	if slug, _ := a.AppSlug(context.Background()); slug != testAppSlug {
		t.Errorf("slug %q", slug)
	}
}

func TestCreateReviewPayload(t *testing.T) {
	for _, tt := range []struct {
		name   string
		review pullreq.Review
		want   map[string]any
	}{
		{
			name: "one-line, range and equal-start comments",
			review: pullreq.Review{CommitID: "abc", Event: "REQUEST_CHANGES", Body: "2 findings", Comments: []pullreq.ReviewComment{
				{Path: "compose.yml", Line: 7, Body: "one line"},
				{Path: "compose.yml", Line: 12, StartLine: 9, Body: "a range"},
				{Path: "other.yml", Line: 3, StartLine: 3, Body: "start equals line"},
			}},
			want: map[string]any{
				"commit_id": "abc", "event": "REQUEST_CHANGES", "body": "2 findings",
				"comments": []any{
					map[string]any{"path": "compose.yml", "line": 7.0, "side": "RIGHT", "body": "one line"},
					map[string]any{"path": "compose.yml", "line": 12.0, "side": "RIGHT", "start_line": 9.0, "start_side": "RIGHT", "body": "a range"},
					map[string]any{"path": "other.yml", "line": 3.0, "side": "RIGHT", "body": "start equals line"},
				},
			},
		},
		{
			name:   "no event is a COMMENT, not a pending review",
			review: pullreq.Review{CommitID: "abc", Body: "summary"},
			want:   map[string]any{"commit_id": "abc", "event": "COMMENT", "body": "summary"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			var got map[string]any
			f.handle("POST /repos/octo/cat/pulls/12/reviews", func(w http.ResponseWriter, r *http.Request) {
				got = readJSON(t, r)
				writeJSON(w, 200, map[string]any{"id": 80})
			})
			c, _ := f.client()
			if err := c.CreateReview(context.Background(), testPR, tt.review); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestCreateReviewRejected(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("POST /repos/octo/cat/pulls/12/reviews", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 422, map[string]any{"message": "Unprocessable Entity", "errors": []string{"Pull request review thread line must be part of the diff"}})
	})
	c, _ := f.client()
	err := c.CreateReview(context.Background(), testPR, pullreq.Review{CommitID: "abc", Comments: []pullreq.ReviewComment{{Path: "a", Line: 1, Body: "x"}}})
	var te *pullreq.TransientError
	if !errors.Is(err, pullreq.ErrUnprocessable) || errors.As(err, &te) || !strings.Contains(err.Error(), "octo/cat#12") ||
		!strings.Contains(err.Error(), "must be part of the diff") {
		t.Errorf("err = %v, want ErrUnprocessable naming the pull request and GitHub's reason", err)
	}
}

func TestPullRequest(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("n") != "12" {
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		writeJSON(w, 200, map[string]any{"number": 12,
			"head": map[string]any{"sha": "headsha", "ref": "feature"},
			"base": map[string]any{"sha": "basesha", "ref": "main"}})
	})
	c, _ := f.client()
	got, err := c.PullRequest(context.Background(), testRepo, 12)
	want := pullreq.PullRequest{Repo: testRepo, Number: 12, HeadSHA: "headsha", BaseSHA: "basesha", BaseRef: "main"}
	if err != nil || got != want {
		t.Errorf("PullRequest = %+v, %v; want %+v", got, err, want)
	}
	if _, err := c.PullRequest(context.Background(), testRepo, 13); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "octo/cat#13") {
		t.Errorf("missing pull request: %v", err)
	}
}

func TestPullRequestsForCommit(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	f := newFakeGitHub(t, "")
	var pages atomic.Int32
	f.handle("GET /repos/octo/cat/pulls", func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		q := r.URL.Query()
		if q.Get("state") != "open" || q.Get("sort") != "updated" || q.Get("direction") != "desc" || q.Get("per_page") != "100" {
			t.Errorf("query %v", q)
		}
		pr := func(n int, head string) map[string]any {
			return map[string]any{"number": n, "head": map[string]any{"sha": head}, "base": map[string]any{"sha": "base", "ref": "main"}}
		}
		switch q.Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []any{pr(1, "other"), pr(2, sha)})
		case "2":
			// A fork's pull request: found by its head like any other.
			writeJSON(w, 200, []any{pr(3, strings.ToUpper(sha)), pr(4, "else")})
		}
	})
	c, _ := f.client()
	got, err := c.PullRequestsForCommit(context.Background(), testRepo, sha)
	if err != nil {
		t.Fatal(err)
	}
	want := []pullreq.PullRequest{
		{Repo: testRepo, Number: 2, HeadSHA: sha, BaseSHA: "base", BaseRef: "main"},
		{Repo: testRepo, Number: 3, HeadSHA: strings.ToUpper(sha), BaseSHA: "base", BaseRef: "main"},
	}
	if !reflect.DeepEqual(got, want) || pages.Load() != 2 {
		t.Errorf("got %+v in %d pages\nwant %+v in 2", got, pages.Load(), want)
	}
}

func TestEditComment(t *testing.T) {
	f := newFakeGitHub(t, "")
	var got map[string]any
	f.handle("PATCH /repos/octo/cat/pulls/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "77" {
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		got = readJSON(t, r)
		writeJSON(w, 200, map[string]any{"id": 77})
	})
	c, _ := f.client()
	if err := c.EditComment(context.Background(), testRepo, 77, "fixed"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]any{"body": "fixed"}) {
		t.Errorf("sent %v", got)
	}
	if err := c.EditComment(context.Background(), testRepo, 78, "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deleted comment: %v", err)
	}
}

func TestTree(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/git/trees/{sha}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("recursive") != "1" || r.PathValue("sha") != "abc" {
			t.Errorf("request %s", r.URL)
		}
		writeJSON(w, 200, map[string]any{"sha": "abc", "truncated": true, "tree": []map[string]any{
			{"path": "deploy", "type": "tree"},
			{"path": "deploy/compose.yml", "type": "blob"},
			{"path": "vendor/lib", "type": "commit"},
			{"path": "compose.yml", "type": "blob"},
		}})
	})
	c, _ := f.client()
	paths, truncated, err := c.Tree(context.Background(), testRepo, "abc")
	if err != nil || !truncated || !reflect.DeepEqual(paths, []string{"deploy/compose.yml", "compose.yml"}) {
		t.Errorf("Tree = %q, %v, %v", paths, truncated, err)
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tt := range []struct {
		name          string
		handler       http.HandlerFunc
		timeout       time.Duration
		wantTransient bool
		wantNotExist  bool
		wantRequests  int32
	}{
		{
			name: "a 5xx that outlasts the retries",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 503, map[string]string{"message": "Service Unavailable"})
			},
			wantTransient: true, wantRequests: DefaultMaxAttempts,
		},
		{
			name: "502, 502, 200 succeeds",
			handler: func() http.HandlerFunc {
				var n atomic.Int32
				return func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) < 3 {
						writeJSON(w, 502, map[string]string{"message": "Server Error"})
						return
					}
					writeJSON(w, 200, []any{})
				}
			}(),
			wantRequests: 3,
		},
		{
			name: "a permission 403 is final and sent once",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 403, map[string]string{"message": "Resource not accessible by integration"})
			},
			wantRequests: 1,
		},
		{
			name: "a rate limit past the deadline is transient, not waited for",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "60")
				writeJSON(w, 403, map[string]string{"message": "You have exceeded a secondary rate limit."})
			},
			timeout: 5 * time.Second, wantTransient: true, wantRequests: 1,
		},
		{
			name: "404",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 404, map[string]string{"message": "Not Found"})
			},
			wantNotExist: true, wantRequests: 1,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			var requests atomic.Int32
			f.handle("GET /repos/octo/cat/pulls/12/files", func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				tt.handler(w, r)
			})
			c, a := f.client()
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err := c.PullRequestFiles(ctx, testPR)
			var te *pullreq.TransientError
			if got := errors.As(err, &te); got != tt.wantTransient {
				t.Errorf("err = %v: transient %v, want %v", err, got, tt.wantTransient)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.wantNotExist {
				t.Errorf("err = %v: not-exist %v, want %v", err, got, tt.wantNotExist)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "listing files of octo/cat#12: ") && !strings.Contains(err.Error(), ": listing files of octo/cat#12: ") {
				t.Errorf("err = %q, want it to say what was done", err)
			}
			if requests.Load() != tt.wantRequests {
				t.Errorf("%d requests, want %d (sleeps %v)", requests.Load(), tt.wantRequests, a.sleeps.all())
			}
		})
	}
}

// go-github v60 remembers a 2xx that said no requests remain and refuses
// the next requests until the reset without sending them (it reads the
// real clock): the Client reports that as transient too.
func TestExhaustedQuotaIsTransient(t *testing.T) {
	f := newFakeGitHub(t, "")
	var requests atomic.Int32
	f.handle("GET /repos/octo/cat/pulls/{n}", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		writeJSON(w, 200, map[string]any{"number": 12})
	})
	c, _ := f.client()
	if _, err := c.PullRequest(context.Background(), testRepo, 12); err != nil {
		t.Fatal(err)
	}
	_, err := c.PullRequest(context.Background(), testRepo, 12)
	var te *pullreq.TransientError
	if !errors.As(err, &te) || requests.Load() != 1 {
		t.Errorf("err = %v after %d requests, want a transient error and no second request", err, requests.Load())
	}
}
