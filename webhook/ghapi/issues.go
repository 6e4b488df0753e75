package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
)

// Bounds on the lists the exceptions workflow reads, in pages of 100.
const (
	// maxIssueLabelPages: GitHub allows 100 labels on an issue.
	maxIssueLabelPages = 10
	// maxEventPages bounds the issue events read (5000). GitHub lists
	// them oldest first, so past the bound the newest, the ones that
	// matter, would be missing: LabelEvents fails instead.
	maxEventPages = 50
	// maxRepoLabelPages bounds the repository labels EnsureLabels reads;
	// a label it did not see and creates again only earns a harmless 422.
	maxRepoLabelPages = 50
)

// seg escapes one path segment. "." and ".." are escaped too: left as
// they are, resolving the request URL against the API root would drop
// them and the request would go to another endpoint.
func seg(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// repoPath is the path of a repository's endpoint, relative to the API
// root: repoPath(repo, "issues/%d/labels", 12). Strings among args must
// be escaped with seg.
func repoPath(repo pullreq.Repo, format string, args ...any) string {
	return fmt.Sprintf("repos/%s/%s/", seg(repo.Owner), seg(repo.Name)) + fmt.Sprintf(format, args...)
}

// getPages GETs u (a path relative to the API root, with or without a
// query) page by page, 100 a page, at most maxPages pages; more reports
// that pages remained.
func getPages[T any](ctx context.Context, gh *github.Client, maxPages int, u string) ([]T, bool, error) {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return pages(maxPages, func(page int) ([]T, *github.Response, error) {
		req, err := gh.NewRequest(http.MethodGet, fmt.Sprintf("%s%sper_page=%d&page=%d", u, sep, perPage, page), nil)
		if err != nil {
			return nil, nil, err
		}
		var batch []T
		resp, err := gh.Do(ctx, req, &batch)
		return batch, resp, err
	})
}

// send sends one request with a JSON body (nil for none) and decodes the
// answer into out (nil to ignore it).
func (c *Client) send(ctx context.Context, method, u string, body, out any) error {
	req, err := c.gh.NewRequest(method, u, body)
	if err != nil {
		return err
	}
	_, err = c.gh.Do(ctx, req, out)
	return err
}

// hasStatus reports an API error answer with the given status. A token
// request's failure (*ghinstallation.HTTPError) is not one: an
// installation that is gone is no missing user.
func hasStatus(err error, code int) bool {
	var apiErr *github.ErrorResponse
	return errors.As(err, &apiErr) && apiErr.Response != nil && apiErr.Response.StatusCode == code
}

// IssueLabels lists the labels on the pull request.
func (c *Client) IssueLabels(ctx context.Context, repo pullreq.Repo, number int) ([]string, error) {
	op := fmt.Sprintf("listing the labels of %s#%d", repo, number)
	labels, _, err := getPages[*github.Label](ctx, c.gh, maxIssueLabelPages, repoPath(repo, "issues/%d/labels", number))
	if err != nil {
		return nil, classify(op, err)
	}
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		out = append(out, l.GetName())
	}
	return out, nil
}

// LabelEvents lists the labeled and unlabeled events of the pull request,
// oldest first: who put which label on or took it off, and when. More
// than 5000 events of all kinds is an error rather than a list missing
// the latest.
func (c *Client) LabelEvents(ctx context.Context, repo pullreq.Repo, number int) ([]exception.LabelEvent, error) {
	op := fmt.Sprintf("listing the events of %s#%d", repo, number)
	events, more, err := getPages[*github.IssueEvent](ctx, c.gh, maxEventPages, repoPath(repo, "issues/%d/events", number))
	if err != nil {
		return nil, classify(op, err)
	}
	if more {
		return nil, fmt.Errorf("%s: more than %d events", op, maxEventPages*perPage)
	}
	var out []exception.LabelEvent
	for _, e := range events {
		switch e.GetEvent() {
		case "labeled", "unlabeled":
		default:
			continue
		}
		if e.Label == nil {
			continue
		}
		out = append(out, exception.LabelEvent{
			Action: e.GetEvent(),
			Label:  e.Label.GetName(),
			Actor:  e.GetActor().GetLogin(),
			At:     e.GetCreatedAt().Time,
		})
	}
	// GitHub lists them oldest first already; a stable sort keeps the
	// order of events of the same second.
	slices.SortStableFunc(out, func(a, b exception.LabelEvent) int { return a.At.Compare(b.At) })
	return out, nil
}

