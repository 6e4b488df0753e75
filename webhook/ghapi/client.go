package ghapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/checks"
	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
)

var (
	_ pullreq.GitHub   = (*Client)(nil)
	_ checks.API       = (*Client)(nil)
	_ exception.GitHub = (*Client)(nil)
)

// GitHub's limits on what this package reads.
const (
	// MaxPullRequestFiles: "The response includes a maximum of 3000
	// files" (list pull request files).
	MaxPullRequestFiles = 3000
	// maxContentsSize: the contents API serves files up to 100 MB, the
	// ones over 1 MB only with the raw media type.
	maxContentsSize = 100 << 20
	perPage         = 100
	// maxCommentPages bounds the review comments read (5000). Past it
	// ReviewComments fails rather than miss comments of the App and post
	// them again.
	maxCommentPages = 50
	// maxOpenPullPages bounds the open pull requests searched for a head
	// SHA: the 1000 most recently updated.
	maxOpenPullPages = 10
	// rawMediaType makes the contents API answer with the file itself.
	rawMediaType = "application/vnd.github.raw"
)

// Client is one installation's access to GitHub's REST API, or a
// token's. Get it from Apps.Installation or NewTokenClient; it is safe for
// concurrent use.
type Client struct {
	// apps is nil for a token client.
	apps         *Apps
	installation int64
	gh           *github.Client
	// rt is the transport stack under gh, for the short-lived go-github
	// clients of SearchPullRequests.
	rt http.RoundTripper
	// slug is the App whose comments are ByApp, for a token client (an
	// installation client asks apps).
	slug string
	now  func() time.Time
}

// InstallationID is the installation the Client acts as; 0 for a token
// client.
func (c *Client) InstallationID() int64 { return c.installation }

// botLogin is the login of the bot user whose comments are ByApp:
// the App's own for an installation client, "<TokenOptions.AppSlug>[bot]"
// for a token client.
func (c *Client) botLogin(ctx context.Context) (string, error) {
	if c.apps != nil {
		return c.apps.BotLogin(ctx)
	}
	return c.slug + "[bot]", nil
}

// byApp tells the App's comments: by performed_via_github_app when GitHub
// sends it and the App's id is known, else by the author's login.
func (c *Client) byApp(login string, app *github.App, bot string) bool {
	if c.apps != nil && app != nil && app.GetID() != 0 {
		return app.GetID() == c.apps.appID
	}
	return strings.EqualFold(login, bot)
}

// PullRequest reads a pull request.
func (c *Client) PullRequest(ctx context.Context, repo pullreq.Repo, number int) (pullreq.PullRequest, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return pullreq.PullRequest{}, classify(fmt.Sprintf("reading pull request %s#%d", repo, number), err)
	}
	return toPullRequest(repo, pr), nil
}

func toPullRequest(repo pullreq.Repo, pr *github.PullRequest) pullreq.PullRequest {
	return pullreq.PullRequest{
		Repo:    repo,
		Number:  pr.GetNumber(),
		HeadSHA: pr.GetHead().GetSHA(),
		BaseSHA: pr.GetBase().GetSHA(),
		BaseRef: pr.GetBase().GetRef(),
		Author:  pr.GetUser().GetLogin(),
	}
}

// PullRequestsForCommit returns the open pull requests of repo whose head
// is sha. GitHub's commits/{sha}/pulls leaves out pull requests from
// forks, which are the very ones whose check events carry no pull request,
// so the open pull requests are listed instead, most recently updated
// first, at most maxOpenPullPages pages of them.
func (c *Client) PullRequestsForCommit(ctx context.Context, repo pullreq.Repo, sha string) ([]pullreq.PullRequest, error) {
	op := fmt.Sprintf("finding the open pull requests of %s with head %.12s", repo, sha)
	opts := &github.PullRequestListOptions{
		State: "open", Sort: "updated", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: perPage},
	}
	prs, _, err := pages(maxOpenPullPages, func(page int) ([]*github.PullRequest, *github.Response, error) {
		opts.Page = page
		return c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, opts)
	})
	if err != nil {
		return nil, classify(op, err)
	}
	var out []pullreq.PullRequest
	for _, pr := range prs {
		if strings.EqualFold(pr.GetHead().GetSHA(), sha) {
			out = append(out, toPullRequest(repo, pr))
		}
	}
	return out, nil
}

