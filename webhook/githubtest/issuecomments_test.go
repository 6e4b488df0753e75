package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestIssueComments(t *testing.T) {
	f, _ := reviewFixture(t)
	body := "<!-- mountguard:exception-record -->\n**Exception record**"
	c, resp, err := f.client.Issues.CreateComment(ctx, owner, repoName, 1, &github.IssueComment{Body: github.String(body)})
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(err)
	}
	u := c.GetUser()
	if c.GetBody() != body || u.GetLogin() != "mountguard[bot]" || u.GetType() != "Bot" || c.GetAuthorAssociation() != "NONE" ||
		c.GetHTMLURL() != fmt.Sprintf("https://github.com/octo/shop/pull/1#issuecomment-%d", c.GetID()) ||
		c.GetIssueURL() != f.gh.URL+"/repos/octo/shop/issues/1" || c.GetURL() != fmt.Sprintf("%s/repos/octo/shop/issues/comments/%d", f.gh.URL, c.GetID()) {
		t.Errorf("comment %+v", c)
	}
	// performed_via_github_app names the App; null for a person.
	var raw struct {
		App *struct {
			ID int64 `json:"id"`
		} `json:"performed_via_github_app"`
	}
	decodeRaw(t, f.client, fmt.Sprintf("repos/octo/shop/issues/comments/%d", c.GetID()), &raw)
	if raw.App == nil || raw.App.ID != appID {
		t.Errorf("performed_via_github_app %+v", raw.App)
	}
	personID, err := f.gh.AddIssueComment(owner, repoName, 1, "lead", "LGTM, excepted.")
	f.must(err)
	_, rawBody := rawGet(t, f.client, fmt.Sprintf("repos/octo/shop/issues/comments/%d", personID), http.Header{})
	if !strings.Contains(string(rawBody), `"performed_via_github_app":null`) {
		t.Errorf("a person's comment: %s", rawBody)
	}

	// Edit, then list: two comments, oldest first, the edit applied.
	edited, _, err := f.client.Issues.EditComment(ctx, owner, repoName, c.GetID(), &github.IssueComment{Body: github.String(body + " (edited)")})
	if err != nil || edited.GetBody() != body+" (edited)" {
		t.Fatal(edited, err)
	}
	list, _, err := f.client.Issues.ListComments(ctx, owner, repoName, 1, nil)
	if err != nil || len(list) != 2 || list[0].GetID() != c.GetID() || list[1].GetUser().GetLogin() != "lead" {
		t.Fatalf("list: %v, %v", list, err)
	}
	rb := f.gh.IssueComments(owner, repoName, 1)
	if len(rb) != 2 || rb[0].AppID != appID || rb[1].AppID != 0 || rb[0].GetBody() != body+" (edited)" {
		t.Errorf("readback %+v", rb)
	}
	pr, _, _ := f.client.PullRequests.Get(ctx, owner, repoName, 1)
	if pr.GetComments() != 2 {
		t.Errorf("pull request comments %d, want 2", pr.GetComments())
	}

	// Delete.
	if resp, err := f.client.Issues.DeleteComment(ctx, owner, repoName, personID); err != nil || resp.StatusCode != 204 {
		t.Fatal(err)
	}
	_, _, err = f.client.Issues.GetComment(ctx, owner, repoName, personID)
	wantAPIError(t, err, 404)
	_, _, err = f.client.Issues.EditComment(ctx, owner, repoName, personID, &github.IssueComment{Body: github.String("x")})
	wantAPIError(t, err, 404)
	if n := len(f.gh.IssueComments(owner, repoName, 1)); n != 1 {
		t.Errorf("%d comments after the delete", n)
	}
	if n := f.gh.Count("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"); n != 2 {
		t.Errorf("%d edits recorded", n)
	}
}

