package githubtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

// newSearchFixture: acme/api (private) #1-#4, acme/web (public) #1, and
// octo/shop (public, not in the installation) #1, with exception records
// on some.
func newSearchFixture(t *testing.T) *fixture {
	f := newOrgFixture(t)
	gh := f.gh
	created := func(d string) func(*PullRequest) {
		return func(p *PullRequest) { p.CreatedAt = day(d) }
	}
	const record = "**Mountguard exception record**\n\n| rule | file |\n"
	f.openPR(org, "api", 1, "dev", created("2024-01-10"))
	f.must(gh.AddLabel(org, "api", Label{Name: "mountguard: exception"}))
	f.must(gh.SetRole(org, "api", "lead", "maintain"))
	_, err := gh.SetLabel(org, "api", 1, "mountguard: exception", "lead", true)
	f.must(err)
	_, _, err = f.client.Issues.CreateComment(ctx, org, "api", 1, &github.IssueComment{Body: github.String(record)})
	f.must(err)
	f.must(gh.MergePullRequest(org, "api", 1, "lead"))

	f.openPR(org, "api", 2, "dev", created("2024-03-05"))
	_, err = gh.AddIssueComment(org, "api", 2, "dev", "<!-- mountguard exception record -->\nnot yet")
	f.must(err)
	f.openPR(org, "api", 3, "dev", created("2024-03-20"), func(p *PullRequest) { p.Body = "About the mountguard exception record." })
	f.must(gh.ClosePullRequest(org, "api", 3, ""))
	f.openPR(org, "api", 4, "dev", created("2024-02-01"))

	f.openPR(org, "web", 1, "dev", created("2024-04-01"))
	_, err = gh.AddIssueComment(org, "web", 1, "lead", "MOUNTGUARD EXCEPTION RECORD, by hand")
	f.must(err)

	f.must(gh.AddRepo(Repo{Owner: owner, Name: repoName}))
	f.must(gh.AddRepo(Repo{Owner: owner, Name: "secret", Private: true}))
	f.openPR(owner, repoName, 1, "someone", created("2024-05-01"))
	_, err = gh.AddIssueComment(owner, repoName, 1, "someone", "mountguard exception record")
	f.must(err)
	return f
}

// found returns "repo#n" of each result.
func found(res *github.IssuesSearchResult) string {
	var out []string
	for _, it := range res.Issues {
		u := it.GetRepositoryURL()
		repo := u[strings.Index(u, "/repos/")+len("/repos/"):]
		out = append(out, fmt.Sprintf("%s#%d", repo, it.GetNumber()))
	}
	return strings.Join(out, " ")
}