// PullRequestFiles lists the pull request's files, 100 a page, up to
// GitHub's 3000.
func (c *Client) PullRequestFiles(ctx context.Context, pr pullreq.PullRequest) ([]pullreq.File, error) {
	op := fmt.Sprintf("listing files of %s#%d", pr.Repo, pr.Number)
	opts := &github.ListOptions{PerPage: perPage}
	files, _, err := pages(MaxPullRequestFiles/perPage, func(page int) ([]*github.CommitFile, *github.Response, error) {
		opts.Page = page
		return c.gh.PullRequests.ListFiles(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, opts)
	})
	if err != nil {
		return nil, classify(op, err)
	}
	out := make([]pullreq.File, 0, len(files))
	for _, f := range files {
		out = append(out, pullreq.File{
			Path:         f.GetFilename(),
			PreviousPath: f.GetPreviousFilename(),
			Status:       f.GetStatus(),
			Patch:        f.GetPatch(),
		})
	}
	if len(out) > MaxPullRequestFiles {
		out = out[:MaxPullRequestFiles]
	}
	return out, nil
}

// Contents reads a file at ref (a SHA or a branch; "" is the default
// branch). Files up to 1 MB come base64-encoded in the JSON answer;
// larger ones come with an empty content and encoding "none", and are
// fetched again with the raw media type. A file over maxSize is not
// downloaded: its size is returned with nil data. maxSize <= 0 means no
// limit but GitHub's 100 MB.
func (c *Client) Contents(ctx context.Context, repo pullreq.Repo, path, ref string, maxSize int64) ([]byte, int64, error) {
	at := ref
	if at == "" {
		at = "the default branch"
	}
	op := fmt.Sprintf("reading %s in %s at %s", path, repo, at)
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			// url.URL.Parse would resolve the dots and send the request
			// to another endpoint; no file of a git tree has such a path.
			return nil, 0, fmt.Errorf("%s: %w: a path with a . or .. segment", op, fs.ErrNotExist)
		}
	}
	u := contentsURL(repo, path, ref)
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	// go-github's GetContents is not used: it refuses any path containing
	// "..", even a file named "a..yml", and cannot ask for the raw media
	// type.
	var raw json.RawMessage
	if _, err := c.gh.Do(ctx, req, &raw); err != nil {
		return nil, 0, classify(op, err)
	}
	if trimmed := bytes.TrimLeft(raw, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, 0, fmt.Errorf("%s: %w", op, pullreq.ErrIsDir)
	}
	var file github.RepositoryContent
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, 0, fmt.Errorf("%s: decoding GitHub's answer: %w", op, err)
	}
	switch file.GetType() {
	case "file":
	case "dir":
		return nil, 0, fmt.Errorf("%s: %w", op, pullreq.ErrIsDir)
	case "symlink":
		// GitHub follows a symlink to a file of the repository; this one
		// points elsewhere.
		return nil, 0, fmt.Errorf("%s: a symlink to %q, outside the repository's files", op, file.GetTarget())
	default:
		return nil, 0, fmt.Errorf("%s: a %s, not a file", op, file.GetType())
	}
	size := int64(file.GetSize())
	limit := int64(maxContentsSize)
	if maxSize > 0 {
		limit = min(maxSize, limit)
	}
	if size > limit {
		return nil, size, nil
	}
	var content string
	if file.Content != nil {
		content = *file.Content
	}
	if file.GetEncoding() == "none" || (content == "" && size > 0) {
		data, n, err := c.rawContents(ctx, u, limit)
		if err != nil {
			return nil, 0, classify(op, err)
		}
		if data == nil {
			// The file grew between the two requests (ref is a branch).
			return nil, n, nil
		}
		return data, int64(len(data)), nil
	}
	if enc := file.GetEncoding(); enc != "base64" && enc != "" {
		return nil, 0, fmt.Errorf("%s: unexpected content encoding %q", op, enc)
	}
	data, err := base64.StdEncoding.DecodeString(content) // GitHub's line breaks are skipped
	if err != nil {
		return nil, 0, fmt.Errorf("%s: decoding the content: %w", op, err)
	}
	return data, int64(len(data)), nil
}