func TestIssueCommentLimits(t *testing.T) {
	f, _ := reviewFixture(t)
	// 65,536 characters (four-byte ones: GitHub's byte cap too) pass.
	if _, _, err := f.client.Issues.CreateComment(ctx, owner, repoName, 1, &github.IssueComment{Body: github.String(strings.Repeat("🐳", maxBodyChars))}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.client.Issues.CreateComment(ctx, owner, repoName, 1, &github.IssueComment{Body: github.String(strings.Repeat("a", maxBodyChars+1))})
	er := wantAPIError(t, err, 422)
	if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Resource != "IssueComment" || er.Errors[0].Code != "unprocessable" ||
		er.Errors[0].Field != "data" || er.Errors[0].Message != "Body is too long (maximum is 65536 characters)" || er.DocumentationURL != docCreateIssueComment {
		t.Errorf("too long: %+v %q", er.Errors, er.DocumentationURL)
	}
	id := f.gh.IssueComments(owner, repoName, 1)[0].GetID()
	_, _, err = f.client.Issues.EditComment(ctx, owner, repoName, id, &github.IssueComment{Body: github.String(strings.Repeat("a", maxBodyChars+1))})
	wantAPIError(t, err, 422)
	_, _, err = f.client.Issues.CreateComment(ctx, owner, repoName, 1, &github.IssueComment{Body: github.String("")})
	if er := wantAPIError(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Code != "missing_field" {
		t.Errorf("empty body: %+v", er.Errors)
	}
	_, _, err = f.client.Issues.CreateComment(ctx, owner, repoName, 1, &github.IssueComment{})
	if er := wantAPIError(t, err, 422); er.Message != "Invalid request.\n\n\"body\" wasn't supplied." {
		t.Errorf("no body: %q", er.Message)
	}
	_, _, err = f.client.Issues.CreateComment(ctx, owner, repoName, 2, &github.IssueComment{Body: github.String("x")})
	wantAPIError(t, err, 404)
}

// TestIssueCommentsPagination lists 65 comments 30 at a time.
func TestIssueCommentsPagination(t *testing.T) {
	f, _ := reviewFixture(t)
	for i := 0; i < 65; i++ {
		_, err := f.gh.AddIssueComment(owner, repoName, 1, "someone", fmt.Sprint("comment ", i))
		f.must(err)
	}
	var all []*github.IssueComment
	opts := &github.IssueListCommentsOptions{}
	pages := 0
	for {
		page, resp, err := f.client.Issues.ListComments(ctx, owner, repoName, 1, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(all) != 65 || pages != 3 || all[64].GetBody() != "comment 64" {
		t.Errorf("%d comments in %d pages", len(all), pages)
	}
}

// TestPullRequestState closes, merges and reopens pull requests; GET,
// the list and the events follow.
func TestPullRequestState(t *testing.T) {
	f := newOrgFixture(t)
	for n := 1; n <= 3; n++ {
		f.openPR(org, "api", n, "dev")
	}
	f.must(f.gh.MergePullRequest(org, "api", 1, "lead"))
	f.must(f.gh.ClosePullRequest(org, "api", 2, ""))
	if err := f.gh.MergePullRequest(org, "api", 2, ""); err == nil {
		t.Error("merged a closed pull request")
	}
	if err := f.gh.ReopenPullRequest(org, "api", 1, ""); err == nil {
		t.Error("reopened a merged pull request")
	}

	pr, _, err := f.client.PullRequests.Get(ctx, org, "api", 1)
	if err != nil || pr.GetState() != "closed" || !pr.GetMerged() || pr.MergedAt == nil || pr.ClosedAt == nil || pr.GetMergedBy().GetLogin() != "lead" || len(pr.GetMergeCommitSHA()) != 40 {
		t.Errorf("merged: %s merged=%v at %v by %s", pr.GetState(), pr.GetMerged(), pr.MergedAt, pr.GetMergedBy().GetLogin())
	}
	pr, _, _ = f.client.PullRequests.Get(ctx, org, "api", 2)
	if pr.GetState() != "closed" || pr.GetMerged() || pr.ClosedAt == nil || pr.MergedAt != nil {
		t.Errorf("closed: %s merged=%v", pr.GetState(), pr.GetMerged())
	}
	var raw map[string]any
	decodeRaw(t, f.client, "repos/acme/api/pulls/3", &raw)
	for _, k := range []string{"merged_at", "closed_at", "merged_by", "merge_commit_sha"} {
		if v, ok := raw[k]; !ok || v != nil {
			t.Errorf("open pull request: %s = %v, want null", k, v)
		}
	}
	list := func(state string) string {
		prs, _, err := f.client.PullRequests.List(ctx, org, "api", &github.PullRequestListOptions{State: state, Direction: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		var n []int
		for _, p := range prs {
			n = append(n, p.GetNumber())
		}
		return fmt.Sprint(n)
	}
	if list("open") != "[3]" || list("closed") != "[1 2]" {
		t.Errorf("open %s, closed %s", list("open"), list("closed"))
	}
	var got []string
	for _, ev := range f.gh.IssueEvents(org, "api", 1) {
		got = append(got, ev.GetEvent()+" "+ev.GetActor().GetLogin()+" "+fmt.Sprint(len(ev.GetCommitID())))
	}
	if fmt.Sprint(got) != "[merged lead 40 closed lead 0]" {
		t.Errorf("events of the merge: %v", got)
	}
	f.must(f.gh.ReopenPullRequest(org, "api", 2, "dev"))
	if list("open") != "[2 3]" {
		t.Errorf("after reopening: %s", list("open"))
	}
	// The issue of a pull request.
	var issue struct {
		State       string `json:"state"`
		PullRequest struct {
			MergedAt *string `json:"merged_at"`
		} `json:"pull_request"`
	}
	decodeRaw(t, f.client, "repos/acme/api/issues/1", &issue)
	if issue.State != "closed" || issue.PullRequest.MergedAt == nil {
		t.Errorf("issue of #1: %+v", issue)
	}
}
