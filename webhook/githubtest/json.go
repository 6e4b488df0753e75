package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Responses are built from go-github's types so that field names and
// shapes are GitHub's own; URLs point at the fake where GitHub's point at
// api.github.com, and at github.com where GitHub's do.

const webURL = "https://github.com"

func ts(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t}
}

// nodeID mimics GitHub's global IDs, which clients treat as opaque.
func nodeID(kind string, id int64) *string {
	return github.String(base64.RawStdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(kind), kind, id))))
}

// escapePath escapes a file path for a URL, keeping its slashes.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func (s *Server) userJSON(a *account) *github.User {
	if a == nil {
		return nil
	}
	u := &github.User{
		Login:     github.String(a.login),
		ID:        github.Int64(a.id),
		NodeID:    nodeID(a.kind, a.id),
		Type:      github.String(a.kind),
		SiteAdmin: github.Bool(false),
		URL:       github.String(s.URL + "/users/" + url.PathEscape(a.login)),
		HTMLURL:   github.String(webURL + "/" + a.login),
		AvatarURL: github.String(fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", a.id)),
	}
	if a.kind == "Bot" {
		u.HTMLURL = github.String(webURL + "/apps/" + strings.TrimSuffix(a.login, "[bot]"))
	}
	return u
}

func (s *Server) repoJSON(r *repo) *github.Repository {
	api := s.URL + "/repos/" + r.fullName()
	vis := "public"
	if r.private {
		vis = "private"
	}
	return &github.Repository{
		ID:            github.Int64(r.id),
		NodeID:        nodeID("Repository", r.id),
		Owner:         s.userJSON(r.owner),
		Name:          github.String(r.name),
		FullName:      github.String(r.fullName()),
		Private:       github.Bool(r.private),
		Visibility:    github.String(vis),
		Fork:          github.Bool(false),
		Archived:      github.Bool(false),
		Disabled:      github.Bool(false),
		HTMLURL:       github.String(webURL + "/" + r.fullName()),
		URL:           github.String(api),
		PullsURL:      github.String(api + "/pulls{/number}"),
		ContentsURL:   github.String(api + "/contents/{+path}"),
		DefaultBranch: github.String(r.defaultBranch),
		CreatedAt:     ts(r.created),
		UpdatedAt:     ts(r.created),
		PushedAt:      ts(r.created),
	}
}

func (s *Server) pullURL(p *pull) string {
	return s.URL + "/repos/" + p.base.fullName() + "/pulls/" + strconv.Itoa(p.number)
}

func (s *Server) pullJSON(p *pull) *github.PullRequest {
	api := s.pullURL(p)
	html := webURL + "/" + p.base.fullName() + "/pull/" + strconv.Itoa(p.number)
	issue := s.URL + "/repos/" + p.base.fullName() + "/issues/" + strconv.Itoa(p.number)
	adds, dels := 0, 0
	for _, f := range p.files {
		adds += f.additions
		dels += f.deletions
	}
	reviewComments := 0
	for _, c := range p.comments {
		if c.visible() {
			reviewComments++
		}
	}
	pr := &github.PullRequest{
		ID:                  github.Int64(p.id),
		NodeID:              nodeID("PullRequest", p.id),
		Number:              github.Int(p.number),
		State:               github.String(p.state),
		Locked:              github.Bool(false),
		Title:               github.String(p.title),
		Body:                github.String(p.body),
		User:                s.userJSON(p.user),
		Draft:               github.Bool(p.draft),
		Merged:              github.Bool(p.merged),
		MergeableState:      github.String("unknown"),
		Comments:            github.Int(p.visibleIssueComments()),
		ReviewComments:      github.Int(reviewComments),
		Commits:             github.Int(s.pullCommitCount(p)),
		Additions:           github.Int(adds),
		Deletions:           github.Int(dels),
		ChangedFiles:        github.Int(len(p.files)),
		MaintainerCanModify: github.Bool(false),
		AuthorAssociation:   github.String(association(p.user, p.base)),
		URL:                 github.String(api),
		HTMLURL:             github.String(html),
		DiffURL:             github.String(html + ".diff"),
		PatchURL:            github.String(html + ".patch"),
		IssueURL:            github.String(issue),
		CommitsURL:          github.String(api + "/commits"),
		ReviewCommentsURL:   github.String(api + "/comments"),
		ReviewCommentURL:    github.String(s.URL + "/repos/" + p.base.fullName() + "/pulls/comments{/number}"),
		CommentsURL:         github.String(issue + "/comments"),
		StatusesURL:         github.String(s.URL + "/repos/" + p.base.fullName() + "/statuses/" + p.headSHA),
		CreatedAt:           ts(p.created),
		UpdatedAt:           ts(p.updated),
		Labels:              s.pullLabelsJSON(p),
		Assignees:           []*github.User{},
		RequestedReviewers:  []*github.User{},
		RequestedTeams:      []*github.Team{},
		Head:                s.branchJSON(p.head, p.headRef, p.headSHA),
		Base:                s.branchJSON(p.base, p.baseRef, p.baseSHA),
	}
	for _, a := range p.requestedUsers {
		pr.RequestedReviewers = append(pr.RequestedReviewers, s.userJSON(a))
	}
	for _, t := range p.requestedTeams {
		pr.RequestedTeams = append(pr.RequestedTeams, s.teamJSON(t))
	}
	if p.state == "closed" {
		pr.ClosedAt = ts(p.closedAt)
	}
	if p.merged {
		pr.MergedAt = ts(p.mergedAt)
		pr.MergedBy = s.userJSON(p.mergedBy)
		pr.MergeCommitSHA = github.String(p.mergeSHA)
	}
	return pr
}