// rawContents fetches a file with the raw media type, reading at most
// limit bytes: past that it returns nil data and the bytes seen.
func (c *Client) rawContents(ctx context.Context, u string, limit int64) ([]byte, int64, error) {
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", rawMediaType)
	resp, err := c.gh.BareDo(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(data)) > limit {
		return nil, int64(len(data)), nil
	}
	return data, int64(len(data)), nil
}

// contentsURL is the contents API path of a file, each segment escaped.
func contentsURL(repo pullreq.Repo, path, ref string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s", url.PathEscape(repo.Owner), url.PathEscape(repo.Name), strings.Join(segs, "/"))
	if ref != "" {
		u += "?ref=" + url.QueryEscape(ref)
	}
	return u
}

// reviewComment adds to go-github's comment the field it lacks.
type reviewComment struct {
	github.PullRequestComment
	PerformedViaGithubApp *github.App `json:"performed_via_github_app,omitempty"`
}

// ReviewComments lists the review comments of the pull request, 100 a
// page.
//
// ByApp compares the author's login with the App's bot login,
// "<slug>[bot]" (the slug from GET /app, fetched once; for a token client,
// TokenOptions.AppSlug). The App id would
// be sturdier, but GitHub's review comments do not carry
// performed_via_github_app (issue comments do; go-github v60's
// PullRequestComment has no such field): when one does, its id decides.
func (c *Client) ReviewComments(ctx context.Context, pr pullreq.PullRequest) ([]pullreq.Comment, error) {
	op := fmt.Sprintf("listing review comments of %s#%d", pr.Repo, pr.Number)
	bot, err := c.botLogin(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	comments, more, err := pages(maxCommentPages, func(page int) ([]*reviewComment, *github.Response, error) {
		u := fmt.Sprintf("repos/%s/%s/pulls/%d/comments?per_page=%d&page=%d",
			url.PathEscape(pr.Repo.Owner), url.PathEscape(pr.Repo.Name), pr.Number, perPage, page)
		req, err := c.gh.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, nil, err
		}
		var comments []*reviewComment
		resp, err := c.gh.Do(ctx, req, &comments)
		return comments, resp, err
	})
	if err != nil {
		return nil, classify(op, err)
	}
	if more {
		// A review that misses some of its own markers would comment
		// again: better to fail than to duplicate.
		return nil, fmt.Errorf("%s: more than %d comments", op, maxCommentPages*perPage)
	}
	out := make([]pullreq.Comment, 0, len(comments))
	for _, rc := range comments {
		out = append(out, pullreq.Comment{
			ID:    rc.GetID(),
			Path:  rc.GetPath(),
			Line:  rc.GetLine(), // null once the comment is outdated
			Body:  rc.GetBody(),
			ByApp: c.byApp(rc.GetUser().GetLogin(), rc.PerformedViaGithubApp, bot),
		})
	}
	return out, nil
}

