package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/review/pullreq"
)

// searchItem is an item of GET /search/issues; merged is zero for a pull
// request that is not; pr false makes it an issue.
func searchItem(f *fakeGitHub, owner, repo string, number int, state string, pr bool, merged time.Time) map[string]any {
	it := map[string]any{
		"number":         number,
		"title":          fmt.Sprintf("change %d", number),
		"state":          state,
		"created_at":     testNow.Add(-time.Hour).Format(time.RFC3339),
		"updated_at":     testNow.Add(-time.Minute).Format(time.RFC3339),
		"repository_url": f.url("/repos/" + owner + "/" + repo),
		"html_url":       fmt.Sprintf("https://github.example/%s/%s/pull/%d", owner, repo, number),
	}
	if pr {
		links := map[string]any{"url": f.url(fmt.Sprintf("/repos/%s/%s/pulls/%d", owner, repo, number)), "merged_at": nil}
		if !merged.IsZero() {
			links["merged_at"] = merged.Format(time.RFC3339)
		}
		it["pull_request"] = links
	}
	return it
}

func TestSearchPullRequests(t *testing.T) {
	mergedAt := testNow.Add(-5 * time.Minute)
	f := newFakeGitHub(t, "/api/v3")
	var mu sync.Mutex
	var seen []string // "page status"
	var page2 atomic.Int32
	f.handle("GET /search/issues", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if want := `org:octo label:"mountguard: allow docker-socket" is:pr`; q.Get("q") != want {
			t.Errorf("q = %q, want %q", q.Get("q"), want)
		}
		if q.Get("sort") != "created" || q.Get("order") != "desc" || q.Get("per_page") != "100" {
			t.Errorf("query %v", q)
		}
		w.Header().Set("X-RateLimit-Resource", "search")
		w.Header().Set("X-RateLimit-Limit", "30")
		status := 200
		defer func() {
			mu.Lock()
			seen = append(seen, q.Get("page")+" "+strconv.Itoa(status))
			mu.Unlock()
		}()
		switch q.Get("page") {
		case "1":
			// The last request of the minute: go-github would remember
			// it and refuse page 2 itself, without the transport's wait.
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
			nextLink(w, f, r.URL.Path, 2, 3)
			writeJSON(w, 200, map[string]any{"total_count": 5, "incomplete_results": false, "items": []any{
				searchItem(f, "octo", "cat", 12, "open", true, time.Time{}),
				searchItem(f, "octo", "cat", 7, "open", false, time.Time{}), // an issue
			}})
		case "2":
			if page2.Add(1) == 1 {
				status = 403
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(testNow.Add(40*time.Second).Unix(), 10))
				writeJSON(w, 403, map[string]any{"message": "API rate limit exceeded for user ID 1."})
				return
			}
			w.Header().Set("X-RateLimit-Remaining", "29")
			nextLink(w, f, r.URL.Path, 3, 3)
			writeJSON(w, 200, map[string]any{"total_count": 5, "items": []any{
				searchItem(f, "octo", "dog", 3, "closed", true, mergedAt),
				searchItem(f, "octo", "dog", 4, "closed", true, time.Time{}), // closed unmerged
			}})
		case "3":
			w.Header().Set("X-RateLimit-Remaining", "28")
			writeJSON(w, 200, map[string]any{"total_count": 5, "items": []any{
				searchItem(f, "octo", "cat", 12, "open", true, time.Time{}), // shifted: seen on page 1
				searchItem(f, "octo", "my repo", 1, "open", true, time.Time{}),
			}})
		default:
			status = 404
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
		}
	})
	c, s := f.tokenClient(nil)
	got, err := c.SearchPullRequests(context.Background(), `  org:octo label:"mountguard: allow docker-socket"  `)
	if err != nil {
		t.Fatal(err)
	}
	created, updated := testNow.Add(-time.Hour), testNow.Add(-time.Minute)
	ref := func(repo string, n int, state string, merged time.Time) PullRequestRef {
		r := PullRequestRef{Repo: pullreq.Repo{Owner: "octo", Name: repo}, Number: n, Title: fmt.Sprintf("change %d", n), State: state,
			CreatedAt: created, UpdatedAt: updated, URL: fmt.Sprintf("https://github.example/octo/%s/pull/%d", repo, n)}
		if !merged.IsZero() {
			r.Merged, r.MergedAt = true, merged
		}
		return r
	}
	want := []PullRequestRef{
		ref("cat", 12, "open", time.Time{}),
		ref("dog", 3, "closed", mergedAt),
		ref("dog", 4, "closed", time.Time{}),
		ref("my repo", 1, "open", time.Time{}),
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Repo != w.Repo || g.Number != w.Number || g.Title != w.Title || g.State != w.State || g.Merged != w.Merged ||
			!g.MergedAt.Equal(w.MergedAt) || !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) || g.URL != w.URL {
			t.Errorf("ref %d = %+v\nwant %+v", i, g, w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if wantSeen := []string{"1 200", "2 403", "2 200", "3 200"}; !reflect.DeepEqual(seen, wantSeen) {
		t.Errorf("requests %q, want %q", seen, wantSeen)
	}
	if wantSleeps := []time.Duration{40*time.Second + resetMargin}; !reflect.DeepEqual(s.all(), wantSleeps) {
		t.Errorf("sleeps %v, want %v: the wait until the search limit resets", s.all(), wantSleeps)
	}
}

func TestSearchPullRequestsQueriesAndErrors(t *testing.T) {
	for _, tt := range []struct {
		name, query, wantQ string
		handler            func(w http.ResponseWriter, r *http.Request)
		timeout            time.Duration
		wantErr            error
		wantTransient      bool
		wantN              int
	}{
		{name: "is:pr is kept", query: "repo:octo/cat IS:PR is:open", wantQ: "repo:octo/cat IS:PR is:open", wantN: 1},
		{name: "type:pr is kept", query: "type:pr label:x", wantQ: "type:pr label:x", wantN: 1},
		{name: "is:pr is added", query: "label:x", wantQ: "label:x is:pr", wantN: 1},
		{
			name: "an invalid query is unprocessable", query: "repo:", wantQ: "repo: is:pr",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 422, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "Search", "field": "q", "code": "invalid"}}})
			},
			wantErr: pullreq.ErrUnprocessable,
		},
		{
			name: "a rate limit past the deadline is transient", query: "label:x", wantQ: "label:x is:pr",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Resource", "search")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(testNow.Add(50*time.Second).Unix(), 10))
				writeJSON(w, 403, map[string]any{"message": "API rate limit exceeded"})
			},
			timeout: 5 * time.Second, wantTransient: true,
		},
		{
			name: "incomplete results come with ErrIncompleteResults", query: "label:x", wantQ: "label:x is:pr",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"total_count": 1, "incomplete_results": true, "items": []any{
					map[string]any{"number": 1, "state": "open", "repository_url": "https://api.github.com/repos/o/r", "pull_request": map[string]any{}},
				}})
			},
			wantErr: ErrIncompleteResults, wantN: 1,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			f.handle("GET /search/issues", func(w http.ResponseWriter, r *http.Request) {
				if got := r.URL.Query().Get("q"); got != tt.wantQ {
					t.Errorf("q = %q, want %q", got, tt.wantQ)
				}
				if tt.handler != nil {
					tt.handler(w, r)
					return
				}
				writeJSON(w, 200, map[string]any{"total_count": 1, "items": []any{searchItem(f, "octo", "cat", 1, "open", true, time.Time{})}})
			})
			c, _ := f.tokenClient(nil)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			got, err := c.SearchPullRequests(ctx, tt.query)
			if tt.wantErr == nil && !tt.wantTransient && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var te *pullreq.TransientError
			if errors.As(err, &te) != tt.wantTransient {
				t.Errorf("err = %v, want transient %v", err, tt.wantTransient)
			}
			if len(got) != tt.wantN {
				t.Errorf("%d results, want %d", len(got), tt.wantN)
			}
		})
	}
	f := newFakeGitHub(t, "")
	c, _ := f.tokenClient(nil)
	if _, err := c.SearchPullRequests(context.Background(), " "); err == nil {
		t.Error("an empty query was accepted")
	}
}