// PullCommits lists the pull request's commits, oldest first, 100 a page:
// at most GitHub's 250 (exception.MaxPullCommits). When it gets exactly
// that many, it reads the pull request's own count of commits, one more
// request that only a pull request of 250 commits or more costs, to tell
// whether the list was cut short (truncated).
func (c *Client) PullCommits(ctx context.Context, repo pullreq.Repo, number int) ([]exception.Commit, bool, error) {
	op := fmt.Sprintf("listing the commits of %s#%d", repo, number)
	opts := &github.ListOptions{PerPage: perPage}
	maxPages := (exception.MaxPullCommits + perPage - 1) / perPage
	commits, more, err := pages(maxPages, func(page int) ([]*github.RepositoryCommit, *github.Response, error) {
		opts.Page = page
		return c.gh.PullRequests.ListCommits(ctx, repo.Owner, repo.Name, number, opts)
	})
	if err != nil {
		return nil, false, classify(op, err)
	}
	out := make([]exception.Commit, 0, len(commits))
	for _, rc := range commits {
		// author and committer are null when GitHub links the git
		// identity's email to no account: the login is then "".
		out = append(out, exception.Commit{
			SHA:       rc.GetSHA(),
			Author:    rc.GetAuthor().GetLogin(),
			Committer: rc.GetCommitter().GetLogin(),
			Parents:   len(rc.Parents),
		})
	}
	truncated := more
	if !truncated && len(out) >= exception.MaxPullCommits {
		pr, _, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
		if err != nil {
			return nil, false, classify(fmt.Sprintf("%s: reading how many commits it has", op), err)
		}
		truncated = pr.GetCommits() > len(out)
	}
	return out, truncated, nil
}

// Permission returns the user's role on the repository: role_name
// (admin, maintain, write, triage, read, or a custom role's name), or
// permission when GitHub sends no role_name. A user with no access
// ("none") or unknown to GitHub (404) has "", with no error; so has a
// user when the repository itself is out of reach, which GitHub answers
// with the same 404.
func (c *Client) Permission(ctx context.Context, repo pullreq.Repo, user string) (string, error) {
	op := fmt.Sprintf("reading the permission of %s on %s", user, repo)
	if user == "" {
		return "", fmt.Errorf("%s: no user", op)
	}
	var ans struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	if err := c.send(ctx, http.MethodGet, repoPath(repo, "collaborators/%s/permission", seg(user)), nil, &ans); err != nil {
		if hasStatus(err, http.StatusNotFound) {
			return "", nil
		}
		return "", classify(op, err)
	}
	role := ans.RoleName
	if role == "" {
		role = ans.Permission
	}
	if strings.EqualFold(role, "none") {
		return "", nil
	}
	return role, nil
}

// TeamMember reports whether user is an active member of org's team
// teamSlug (a pending invitation is not). GitHub's 404, for a user who is
// not a member (or a team out of reach), is false with no error.
func (c *Client) TeamMember(ctx context.Context, org, teamSlug, user string) (bool, error) {
	op := fmt.Sprintf("reading the membership of %s in team %s/%s", user, org, teamSlug)
	if org == "" || teamSlug == "" || user == "" {
		return false, fmt.Errorf("%s: an organisation, a team and a user are needed", op)
	}
	var ans struct {
		State string `json:"state"`
	}
	u := fmt.Sprintf("orgs/%s/teams/%s/memberships/%s", seg(org), seg(teamSlug), seg(user))
	if err := c.send(ctx, http.MethodGet, u, nil, &ans); err != nil {
		if hasStatus(err, http.StatusNotFound) {
			return false, nil
		}
		return false, classify(op, err)
	}
	return ans.State == "active", nil
}

// EnsureLabels creates the labels the repository lacks: it lists the
// repository's labels once (names compare without case, as GitHub's do)
// and creates each missing one. An existing label is left as it is; one
// created meanwhile by someone else (422 already_exists) is fine.
func (c *Client) EnsureLabels(ctx context.Context, repo pullreq.Repo, labels []exception.LabelSpec) error {
	if len(labels) == 0 {
		return nil
	}
	existing, _, err := getPages[*github.Label](ctx, c.gh, maxRepoLabelPages, repoPath(repo, "labels"))
	if err != nil {
		return classify(fmt.Sprintf("listing the labels of %s", repo), err)
	}
	have := make(map[string]bool, len(existing))
	for _, l := range existing {
		have[strings.ToLower(l.GetName())] = true
	}
	for _, spec := range labels {
		key := strings.ToLower(spec.Name)
		if spec.Name == "" || have[key] {
			continue
		}
		have[key] = true
		body := struct {
			Name        string `json:"name"`
			Color       string `json:"color,omitempty"`
			Description string `json:"description,omitempty"`
		}{spec.Name, strings.TrimPrefix(spec.Color, "#"), spec.Description}
		if err := c.send(ctx, http.MethodPost, repoPath(repo, "labels"), body, nil); err != nil && !alreadyExists(err) {
			return classify(fmt.Sprintf("creating label %q in %s", spec.Name, repo), err)
		}
	}
	return nil
}

// alreadyExists tells GitHub's 422 for a resource that exists.
func alreadyExists(err error) bool {
	var apiErr *github.ErrorResponse
	if !errors.As(err, &apiErr) || apiErr.Response == nil || apiErr.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range apiErr.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}