// pullOutJSON is a pull request as the API sends it: go-github's type
// drops empty arrays and nulls, which GitHub sends.
type pullOutJSON struct {
	*github.PullRequest
	Labels             []*github.Label   `json:"labels"`
	Assignees          []*github.User    `json:"assignees"`
	RequestedReviewers []*github.User    `json:"requested_reviewers"`
	RequestedTeams     []*github.Team    `json:"requested_teams"`
	ClosedAt           *github.Timestamp `json:"closed_at"`
	MergedAt           *github.Timestamp `json:"merged_at"`
	MergedBy           *github.User      `json:"merged_by"`
	MergeCommitSHA     *string           `json:"merge_commit_sha"`
}

func (s *Server) pullOut(p *pull) pullOutJSON {
	pr := s.pullJSON(p)
	return pullOutJSON{
		PullRequest: pr, Labels: pr.Labels, Assignees: pr.Assignees,
		RequestedReviewers: pr.RequestedReviewers, RequestedTeams: pr.RequestedTeams,
		ClosedAt: pr.ClosedAt, MergedAt: pr.MergedAt, MergedBy: pr.MergedBy, MergeCommitSHA: pr.MergeCommitSHA,
	}
}

func (s *Server) branchJSON(r *repo, ref, sha string) *github.PullRequestBranch {
	return &github.PullRequestBranch{
		Label: github.String(r.owner.login + ":" + ref),
		Ref:   github.String(ref),
		SHA:   github.String(sha),
		User:  s.userJSON(r.owner),
		Repo:  s.repoJSON(r),
	}
}

// association is the author_association GitHub reports: OWNER, MEMBER
// of the owning organisation, COLLABORATOR with a direct role, NONE for a
// bot, else CONTRIBUTOR.
func association(a *account, r *repo) string {
	login := strings.ToLower(a.login)
	switch {
	case strings.EqualFold(a.login, r.owner.login):
		return "OWNER"
	case a.kind == "Bot":
		return "NONE"
	case r.owner.members[login]:
		return "MEMBER"
	}
	if _, ok := r.collaborators[login]; ok {
		return "COLLABORATOR"
	}
	return "CONTRIBUTOR"
}

func (s *Server) appJSON() *github.App {
	a := s.app
	return &github.App{
		ID:          github.Int64(a.id),
		Slug:        github.String(a.slug),
		NodeID:      nodeID("Integration", a.id),
		Name:        github.String(a.name),
		Owner:       s.userJSON(a.owner),
		HTMLURL:     github.String(webURL + "/apps/" + a.slug),
		ExternalURL: github.String("https://example.com/" + a.slug),
		Permissions: appPermissions(),
		Events:      []string{"check_run", "check_suite", "pull_request"},
		CreatedAt:   ts(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		UpdatedAt:   ts(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// appPermissions are the permissions mountguard's manifest asks for.
func appPermissions() *github.InstallationPermissions {
	return &github.InstallationPermissions{
		Checks:       github.String("write"),
		PullRequests: github.String("write"),
		Contents:     github.String("read"),
		Metadata:     github.String("read"),
		Members:      github.String("read"),
	}
}

func (s *Server) installationJSON(in *installation) *github.Installation {
	sel := "all"
	if in.repos != nil {
		sel = "selected"
	}
	return &github.Installation{
		ID:                  github.Int64(in.id),
		NodeID:              nodeID("Installation", in.id),
		AppID:               github.Int64(s.app.id),
		AppSlug:             github.String(s.app.slug),
		TargetID:            github.Int64(in.account.id),
		TargetType:          github.String(in.account.kind),
		Account:             s.userJSON(in.account),
		RepositorySelection: github.String(sel),
		AccessTokensURL:     github.String(fmt.Sprintf("%s/app/installations/%d/access_tokens", s.URL, in.id)),
		RepositoriesURL:     github.String(s.URL + "/installation/repositories"),
		HTMLURL:             github.String(fmt.Sprintf("%s/settings/installations/%d", webURL, in.id)),
		Permissions:         appPermissions(),
		Events:              []string{"check_run", "check_suite", "pull_request"},
		CreatedAt:           ts(in.created),
		UpdatedAt:           ts(in.created),
	}
}