// GitHub returns at most 1000 results: ten pages, then the search stops
// and says the results are incomplete.
func TestSearchPullRequestsStopsAtGitHubsLimit(t *testing.T) {
	f := newFakeGitHub(t, "")
	var requests atomic.Int32
	f.handle("GET /search/issues", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		nextLink(w, f, r.URL.Path, page+1, 15)
		items := make([]any, 100)
		for i := range items {
			items[i] = searchItem(f, "octo", "cat", page*100+i, "open", true, time.Time{})
		}
		writeJSON(w, 200, map[string]any{"total_count": 1500, "items": items})
	})
	c, _ := f.tokenClient(nil)
	got, err := c.SearchPullRequests(context.Background(), "org:octo")
	if !errors.Is(err, ErrIncompleteResults) || len(got) != MaxSearchResults || requests.Load() != MaxSearchResults/perPage {
		t.Errorf("%d results in %d requests, err %v; want %d in %d and ErrIncompleteResults",
			len(got), requests.Load(), err, MaxSearchResults, MaxSearchResults/perPage)
	}
}

func issueFromJSON(t *testing.T, v map[string]any) *github.Issue {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var it github.Issue
	if err := json.Unmarshal(b, &it); err != nil {
		t.Fatal(err)
	}
	return &it
}