// AddLabels puts labels on the pull request (GitHub creates a label the
// repository lacks, with a default colour). No labels sends nothing.
func (c *Client) AddLabels(ctx context.Context, repo pullreq.Repo, number int, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	body := struct {
		Labels []string `json:"labels"`
	}{labels}
	if err := c.send(ctx, http.MethodPost, repoPath(repo, "issues/%d/labels", number), body, nil); err != nil {
		return classify(fmt.Sprintf("adding labels %q to %s#%d", labels, repo, number), err)
	}
	return nil
}

// RemoveLabel takes a label off the pull request; a label that is not
// there (404) is not an error. The name is one escaped path segment, so
// "mountguard: allow docker-socket" or "area/db" reach GitHub whole.
func (c *Client) RemoveLabel(ctx context.Context, repo pullreq.Repo, number int, label string) error {
	op := fmt.Sprintf("removing label %q from %s#%d", label, repo, number)
	if label == "" {
		// DELETE issues/{n}/labels would remove every label.
		return fmt.Errorf("%s: no label name", op)
	}
	if err := c.send(ctx, http.MethodDelete, repoPath(repo, "issues/%d/labels/%s", number, seg(label)), nil, nil); err != nil {
		if hasStatus(err, http.StatusNotFound) {
			return nil
		}
		return classify(op, err)
	}
	return nil
}

// issueComment adds to go-github's comment the field it lacks.
type issueComment struct {
	github.IssueComment
	PerformedViaGithubApp *github.App `json:"performed_via_github_app,omitempty"`
}

// IssueComments lists the pull request's conversation comments, 100 a
// page, with ByApp as ReviewComments sets it: performed_via_github_app's
// id for an installation client, else the author's login compared with
// the App's bot (for a token client, "<TokenOptions.AppSlug>[bot]").
// More than 5000 comments is an error rather than a list that may miss
// the App's own.
func (c *Client) IssueComments(ctx context.Context, repo pullreq.Repo, number int) ([]exception.IssueComment, error) {
	op := fmt.Sprintf("listing the comments of %s#%d", repo, number)
	bot, err := c.botLogin(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	comments, more, err := getPages[*issueComment](ctx, c.gh, maxCommentPages, repoPath(repo, "issues/%d/comments", number))
	if err != nil {
		return nil, classify(op, err)
	}
	if more {
		return nil, fmt.Errorf("%s: more than %d comments", op, maxCommentPages*perPage)
	}
	out := make([]exception.IssueComment, 0, len(comments))
	for _, ic := range comments {
		out = append(out, exception.IssueComment{
			ID:    ic.GetID(),
			Body:  ic.GetBody(),
			ByApp: c.byApp(ic.GetUser().GetLogin(), ic.PerformedViaGithubApp, bot),
		})
	}
	return out, nil
}

type commentBody struct {
	Body string `json:"body"`
}

// CreateIssueComment posts a conversation comment on the pull request and
// returns its id.
func (c *Client) CreateIssueComment(ctx context.Context, repo pullreq.Repo, number int, body string) (int64, error) {
	op := fmt.Sprintf("commenting on %s#%d", repo, number)
	var created github.IssueComment
	if err := c.send(ctx, http.MethodPost, repoPath(repo, "issues/%d/comments", number), commentBody{body}, &created); err != nil {
		return 0, classify(op, err)
	}
	if created.GetID() == 0 {
		return 0, fmt.Errorf("%s: GitHub's answer has no comment id", op)
	}
	return created.GetID(), nil
}

// EditIssueComment replaces a conversation comment's body. A comment
// deleted meanwhile gives an error wrapping fs.ErrNotExist.
func (c *Client) EditIssueComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error {
	if err := c.send(ctx, http.MethodPatch, repoPath(repo, "issues/comments/%d", id), commentBody{body}, nil); err != nil {
		return classify(fmt.Sprintf("editing comment %d in %s", id, repo), err)
	}
	return nil
}

// RequestTeamReview asks a team of the repository's organisation to
// review the pull request. GitHub's 422 (a team without access to the
// repository, a repository owned by a user) wraps
// pullreq.ErrUnprocessable.
func (c *Client) RequestTeamReview(ctx context.Context, repo pullreq.Repo, number int, teamSlug string) error {
	op := fmt.Sprintf("requesting a review of %s#%d from team %q", repo, number, teamSlug)
	if teamSlug == "" {
		return fmt.Errorf("%s: no team", op)
	}
	body := struct {
		TeamReviewers []string `json:"team_reviewers"`
	}{[]string{teamSlug}}
	if err := c.send(ctx, http.MethodPost, repoPath(repo, "pulls/%d/requested_reviewers", number), body, nil); err != nil {
		return classify(op, err)
	}
	return nil
}
