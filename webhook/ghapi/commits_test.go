package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/webhook/githubtest"
)

// commitJSON is one item of GitHub's list of a pull request's commits;
// author "" is GitHub's null (an email linked to no account).
func commitJSON(sha, author, committer string, parents int) map[string]any {
	user := func(login string) any {
		if login == "" {
			return nil
		}
		return map[string]any{"login": login, "id": 1, "type": "User"}
	}
	var ps []map[string]any
	for i := range parents {
		ps = append(ps, map[string]any{"sha": fmt.Sprintf("%040d", i), "url": "https://api.github.com/x"})
	}
	return map[string]any{
		"sha": sha,
		"commit": map[string]any{
			"author":    map[string]any{"name": "Someone", "email": "someone@example.com", "date": "2026-03-01T12:00:00Z"},
			"committer": map[string]any{"name": "Someone", "email": "someone@example.com", "date": "2026-03-01T12:00:00Z"},
			"message":   "change",
		},
		"author":    user(author),
		"committer": user(committer),
		"parents":   ps,
	}
}

func TestPullCommits(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/pulls/12/commits", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("per_page") != "100" {
			t.Errorf("per_page = %q", r.URL.Query().Get("per_page"))
		}
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []map[string]any{commitJSON("a1", "dev", "dev", 1), commitJSON("b2", "dev", "lead", 1)})
		case "2":
			writeJSON(w, 200, []map[string]any{commitJSON("c3", "", "", 1), commitJSON("d4", "lead", "web-flow", 2)})
		default:
			t.Errorf("page %q", r.URL.Query().Get("page"))
		}
	})
	f.handle("GET /repos/octo/cat/pulls/12", func(w http.ResponseWriter, r *http.Request) {
		t.Error("the pull request was read for a list far below GitHub's cap")
	})
	c, _ := f.client()
	got, truncated, err := c.PullCommits(context.Background(), testRepo, 12)
	want := []exception.Commit{
		{SHA: "a1", Author: "dev", Committer: "dev", Parents: 1},
		{SHA: "b2", Author: "dev", Committer: "lead", Parents: 1},
		{SHA: "c3", Parents: 1},
		{SHA: "d4", Author: "lead", Committer: "web-flow", Parents: 2},
	}
	if err != nil || truncated || !reflect.DeepEqual(got, want) {
		t.Errorf("PullCommits = %+v, %v, %v; want %+v", got, truncated, err, want)
	}
}

// TestPullCommitsAtTheCap: GitHub lists 250 commits at most; only then is
// the pull request read, to learn whether it has more.
func TestPullCommitsAtTheCap(t *testing.T) {
	for _, tt := range []struct {
		name      string
		listed    int
		total     int
		truncated bool
		prReads   int32
	}{
		{"below the cap", 249, 249, false, 0},
		{"exactly the cap", 250, 250, false, 1},
		{"over the cap", 250, 300, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			f.handle("GET /repos/octo/cat/pulls/12/commits", func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				lo, hi := (page-1)*100, min(page*100, tt.listed)
				last := (tt.listed + 99) / 100
				if page < last {
					nextLink(w, f, r.URL.Path, page+1, last)
				}
				var out []map[string]any
				for i := lo; i < hi; i++ {
					out = append(out, commitJSON(fmt.Sprintf("%040d", i), "dev", "dev", 1))
				}
				writeJSON(w, 200, out)
			})
			var reads atomic.Int32
			f.handle("GET /repos/octo/cat/pulls/12", func(w http.ResponseWriter, r *http.Request) {
				reads.Add(1)
				writeJSON(w, 200, map[string]any{"number": 12, "commits": tt.total})
			})
			c, _ := f.client()
			got, truncated, err := c.PullCommits(context.Background(), testRepo, 12)
			if err != nil || len(got) != tt.listed || truncated != tt.truncated {
				t.Errorf("PullCommits = %d commits, truncated %v, %v; want %d, %v", len(got), truncated, err, tt.listed, tt.truncated)
			}
			if reads.Load() != tt.prReads {
				t.Errorf("%d reads of the pull request, want %d", reads.Load(), tt.prReads)
			}
		})
	}
}

func TestPullCommitsErrors(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/pulls/404/commits", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"message": "Not Found"})
	})
	c, _ := f.client()
	_, _, err := c.PullCommits(context.Background(), testRepo, 404)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want a 404 wrapping fs.ErrNotExist", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "listing the commits of octo/cat#404: ") {
		t.Errorf("err = %v, want it to say what was being done", err)
	}
}

// TestPullCommitsAgainstTheFake reads the commits from the fake GitHub,
// which enforces GitHub's shapes and its 250-commit cap, through the
// token client's full transport stack (retries, metrics).
func TestPullCommitsAgainstTheFake(t *testing.T) {
	gh := githubtest.NewServer()
	defer gh.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(gh.AddRepo(githubtest.Repo{Owner: "octo", Name: "cat"}))
	parent, err := gh.AddCommit("octo", "cat", githubtest.Commit{Files: map[string]string{"n": "0"}})
	must(err)
	must(gh.SetBranch("octo", "cat", "main", parent))
	for i := 1; i <= 260; i++ {
		c := githubtest.Commit{Parents: []string{parent}, Files: map[string]string{"n": strconv.Itoa(i)}}
		switch i {
		case 2:
			c.Author = &githubtest.Person{Login: "lead"}
		case 3:
			c.Committer = &githubtest.Person{Login: "lead"}
		case 4:
			c.Author = &githubtest.Person{Name: "Ghost", Email: "ghost@example.com"}
		}
		parent, err = gh.AddCommit("octo", "cat", c)
		must(err)
	}
	must(gh.AddPullRequest("octo", "cat", githubtest.PullRequest{Number: 12, User: "dev", HeadSHA: parent}))
	// One 502 on the first page: retried.
	gh.InjectFault("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits", 1, githubtest.Response{Status: http.StatusBadGateway})

	reg := prometheus.NewRegistry()
	s := &sleeps{}
	c, err := NewTokenClient(TokenOptions{Token: gh.UserToken("lead"), BaseURL: gh.URL + "/", Metrics: reg, Retry: RetryOptions{Sleep: s.sleep}})
	must(err)
	got, truncated, err := c.PullCommits(context.Background(), testRepo, 12)
	if err != nil || len(got) != 250 || !truncated {
		t.Fatalf("PullCommits = %d commits, truncated %v, %v; want 250, true", len(got), truncated, err)
	}
	want := []exception.Commit{
		{SHA: got[0].SHA, Author: "dev", Committer: "dev", Parents: 1},
		{SHA: got[1].SHA, Author: "lead", Committer: "lead", Parents: 1},
		{SHA: got[2].SHA, Author: "dev", Committer: "lead", Parents: 1},
		{SHA: got[3].SHA, Parents: 1},
	}
	if !reflect.DeepEqual(got[:4], want) {
		t.Errorf("first commits %+v, want %+v", got[:4], want)
	}
	route := map[string]string{"route": "/repos/{owner}/{repo}/pulls/{number}/commits", "method": "GET", "status": "200"}
	if n := metricValue(t, reg, "github_requests_total", route); n != 3 {
		t.Errorf("%v answered 200 %v times, want 3 pages", route, n)
	}
	if n := gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits"); n != 4 {
		t.Errorf("%d requests for the commits, want 4 (3 pages, one retried)", n)
	}
	if n := gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}"); n != 1 {
		t.Errorf("%d reads of the pull request, want 1", n)
	}
}
