package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"
)

// A pull request's life after it is opened: closing, merging, reopening,
// and the issue that GitHub keeps for every pull request.

func (s *Server) pullFor(owner, repoName string, number int) (*pull, error) {
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return nil, err
	}
	p := r.pulls[number]
	if p == nil {
		return nil, fmt.Errorf("githubtest: %s has no pull request #%d", r.fullName(), number)
	}
	return p, nil
}

// actorFor is the account of a setup method's actor, the repository's
// owner when empty.
func (s *Server) actorFor(p *pull, login string) *account {
	if login == "" {
		return p.base.owner
	}
	return s.accountFor(login, "User")
}

// ClosePullRequest closes an open pull request without merging it, as
// actor (the repository's owner when empty): state closed, closed_at
// set, and a closed issue event.
func (s *Server) ClosePullRequest(owner, repoName string, number int, actor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.pullFor(owner, repoName, number)
	if err != nil {
		return err
	}
	if p.state != "open" {
		return fmt.Errorf("githubtest: pull request #%d is not open", number)
	}
	a := s.actorFor(p, actor)
	p.state = "closed"
	s.addEvent(p, &issueEvent{event: "closed", actor: a})
	p.closedAt = p.updated
	return nil
}

// MergePullRequest merges an open pull request, as actor (the
// repository's owner when empty): state closed, merged true, merged_at,
// merged_by and merge_commit_sha set, and merged (with the merge commit)
// and closed issue events.
func (s *Server) MergePullRequest(owner, repoName string, number int, actor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.pullFor(owner, repoName, number)
	if err != nil {
		return err
	}
	if p.state != "open" {
		return fmt.Errorf("githubtest: pull request #%d is not open", number)
	}
	a := s.actorFor(p, actor)
	sum := sha1.Sum([]byte("merge " + p.baseSHA + " " + p.headSHA))
	p.mergeSHA = hex.EncodeToString(sum[:])
	p.state, p.merged, p.mergedBy = "closed", true, a
	s.addEvent(p, &issueEvent{event: "merged", actor: a, commitID: p.mergeSHA})
	s.addEvent(p, &issueEvent{event: "closed", actor: a})
	p.mergedAt, p.closedAt = p.updated, p.updated
	return nil
}

// ReopenPullRequest reopens a closed pull request that was not merged.
func (s *Server) ReopenPullRequest(owner, repoName string, number int, actor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.pullFor(owner, repoName, number)
	if err != nil {
		return err
	}
	if p.state != "closed" || p.merged {
		return fmt.Errorf("githubtest: pull request #%d is not closed, or is merged", number)
	}
	p.state, p.closedAt = "open", time.Time{}
	s.addEvent(p, &issueEvent{event: "reopened", actor: s.actorFor(p, actor)})
	return nil
}

// issueJSON is the pull request's issue, as the issues and search
// endpoints return it, with the fields go-github drops when null.
type issueJSON struct {
	*github.Issue
	PullRequest           *pullRequestLinks `json:"pull_request"`
	Labels                []*github.Label   `json:"labels"`
	Assignees             []*github.User    `json:"assignees"`
	ClosedAt              *github.Timestamp `json:"closed_at"`
	Assignee              *github.User      `json:"assignee"`
	Milestone             *github.Milestone `json:"milestone"`
	StateReason           *string           `json:"state_reason"`
	ActiveLockReason      *string           `json:"active_lock_reason"`
	PerformedViaGithubApp *github.App       `json:"performed_via_github_app"`
	// Score is the search's relevance, only in search results.
	Score *float64 `json:"score,omitempty"`
}

// pullRequestLinks is an issue's pull_request object; merged_at is null
// until merged.
type pullRequestLinks struct {
	URL      string            `json:"url"`
	HTMLURL  string            `json:"html_url"`
	DiffURL  string            `json:"diff_url"`
	PatchURL string            `json:"patch_url"`
	MergedAt *github.Timestamp `json:"merged_at"`
}

func (s *Server) issueJSON(p *pull) issueJSON {
	repoAPI := s.URL + "/repos/" + p.base.fullName()
	api := repoAPI + "/issues/" + strconv.Itoa(p.number)
	html := webURL + "/" + p.base.fullName() + "/pull/" + strconv.Itoa(p.number)
	out := issueJSON{
		Issue: &github.Issue{
			ID:                github.Int64(p.issueID),
			NodeID:            nodeID("PullRequest", p.id),
			Number:            github.Int(p.number),
			State:             github.String(p.state),
			Locked:            github.Bool(false),
			Title:             github.String(p.title),
			Body:              github.String(p.body),
			AuthorAssociation: github.String(association(p.user, p.base)),
			User:              s.userJSON(p.user),
			Comments:          github.Int(p.visibleIssueComments()),
			CreatedAt:         ts(p.created),
			UpdatedAt:         ts(p.updated),
			URL:               github.String(api),
			HTMLURL:           github.String(html),
			CommentsURL:       github.String(api + "/comments"),
			EventsURL:         github.String(api + "/events"),
			LabelsURL:         github.String(api + "/labels{/name}"),
			RepositoryURL:     github.String(repoAPI),
			Reactions:         &github.Reactions{TotalCount: github.Int(0)},
			Draft:             github.Bool(p.draft),
		},
		Labels:    s.pullLabelsJSON(p),
		Assignees: []*github.User{},
		PullRequest: &pullRequestLinks{
			URL:      s.pullURL(p),
			HTMLURL:  html,
			DiffURL:  html + ".diff",
			PatchURL: html + ".patch",
		},
	}
	if p.state == "closed" {
		out.ClosedAt = ts(p.closedAt)
	}
	if p.merged {
		out.PullRequest.MergedAt = ts(p.mergedAt)
	}
	return out
}

// getIssue is GET /repos/{owner}/{repo}/issues/{n}: a pull request's
// issue.
func (s *Server) getIssue(rq *request) *reply {
	_, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.issueJSON(p))
}