func TestSearchQualifiers(t *testing.T) {
	f := newSearchFixture(t)
	today := time.Now().UTC().Format("2006-01-02")
	for _, tt := range []struct{ q, want string }{
		{`org:acme is:pr "mountguard exception record" in:comments`, "acme/web#1 acme/api#1"},
		{`"Mountguard Exception Record" in:comments org:acme type:pr`, "acme/web#1 acme/api#1"},
		{`org:acme is:pr "mountguard exception record"`, "acme/web#1 acme/api#3 acme/api#1"}, // title, body and comments
		{`org:acme "mountguard exception record" in:body`, "acme/api#3"},
		{`repo:acme/api is:pr is:merged`, "acme/api#1"},
		{`repo:acme/api is:pr is:unmerged`, "acme/api#3 acme/api#2 acme/api#4"},
		{`org:acme is:pr is:open`, "acme/web#1 acme/api#2 acme/api#4"},
		{`org:acme is:pr state:closed`, "acme/api#3 acme/api#1"},
		{`org:acme is:pr created:>=2024-03-01`, "acme/web#1 acme/api#3 acme/api#2"},
		{`org:acme is:pr created:>2024-03-20`, "acme/web#1"},
		{`org:acme is:pr created:2024-03-01..2024-03-20`, "acme/api#3 acme/api#2"},
		{`org:acme is:pr created:<2024-02-01`, "acme/api#1"},
		{`org:acme is:pr created:<=2024-02-01`, "acme/api#4 acme/api#1"},
		{`org:acme is:pr updated:<2024-06-01`, "acme/api#4"},
		{`org:acme is:pr updated:>=` + today, "acme/web#1 acme/api#3 acme/api#2 acme/api#1"},
		{`org:acme is:pr merged:>=` + today, "acme/api#1"},
		{`org:acme is:pr label:"mountguard: exception"`, "acme/api#1"},
		{`org:acme is:pr label:"MOUNTGUARD: EXCEPTION" is:open`, ""},
		{`repo:acme/api repo:acme/web is:pr "exception record" in:comments`, "acme/web#1 acme/api#1"},
		{`user:acme is:pr author:dev created:>=2024-04-01`, "acme/web#1"},
		{`org:acme is:issue`, ""},
		{`org:acme is:pr exception in:comments`, "acme/web#1 acme/api#1"},
		{`org:acme is:pr except in:comments`, ""}, // whole words
		{`org:acme record exception AND mountguard in:comments`, "acme/web#1 acme/api#1"},
	} {
		res, _, err := f.client.Search.Issues(ctx, tt.q, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.q, err)
			continue
		}
		if got := found(res); got != tt.want {
			t.Errorf("%s\n got: %s\nwant: %s", tt.q, got, tt.want)
		}
		if res.GetTotal() != len(res.Issues) || res.GetIncompleteResults() {
			t.Errorf("%s: total_count %d, incomplete %v", tt.q, res.GetTotal(), res.GetIncompleteResults())
		}
	}

	// Sort and order.
	res, _, err := f.client.Search.Issues(ctx, "org:acme is:pr", &github.SearchOptions{Sort: "created", Order: "asc"})
	if err != nil || found(res) != "acme/api#1 acme/api#4 acme/api#2 acme/api#3 acme/web#1" {
		t.Errorf("created asc: %s %v", found(res), err)
	}
	res, _, _ = f.client.Search.Issues(ctx, "org:acme is:pr", &github.SearchOptions{Sort: "comments"})
	if got := found(res); !strings.HasPrefix(got, "acme/web#1 acme/api#2 acme/api#1") {
		t.Errorf("by comments: %s", got)
	}

	// Other credentials see other repositories: a person's token all of
	// them, no token the public ones.
	q := `"mountguard exception record" in:comments`
	res, _, err = newClient(f.gh, f.gh.UserToken("lead")).Search.Issues(ctx, q, nil)
	if err != nil || found(res) != "octo/shop#1 acme/web#1 acme/api#1" {
		t.Errorf("user token: %s %v", found(res), err)
	}
	anon := newClient(f.gh, "")
	res, _, err = anon.Search.Issues(ctx, q, nil)
	if err != nil || found(res) != "octo/shop#1 acme/web#1" {
		t.Errorf("anonymous: %s %v", found(res), err)
	}
	_, _, err = anon.Search.Issues(ctx, "repo:acme/api is:pr", nil)
	wantAPIError(t, err, 422)
}

func TestSearchResultShape(t *testing.T) {
	f := newSearchFixture(t)
	res, _, err := f.client.Search.Issues(ctx, "repo:acme/api is:pr", &github.SearchOptions{Sort: "created", Order: "asc"})
	if err != nil || len(res.Issues) != 4 {
		t.Fatal(found(res), err)
	}
	merged := res.Issues[0]
	if merged.GetNumber() != 1 || merged.GetState() != "closed" || merged.GetPullRequestLinks().GetMergedAt().IsZero() ||
		merged.GetRepositoryURL() != f.gh.URL+"/repos/acme/api" || merged.GetHTMLURL() != "https://github.com/acme/api/pull/1" ||
		merged.GetPullRequestLinks().GetURL() != f.gh.URL+"/repos/acme/api/pulls/1" || merged.GetComments() != 1 ||
		fmt.Sprint(labelNames(merged.Labels)) != "[mountguard: exception]" || merged.GetUser().GetLogin() != "dev" || merged.ClosedAt == nil {
		t.Errorf("merged pull request: %+v", merged)
	}
	// GitHub's nulls: merged_at of an unmerged pull request, closed_at
	// of an open one; and each item's score.
	_, body := rawGet(t, f.client, "search/issues?q="+url.QueryEscape("repo:acme/api is:pr is:open created:2024-03-05"), http.Header{})
	for _, want := range []string{`"merged_at":null`, `"closed_at":null`, `"score":1`, `"total_count":1`, `"incomplete_results":false`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("raw result lacks %s: %s", want, body)
		}
	}
}

