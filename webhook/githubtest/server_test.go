package githubtest

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestRateLimitHeaders(t *testing.T) {
	f := newFixture(t)
	var remaining []int
	for i := 0; i < 3; i++ {
		_, resp, err := f.client.Repositories.Get(ctx, owner, repoName)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Rate.Limit != 5000 || resp.Header.Get("X-RateLimit-Resource") != "core" || resp.Rate.Reset.IsZero() {
			t.Errorf("rate %+v, resource %q", resp.Rate, resp.Header.Get("X-RateLimit-Resource"))
		}
		if used, _ := strconv.Atoi(resp.Header.Get("X-RateLimit-Used")); used != i+1 {
			t.Errorf("used %d, want %d", used, i+1)
		}
		remaining = append(remaining, resp.Rate.Remaining)
	}
	if remaining[0] != 4999 || remaining[1] != 4998 || remaining[2] != 4997 {
		t.Errorf("remaining %v, want 4999, 4998, 4997", remaining)
	}
	// A 404 counts and carries the headers too.
	_, resp, _ := f.client.Repositories.Get(ctx, owner, "nope")
	if resp.Rate.Remaining != 4996 {
		t.Errorf("remaining after a 404: %d", resp.Rate.Remaining)
	}
	// GET /rate_limit costs nothing.
	limits, _, err := f.client.RateLimit.Get(ctx)
	if err != nil || limits.GetCore().Limit != 5000 || limits.GetCore().Remaining != 4996 {
		t.Errorf("rate_limit: %v, %v", limits, err)
	}
	_, resp, _ = f.client.Repositories.Get(ctx, owner, repoName)
	if resp.Rate.Remaining != 4995 {
		t.Errorf("remaining after /rate_limit: %d, want 4995", resp.Rate.Remaining)
	}
}

// TestRateLimitExhausted runs a token out of requests: GitHub's 403 with
// x-ratelimit-remaining 0, which go-github reports as a *RateLimitError.
func TestRateLimitExhausted(t *testing.T) {
	f := newFixture(t)
	f.gh.SetRateLimit(2)
	for i := 0; i < 2; i++ {
		if _, _, err := f.client.Repositories.Get(ctx, owner, repoName); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh client, so that go-github does not refuse on its own from
	// the last response's headers.
	_, _, err := newClient(f.gh, f.token).Repositories.Get(ctx, owner, repoName)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || rle.Message != "API rate limit exceeded for installation ID 9." || rle.Response.StatusCode != 403 {
		t.Fatalf("error %v (%T), want GitHub's rate limit error", err, err)
	}
	// Another installation has its own limit.
	f.must(f.gh.AddInstallation(Installation{ID: 10, Account: "other"}))
	f.must(f.gh.AddRepo(Repo{Owner: "other", Name: "repo"}))
	tok, _ := f.gh.InstallationToken(10)
	if _, _, err := newClient(f.gh, tok).Repositories.Get(ctx, "other", "repo"); err != nil {
		t.Errorf("another installation: %v", err)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	_, head := f.pr(1, map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"})

	f.gh.InjectFault("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 2, Response{Status: 502})
	for i := 0; i < 2; i++ {
		_, _, err := f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, nil)
		wantAPIError(t, err, 502)
	}
	if files, _, err := f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, nil); err != nil || len(files) != 1 {
		t.Errorf("after the faults: %v, %v", files, err)
	}
	if n := f.gh.Count("GET /repos/*/*/pulls/*/files"); n != 3 {
		t.Errorf("counted %d calls, want 3", n)
	}

	// A secondary rate limit: *AbuseRateLimitError with Retry-After.
	f.gh.InjectFault("POST /repos/*/*/pulls/*/reviews", 1, SecondaryRateLimit(time.Second))
	review := &github.PullRequestReviewRequest{CommitID: github.String(head), Event: github.String("COMMENT"), Body: github.String("b")}
	_, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, review)
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != time.Second || abuse.Message != "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." {
		t.Fatalf("error %v (%T), want a secondary rate limit", err, err)
	}
	if len(f.gh.Reviews(owner, repoName, 1)) != 0 {
		t.Error("a faulted request was served")
	}
	// go-github itself refuses until Retry-After has passed; a new
	// client does not.
	if _, _, err := newClient(f.gh, f.token).PullRequests.CreateReview(ctx, owner, repoName, 1, review); err != nil {
		t.Errorf("retry: %v", err)
	}

	// A primary rate limit: *RateLimitError with the reset time.
	reset := time.Now().Add(time.Minute).Truncate(time.Second)
	f.gh.InjectFault("PATCH", 1, PrimaryRateLimit(instID, reset))
	c := newClient(f.gh, f.token)
	_, _, err = c.PullRequests.EditComment(ctx, owner, repoName, 1, &github.PullRequestComment{Body: github.String("x")})
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || !rle.Rate.Reset.Time.Equal(reset) || rle.Rate.Remaining != 0 || rle.Message != "API rate limit exceeded for installation ID 9." {
		t.Fatalf("error %v (%T), want a primary rate limit", err, err)
	}
	// Faulted requests are recorded, and count as mutations.
	var faulted int
	for _, call := range f.gh.Calls() {
		if call.Faulted {
			faulted++
		}
	}
	if faulted != 4 || f.gh.Mutations() != 3 {
		t.Errorf("%d faulted calls, %d mutations; want 4, 3", faulted, f.gh.Mutations())
	}
}

func TestLatency(t *testing.T) {
	f := newFixture(t)
	f.gh.SetLatency(200 * time.Millisecond)
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, _, err := f.client.Repositories.Get(c, owner, repoName)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	f.gh.SetLatency(0)
	if _, _, err := f.client.Repositories.Get(ctx, owner, repoName); err != nil {
		t.Error(err)
	}
}

// TestConcurrentUse drives setup, requests and readback at once; run with
// -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	_, head := f.pr(1, map[string]string{"compose.yaml": compose}, map[string]string{"compose.yaml": reviewed})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := newClient(f.gh, f.token)
			for j := 0; j < 5; j++ {
				if _, _, err := c.PullRequests.ListFiles(ctx, owner, repoName, 1, nil); err != nil {
					t.Error(err)
				}
				if _, _, err := c.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "n", HeadSHA: head}); err != nil {
					t.Error(err)
				}
				f.gh.CheckRuns(owner, repoName)
				f.gh.Count("POST")
			}
		}(i)
	}
	wg.Wait()
	if n := len(f.gh.CheckRuns(owner, repoName)); n != 40 {
		t.Errorf("%d check runs, want 40", n)
	}
	// Without credentials /rate_limit answers with the limit of
	// unauthenticated requests, as GitHub's does.
	resp, err := http.Get(f.gh.URL + "/rate_limit")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "60" {
		t.Errorf("rate_limit without a token: %v %v", resp.Status, err)
	}
	resp.Body.Close()
}
