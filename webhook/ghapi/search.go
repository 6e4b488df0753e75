package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/review/pullreq"
)

const (
	// MaxSearchResults is the most GitHub's search API returns for one
	// query, whatever its total_count.
	MaxSearchResults = 1000
	// maxRepoPages bounds the repositories Repositories lists (10000).
	maxRepoPages = 100
)

// ErrIncompleteResults is wrapped by SearchPullRequests when GitHub's
// answer is not all there is: more than MaxSearchResults matches, or a
// search that timed out on GitHub's side (incomplete_results). The
// results it did get come with the error.
var ErrIncompleteResults = errors.New("GitHub's search results are incomplete")

// PullRequestRef is a pull request as the search API describes it.
type PullRequestRef struct {
	Repo   pullreq.Repo
	Number int
	Title  string
	// State is "open" or "closed"; a merged pull request is closed.
	State  string
	Merged bool
	// MergedAt is zero unless Merged.
	MergedAt  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// URL is the pull request's page (html_url), for people.
	URL string
}

// SearchPullRequests runs an issue search (GET /search/issues) and returns
// the pull requests found, newest first (sort=created, order=desc), all
// pages up to GitHub's MaxSearchResults. query is GitHub's search syntax
// ("org:octo is:pr label:\"mountguard: allow docker-socket\""); "is:pr" is
// added when the query has neither is:pr nor type:pr, and issues are
// left out either way.
//
// The search API has its own rate limit (30 requests a minute with a
// token, x-ratelimit-resource "search"). A page refused with it is sent
// again by RetryTransport once the limit resets, or the search fails with
// a *pullreq.TransientError when that wait would pass the context's
// deadline or RetryOptions.MaxWait. Each page goes through a go-github
// client of its own: a shared one would remember a page's "0 remaining"
// and refuse the next page itself instead of letting the transport wait.
//
// When the results are incomplete (see ErrIncompleteResults) they are
// returned with an error wrapping ErrIncompleteResults. A pull request
// listed on two pages (results shifting while they are read) appears
// once.
func (c *Client) SearchPullRequests(ctx context.Context, query string) ([]PullRequestRef, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, errors.New("searching pull requests: empty query")
	}
	if !asksForPullRequests(q) {
		q += " is:pr"
	}
	op := fmt.Sprintf("searching pull requests (%s)", q)
	total, incomplete := 0, false
	items, more, err := pages(MaxSearchResults/perPage, func(page int) ([]*github.Issue, *github.Response, error) {
		gh := newGitHub(c.gh.BaseURL, c.rt)
		u := fmt.Sprintf("search/issues?q=%s&sort=created&order=desc&per_page=%d&page=%d", url.QueryEscape(q), perPage, page)
		req, err := gh.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, nil, err
		}
		var res github.IssuesSearchResult
		resp, err := gh.Do(ctx, req, &res)
		if err != nil {
			return nil, resp, err
		}
		total = res.GetTotal()
		incomplete = incomplete || res.GetIncompleteResults()
		return res.Issues, resp, nil
	})
	if err != nil {
		return nil, classify(op, err)
	}
	type key struct {
		repo   pullreq.Repo
		number int
	}
	seen := map[key]bool{}
	var out []PullRequestRef
	for _, it := range items {
		if !it.IsPullRequest() {
			continue
		}
		repo, err := repoOfItem(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		k := key{repo, it.GetNumber()}
		if seen[k] {
			continue
		}
		seen[k] = true
		ref := PullRequestRef{
			Repo:      repo,
			Number:    it.GetNumber(),
			Title:     it.GetTitle(),
			State:     it.GetState(),
			CreatedAt: it.GetCreatedAt().Time,
			UpdatedAt: it.GetUpdatedAt().Time,
			URL:       it.GetHTMLURL(),
		}
		if at := it.GetPullRequestLinks().GetMergedAt(); !at.IsZero() {
			ref.Merged, ref.MergedAt = true, at.Time
		}
		out = append(out, ref)
	}
	switch {
	case incomplete:
		return out, fmt.Errorf("%s: %w: the search timed out on GitHub's side", op, ErrIncompleteResults)
	case more || total > MaxSearchResults:
		return out, fmt.Errorf("%s: %w: %d matches, GitHub returns at most %d", op, ErrIncompleteResults, total, MaxSearchResults)
	}
	return out, nil
}