func TestSearchPagination(t *testing.T) {
	f := newSearchFixture(t)
	opts := &github.SearchOptions{ListOptions: github.ListOptions{PerPage: 2}}
	var all []string
	pages := 0
	for {
		res, resp, err := f.client.Search.Issues(ctx, "org:acme is:pr", opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if res.GetTotal() != 5 {
			t.Errorf("total_count %d, want 5", res.GetTotal())
		}
		if pages == 1 && resp.LastPage != 3 {
			t.Errorf("last page %d (Link %s)", resp.LastPage, resp.Header.Get("Link"))
		}
		all = append(all, found(res))
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pages != 3 || strings.Join(all, " ") != "acme/web#1 acme/api#3 acme/api#2 acme/api#4 acme/api#1" {
		t.Errorf("%d pages: %v", pages, all)
	}

	// Only the first 1000 results: a page starting past them is refused,
	// one starting within is served.
	for _, tt := range []struct {
		perPage, page int
		ok            bool
	}{{100, 10, true}, {100, 11, false}, {30, 34, true}, {30, 35, false}} {
		_, _, err := f.client.Search.Issues(ctx, "org:acme", &github.SearchOptions{ListOptions: github.ListOptions{PerPage: tt.perPage, Page: tt.page}})
		if tt.ok {
			if err != nil {
				t.Errorf("per_page %d page %d: %v", tt.perPage, tt.page, err)
			}
			continue
		}
		if er := wantAPIError(t, err, 422); er.Message != "Only the first 1000 search results are available" {
			t.Errorf("page past 1000: %q", er.Message)
		}
	}
}

func TestSearchErrors(t *testing.T) {
	f := newSearchFixture(t)
	cannot := "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them."
	for _, tt := range []struct{ q, code, message string }{
		{"repo:octo/secret is:pr", "invalid", cannot}, // private, not in the installation
		{"repo:acme/nope is:pr", "invalid", cannot},
		{"org:nobody is:pr", "invalid", cannot},
		{"org:acme " + strings.Repeat("word ", 52), "invalid", "The search is longer than 256 characters."},
		{"org:acme assignee:bob", "invalid", `githubtest: the fake does not implement the qualifier "assignee:" in searches`},
		{"org:acme -label:bug", "invalid", `githubtest: the fake does not implement the exclusion "-label:bug" in searches`},
		{"org:acme is:pr OR is:issue", "invalid", `githubtest: the fake does not implement the operator "OR" in searches`},
		{"org:acme created:>=yesterday", "invalid", `githubtest: the fake does not implement the date "created:>=yesterday" in searches`},
	} {
		_, _, err := f.client.Search.Issues(ctx, tt.q, nil)
		er := wantAPIError(t, err, 422)
		if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Resource != "Search" || er.Errors[0].Field != "q" ||
			er.Errors[0].Code != tt.code || er.Errors[0].Message != tt.message || er.DocumentationURL != docSearch {
			t.Errorf("%s: %+v", tt.q, er.Errors)
		}
	}
	_, _, err := f.client.Search.Issues(ctx, "", nil)
	if er := wantAPIError(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Code != "missing" {
		t.Errorf("no q: %+v", er.Errors)
	}
	// 256 characters of text are fine; qualifiers do not count.
	if _, _, err := f.client.Search.Issues(ctx, "org:acme is:pr "+strings.Repeat("a", 256), nil); err != nil {
		t.Error(err)
	}
	// Search goes through the call log and fault injection like any
	// endpoint.
	f.gh.InjectFault("GET /search/issues", 1, Response{Status: 503})
	_, _, err = f.client.Search.Issues(ctx, "org:acme", nil)
	wantAPIError(t, err, 503)
	if n := f.gh.Count("GET /search/issues"); n != 11 {
		t.Errorf("%d searches recorded, want 11", n)
	}
}

// TestSearchRateLimit: 30 a minute, counted apart from the hourly limit,
// with the search resource's headers and GitHub's 403 when used up.
func TestSearchRateLimit(t *testing.T) {
	f := newSearchFixture(t)
	_, resp, err := f.client.Search.Issues(ctx, "org:acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	if h.Get("X-RateLimit-Resource") != "search" || h.Get("X-RateLimit-Limit") != "30" || h.Get("X-RateLimit-Remaining") != "29" || h.Get("X-RateLimit-Used") != "1" {
		t.Errorf("headers: resource %s limit %s remaining %s used %s", h.Get("X-RateLimit-Resource"), h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Used"))
	}
	if reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); time.Until(time.Unix(reset, 0)) > time.Minute {
		t.Errorf("search window resets at %d, more than a minute away", reset)
	}

	f.gh.SetSearchRateLimit(3)
	for i := 0; i < 2; i++ {
		if _, _, err := newClient(f.gh, f.token).Search.Issues(ctx, "org:acme", nil); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = newClient(f.gh, f.token).Search.Issues(ctx, "org:acme", nil)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || rle.Message != "API rate limit exceeded for installation ID 9." || rle.Response.StatusCode != 403 ||
		rle.Response.Header.Get("X-RateLimit-Resource") != "search" || rle.Rate.Remaining != 0 {
		t.Fatalf("error %v (%T), want GitHub's rate limit error", err, err)
	}
	// The core limit is untouched, and /rate_limit tells both apart.
	_, resp, err = f.client.Repositories.Get(ctx, org, "api")
	if err != nil || resp.Header.Get("X-RateLimit-Resource") != "core" || resp.Rate.Limit != DefaultRateLimit {
		t.Errorf("core request: %v, %s", err, resp.Header.Get("X-RateLimit-Resource"))
	}
	limits, _, err := f.client.RateLimit.Get(ctx)
	if err != nil || limits.GetSearch().Limit != 3 || limits.GetSearch().Remaining != 0 || limits.GetCore().Remaining == 0 {
		t.Errorf("rate_limit: search %+v core %+v, %v", limits.GetSearch(), limits.GetCore(), err)
	}
	// A person's token has its own window.
	if _, _, err := newClient(f.gh, f.gh.UserToken("lead")).Search.Issues(ctx, "org:acme", nil); err != nil {
		t.Errorf("another credential: %v", err)
	}
	// Without credentials: 10 a minute.
	_, resp, err = newClient(f.gh, "").Search.Issues(ctx, "org:acme", nil)
	if err != nil || resp.Header.Get("X-RateLimit-Limit") != "10" {
		t.Errorf("anonymous: %v, limit %s", err, resp.Header.Get("X-RateLimit-Limit"))
	}
}

// TestExceptionEndpointsConcurrently drives the new setup methods,
// endpoints and readbacks at once; run with -race.
func TestExceptionEndpointsConcurrently(t *testing.T) {
	f := newSearchFixture(t)
	f.gh.SetSearchRateLimit(1000)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := newClient(f.gh, f.token)
			for j := 0; j < 5; j++ {
				name := fmt.Sprintf("l%d-%d", i, j)
				if _, _, err := c.Issues.AddLabelsToIssue(ctx, org, "api", 2, []string{name}); err != nil {
					t.Error(err)
				}
				if _, err := c.Issues.RemoveLabelForIssue(ctx, org, "api", 2, name); err != nil {
					t.Error(err)
				}
				if _, _, err := c.Issues.CreateComment(ctx, org, "api", 2, &github.IssueComment{Body: github.String(name)}); err != nil {
					t.Error(err)
				}
				if _, _, err := c.Search.Issues(ctx, `org:acme "exception record" in:comments`, nil); err != nil {
					t.Error(err)
				}
				if _, _, err := c.Teams.GetTeamMembershipBySlug(ctx, org, "security", "carol"); err == nil {
					t.Error("membership of a team that does not exist yet")
				}
			}
		}(i)
	}
	for j := 0; j < 5; j++ {
		f.must(f.gh.SetRole(org, "api", fmt.Sprint("user", j), "triage"))
		_, err := f.gh.SetLabel(org, "api", 4, "mountguard: exception", fmt.Sprint("user", j), j%2 == 0)
		f.must(err)
		_, err = f.gh.AddIssueComment(org, "api", 4, "lead", "hello")
		f.must(err)
		f.gh.IssueEvents(org, "api", 2)
		f.gh.IssueComments(org, "api", 2)
		f.gh.Labels(org, "api")
	}
	wg.Wait()
	if n := len(f.gh.IssueEvents(org, "api", 2)); n != 60 {
		t.Errorf("%d events on #2, want 60", n)
	}
	if n := len(f.gh.IssueComments(org, "api", 2)); n != 31 {
		t.Errorf("%d comments on #2, want 31", n)
	}
	if got := f.gh.IssueLabels(org, "api", 4); fmt.Sprint(got) != "[mountguard: exception]" {
		t.Errorf("labels on #4: %v", got)
	}
}