// Reviews lists the pull request's reviews. A review has no
// performed_via_github_app field, so the App's own are recognised by their
// author, the App's bot user.
func (c *Client) Reviews(ctx context.Context, pr pullreq.PullRequest) ([]pullreq.Comment, error) {
	op := fmt.Sprintf("listing reviews of %s#%d", pr.Repo, pr.Number)
	bot, err := c.botLogin(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	reviews, more, err := pages(maxCommentPages, func(page int) ([]*github.PullRequestReview, *github.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, &github.ListOptions{Page: page, PerPage: perPage})
	})
	if err != nil {
		return nil, classify(op, err)
	}
	if more {
		return nil, fmt.Errorf("%s: more than %d reviews", op, maxCommentPages*perPage)
	}
	out := make([]pullreq.Comment, 0, len(reviews))
	for _, r := range reviews {
		out = append(out, pullreq.Comment{
			ID:    r.GetID(),
			Body:  r.GetBody(),
			ByApp: strings.EqualFold(r.GetUser().GetLogin(), bot),
		})
	}
	return out, nil
}

// pages fetches page 1, 2, ... as GitHub's Link header says, at most
// maxPages of them; more reports that pages remained. A next page that does
// not move on ends the walk rather than loop for ever.
func pages[T any](maxPages int, fetch func(page int) ([]T, *github.Response, error)) (items []T, more bool, err error) {
	for page := 1; ; {
		batch, resp, err := fetch(page)
		if err != nil {
			return nil, false, err
		}
		items = append(items, batch...)
		if resp == nil || resp.NextPage <= page || len(batch) == 0 {
			return items, false, nil
		}
		if page >= maxPages {
			return items, true, nil
		}
		page = resp.NextPage
	}
}

// CreateReview posts one review. Comments sit on the new side (RIGHT) of
// the diff; start_line and start_side are sent only for a range, as GitHub
// asks.
func (c *Client) CreateReview(ctx context.Context, pr pullreq.PullRequest, r pullreq.Review) error {
	event := r.Event
	if event == "" {
		// Without an event GitHub leaves the review PENDING, seen by no
		// one but the App.
		event = "COMMENT"
	}
	req := &github.PullRequestReviewRequest{Event: github.String(event)}
	if r.CommitID != "" {
		req.CommitID = github.String(r.CommitID)
	}
	if r.Body != "" {
		req.Body = github.String(r.Body)
	}
	for _, rc := range r.Comments {
		dc := &github.DraftReviewComment{
			Path: github.String(rc.Path),
			Body: github.String(rc.Body),
			Line: github.Int(rc.Line),
			Side: github.String("RIGHT"),
		}
		if rc.StartLine > 0 && rc.StartLine != rc.Line {
			dc.StartLine = github.Int(rc.StartLine)
			dc.StartSide = github.String("RIGHT")
		}
		req.Comments = append(req.Comments, dc)
	}
	if _, _, err := c.gh.PullRequests.CreateReview(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, req); err != nil {
		return classify(fmt.Sprintf("creating a review on %s#%d", pr.Repo, pr.Number), err)
	}
	return nil
}

// EditComment replaces the body of a review comment. A comment deleted
// meanwhile gives an error wrapping fs.ErrNotExist.
func (c *Client) EditComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error {
	_, _, err := c.gh.PullRequests.EditComment(ctx, repo.Owner, repo.Name, id, &github.PullRequestComment{Body: github.String(body)})
	if err != nil {
		return classify(fmt.Sprintf("editing review comment %d in %s", id, repo), err)
	}
	return nil
}

// Tree lists the paths of the files (blobs) at a commit, recursively.
// truncated is GitHub's: it cuts the list of a very large tree short.
func (c *Client) Tree(ctx context.Context, repo pullreq.Repo, sha string) ([]string, bool, error) {
	tree, _, err := c.gh.Git.GetTree(ctx, repo.Owner, repo.Name, sha, true)
	if err != nil {
		return nil, false, classify(fmt.Sprintf("listing the files of %s at %.12s", repo, sha), err)
	}
	var paths []string
	for _, e := range tree.Entries {
		if e.GetType() == "blob" {
			paths = append(paths, e.GetPath())
		}
	}
	return paths, tree.GetTruncated(), nil
}