// asksForPullRequests reports a query that already restricts the search
// to pull requests.
func asksForPullRequests(q string) bool {
	for _, f := range strings.Fields(strings.ToLower(q)) {
		if f == "is:pr" || f == "type:pr" {
			return true
		}
	}
	return false
}

// repoOfItem reads a search item's repository from its repository_url
// ("https://api.github.com/repos/octo/cat", or under /api/v3/), or else
// from its html_url ("https://github.com/octo/cat/pull/12").
func repoOfItem(it *github.Issue) (pullreq.Repo, error) {
	if segs := pathSegments(it.GetRepositoryURL()); len(segs) >= 3 && segs[len(segs)-3] == "repos" {
		return pullreq.Repo{Owner: segs[len(segs)-2], Name: segs[len(segs)-1]}, nil
	}
	if segs := pathSegments(it.GetHTMLURL()); len(segs) >= 4 && segs[len(segs)-2] == "pull" {
		return pullreq.Repo{Owner: segs[len(segs)-4], Name: segs[len(segs)-3]}, nil
	}
	return pullreq.Repo{}, fmt.Errorf("search result #%d names no repository (repository_url %q, html_url %q)",
		it.GetNumber(), it.GetRepositoryURL(), it.GetHTMLURL())
}

// pathSegments splits a URL's path into its unescaped segments; nil for
// what is not a URL.
func pathSegments(s string) []string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return nil
	}
	var segs []string
	for p := range strings.SplitSeq(strings.Trim(u.EscapedPath(), "/"), "/") {
		v, err := url.PathUnescape(p)
		if err != nil || v == "" {
			return nil
		}
		segs = append(segs, v)
	}
	return segs
}

// Repositories lists the repositories of an organisation (GET
// orgs/{org}/repos, type all), or, when org is a user rather than an
// organisation (404), that user's own public repositories (GET
// users/{user}/repos, type owner: GitHub lists a user's private ones only
// to the user, at /user/repos). Archived and disabled repositories are
// left out: nothing can be labelled or commented there. Sorted by name;
// more than 10000 is an error.
//
// The exceptions command needs it to work on every repository of an
// organisation (EnsureLabels when the exception labels are set up); it
// finds pull requests with SearchPullRequests instead, which needs no list
// of repositories.
func (c *Client) Repositories(ctx context.Context, org string) ([]pullreq.Repo, error) {
	op := fmt.Sprintf("listing the repositories of %s", org)
	if org == "" {
		return nil, fmt.Errorf("%s: no organisation", op)
	}
	repos, more, err := getPages[*github.Repository](ctx, c.gh, maxRepoPages, "orgs/"+seg(org)+"/repos?type=all&sort=full_name")
	if hasStatus(err, http.StatusNotFound) {
		repos, more, err = getPages[*github.Repository](ctx, c.gh, maxRepoPages, "users/"+seg(org)+"/repos?type=owner&sort=full_name")
	}
	if err != nil {
		return nil, classify(op, err)
	}
	if more {
		return nil, fmt.Errorf("%s: more than %d repositories", op, maxRepoPages*perPage)
	}
	var out []pullreq.Repo
	for _, r := range repos {
		if r.GetArchived() || r.GetDisabled() {
			continue
		}
		owner := r.GetOwner().GetLogin()
		if owner == "" {
			owner = org
		}
		out = append(out, pullreq.Repo{Owner: owner, Name: r.GetName()})
	}
	slices.SortFunc(out, func(a, b pullreq.Repo) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return slices.CompactFunc(out, func(a, b pullreq.Repo) bool { return a == b }), nil
}