func TestRepoOfItem(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	for _, tt := range []struct {
		repoURL, htmlURL string
		want             pullreq.Repo
		ok               bool
	}{
		{"https://api.github.com/repos/octo/cat", "", pullreq.Repo{Owner: "octo", Name: "cat"}, true},
		{f.url("/repos/octo/cat"), "", pullreq.Repo{Owner: "octo", Name: "cat"}, true},
		{"https://api.github.com/repos/octo/a%20b", "", pullreq.Repo{Owner: "octo", Name: "a b"}, true},
		{"", "https://github.com/octo/cat/pull/12", pullreq.Repo{Owner: "octo", Name: "cat"}, true},
		{"", "https://ghe.example.com/octo/cat/pull/12", pullreq.Repo{Owner: "octo", Name: "cat"}, true},
		{"https://api.github.com/users/octo", "", pullreq.Repo{}, false},
		{"", "", pullreq.Repo{}, false},
	} {
		it := issueFromJSON(t, map[string]any{"number": 12, "repository_url": tt.repoURL, "html_url": tt.htmlURL})
		got, err := repoOfItem(it)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("repoOfItem(%q, %q) = %v, %v; want %v", tt.repoURL, tt.htmlURL, got, err, tt.want)
		}
	}
}

func TestRepositories(t *testing.T) {
	repo := func(owner, name string, archived bool) map[string]any {
		return map[string]any{"name": name, "owner": map[string]any{"login": owner}, "archived": archived}
	}
	f := newFakeGitHub(t, "")
	f.handle("GET /orgs/{org}/repos", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("org") != "octo" {
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		if q := r.URL.Query(); q.Get("type") != "all" || q.Get("per_page") != "100" {
			t.Errorf("query %v", q)
		}
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []any{repo("octo", "zebra", false), repo("octo", "cat", false), repo("octo", "old", true)})
		case "2":
			writeJSON(w, 200, []any{repo("octo", "Dog", false), map[string]any{"name": "gone", "owner": map[string]any{"login": "octo"}, "disabled": true}})
		}
	})
	f.handle("GET /users/{user}/repos", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("user") != "alice" {
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		if r.URL.Query().Get("type") != "owner" {
			t.Errorf("query %v", r.URL.Query())
		}
		writeJSON(w, 200, []any{repo("alice", "dotfiles", false)})
	})
	c, _ := f.tokenClient(nil)
	for _, tt := range []struct {
		owner   string
		want    []pullreq.Repo
		wantErr error
	}{
		{owner: "octo", want: []pullreq.Repo{{Owner: "octo", Name: "cat"}, {Owner: "octo", Name: "Dog"}, {Owner: "octo", Name: "zebra"}}},
		{owner: "alice", want: []pullreq.Repo{{Owner: "alice", Name: "dotfiles"}}},
		{owner: "nobody", wantErr: fs.ErrNotExist},
	} {
		t.Run(tt.owner, func(t *testing.T) {
			got, err := c.Repositories(context.Background(), tt.owner)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Repositories = %v, want %v", got, tt.want)
			}
		})
	}
}
