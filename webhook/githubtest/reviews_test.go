package githubtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

// reviewed is compose with line 3 changed and a line added after line
// 12: two hunks, new lines 1-6 ("@@ -1,6 +1,6 @@") and 9-13 ("@@ -9,4
// +9,5 @@ services:"). Lines 7, 8 and 14 are outside both.
var reviewed = strings.Replace(strings.Replace(compose, "image: nginx", "image: nginx:1.27", 1), "  data: {}\n", "  data:\n    driver: local\n", 1)

func reviewFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t)
	_, head := f.pr(1, map[string]string{"compose.yaml": compose}, map[string]string{"compose.yaml": reviewed})
	return f, head
}

func draft(path string, line, startLine int, side string) *github.DraftReviewComment {
	c := &github.DraftReviewComment{Path: github.String(path), Body: github.String("finding"), Line: github.Int(line)}
	if startLine != 0 {
		c.StartLine = github.Int(startLine)
	}
	if side != "" {
		c.Side = github.String(side)
	}
	return c
}

// TestReviewRejected checks each rule that makes GitHub reject a review,
// with its exact error text, and that a rejected review leaves nothing
// behind, not even its valid comments.
func TestReviewRejected(t *testing.T) {
	lineErr := "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank"
	tests := []struct {
		name     string
		comments []*github.DraftReviewComment
		want     string
	}{
		{"line between hunks", []*github.DraftReviewComment{draft("compose.yaml", 7, 0, "")}, lineErr},
		{"line after the last hunk", []*github.DraftReviewComment{draft("compose.yaml", 14, 0, "RIGHT")}, lineErr},
		{"no line", []*github.DraftReviewComment{draft("compose.yaml", 0, 0, "")}, lineErr},
		{"old line outside the diff", []*github.DraftReviewComment{draft("compose.yaml", 7, 0, "LEFT")}, lineErr},
		{"file not in the pull request", []*github.DraftReviewComment{draft("other.yaml", 3, 0, "")}, "Path could not be resolved"},
		{"start line in another hunk", []*github.DraftReviewComment{draft("compose.yaml", 10, 2, "")}, "Pull request review thread start line must be part of the same hunk as the line."},
		{"start and end outside the diff", []*github.DraftReviewComment{draft("compose.yaml", 8, 7, "")},
			"Pull request review thread line must be part of the diff, Pull request review thread start line must be part of the same hunk as the line., and Pull request review thread diff hunk can't be blank"},
		{"start line not before the line", []*github.DraftReviewComment{draft("compose.yaml", 5, 5, "")}, "Pull request review thread start line must precede the end line."},
		{"one bad comment among good ones", []*github.DraftReviewComment{draft("compose.yaml", 3, 0, ""), draft("compose.yaml", 7, 0, ""), draft("compose.yaml", 13, 0, "")}, lineErr},
	}
	f, head := reviewFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
				CommitID: github.String(head), Event: github.String("COMMENT"), Body: github.String("mountguard"), Comments: tt.comments,
			})
			er := wantAPIError(t, err, 422)
			if er.Message != "Unprocessable Entity" || len(er.Errors) != 1 || er.Errors[0].Message != tt.want {
				t.Errorf("message %q, errors %q; want \"Unprocessable Entity\", [%q]", er.Message, errorStrings(er), tt.want)
			}
			if er.DocumentationURL != docCreateReview {
				t.Errorf("documentation_url %q", er.DocumentationURL)
			}
		})
	}
	if rv := f.gh.Reviews(owner, repoName, 1); len(rv) != 0 {
		t.Errorf("rejected reviews left %d reviews", len(rv))
	}
	if cs := f.gh.ReviewComments(owner, repoName, 1); len(cs) != 0 {
		t.Errorf("rejected reviews left %d comments", len(cs))
	}
	if n := f.gh.Count("POST /repos/*/*/pulls/*/reviews"); n != len(tests) {
		t.Errorf("counted %d review requests, want %d", n, len(tests))
	}
}

func TestReviewCreated(t *testing.T) {
	f, head := reviewFixture(t)
	rv, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head),
		Event:    github.String("REQUEST_CHANGES"),
		Body:     github.String("2 findings"),
		Comments: []*github.DraftReviewComment{
			draft("compose.yaml", 3, 0, "RIGHT"),
			draft("compose.yaml", 13, 10, ""), // a range within the second hunk
			draft("compose.yaml", 12, 0, "LEFT"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rv.GetState() != "CHANGES_REQUESTED" || rv.GetUser().GetLogin() != "mountguard[bot]" || rv.GetUser().GetType() != "Bot" || rv.GetCommitID() != head {
		t.Errorf("review: state %q, user %q (%s), commit %s", rv.GetState(), rv.GetUser().GetLogin(), rv.GetUser().GetType(), rv.GetCommitID())
	}

	comments, _, err := f.client.PullRequests.ListComments(ctx, owner, repoName, 1, nil)
	if err != nil || len(comments) != 3 {
		t.Fatalf("%d comments, %v", len(comments), err)
	}
	c := comments[0]
	if c.GetLine() != 3 || c.GetSide() != "RIGHT" || c.GetPosition() != 4 || c.GetOriginalLine() != 3 ||
		c.GetCommitID() != head || c.GetPullRequestReviewID() != rv.GetID() || c.GetUser().GetLogin() != "mountguard[bot]" {
		t.Errorf("first comment: %v", c)
	}
	if want := "@@ -1,6 +1,6 @@\n services:\n   web:\n-    image: nginx\n+    image: nginx:1.27"; c.GetDiffHunk() != want {
		t.Errorf("diff_hunk %q, want %q", c.GetDiffHunk(), want)
	}
	if c := comments[1]; c.GetStartLine() != 10 || c.GetLine() != 13 || c.GetStartSide() != "RIGHT" {
		t.Errorf("range comment: start %d (%s), line %d", c.GetStartLine(), c.GetStartSide(), c.GetLine())
	}
	if c := comments[2]; c.GetSide() != "LEFT" || c.GetLine() != 12 {
		t.Errorf("left comment: %s %d", c.GetSide(), c.GetLine())
	}

	// The fields go-github v60 does not decode, as GitHub sends them.
	_, body := rawGet(t, f.client, "/repos/octo/shop/pulls/1/comments", nil)
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	app, _ := raw[0]["performed_via_github_app"].(map[string]any)
	if app["id"] != float64(appID) || app["slug"] != appSlug {
		t.Errorf("performed_via_github_app: %v", raw[0]["performed_via_github_app"])
	}
	if v, ok := raw[0]["start_line"]; !ok || v != nil {
		t.Errorf("a one-line comment has start_line null, got %v (present %v)", v, ok)
	}

	got := f.gh.Reviews(owner, repoName, 1)
	if len(got) != 1 || len(got[0].Comments) != 3 || got[0].GetBody() != "2 findings" || got[0].Comments[0].AppID != appID {
		t.Errorf("readback: %+v", got)
	}
}

// TestReviewThreads replies as a person, edits and deletes the App's
// comment, and moves the head: a comment on a changed line goes outdated,
// one on an unchanged line follows it.
func TestReviewThreads(t *testing.T) {
	f, head := reviewFixture(t)
	_, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head), Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{draft("compose.yaml", 3, 0, ""), draft("compose.yaml", 12, 0, "")},
	})
	if err != nil {
		t.Fatal(err)
	}
	comments := f.gh.ReviewComments(owner, repoName, 1)
	first, second := comments[0].GetID(), comments[1].GetID()

	human := newClient(f.gh, f.gh.UserToken("alice"))
	reply, _, err := human.PullRequests.CreateCommentInReplyTo(ctx, owner, repoName, 1, "it is intended", first)
	if err != nil {
		t.Fatal(err)
	}
	if reply.GetInReplyTo() != first || reply.GetUser().GetLogin() != "alice" || reply.GetUser().GetType() != "User" || reply.GetLine() != 3 || reply.GetPath() != "compose.yaml" {
		t.Errorf("reply: %v", reply)
	}
	// The same through the replies endpoint.
	req, _ := human.NewRequest("POST", "repos/octo/shop/pulls/1/comments/"+itoa64(first)+"/replies", map[string]string{"body": "really"})
	var reply2 github.PullRequestComment
	if _, err := human.Do(ctx, req, &reply2); err != nil || reply2.GetInReplyTo() != first {
		t.Errorf("replies endpoint: %v, %v", reply2, err)
	}

	edited, _, err := f.client.PullRequests.EditComment(ctx, owner, repoName, second, &github.PullRequestComment{Body: github.String("updated")})
	if err != nil || edited.GetBody() != "updated" {
		t.Errorf("edit: %v, %v", edited, err)
	}

	// The head moves: line 3 changes again, and a line is added at the
	// top, so the second comment's line 12 becomes 13.
	next := strings.Replace("# shop\n"+reviewed, "nginx:1.27", "nginx:1.28", 1)
	head2, err := f.gh.AddCommit(owner, repoName, Commit{Files: map[string]string{"compose.yaml": next}, Parents: []string{head}})
	f.must(err)
	f.must(f.gh.SetPullRequestHead(owner, repoName, 1, head2))
	byID := map[int64]ReviewComment{}
	for _, c := range f.gh.ReviewComments(owner, repoName, 1) {
		byID[c.GetID()] = c
	}
	if c := byID[first]; c.Line != nil || c.GetOriginalLine() != 3 || c.GetOriginalCommitID() != head {
		t.Errorf("comment on a changed line: line %v, original %d; want outdated", c.Line, c.GetOriginalLine())
	}
	if c := byID[second]; c.GetLine() != 13 || c.GetOriginalLine() != 12 || c.GetCommitID() != head2 {
		t.Errorf("comment on an unchanged line: line %d, original %d, commit %s; want 13, 12, %s", c.GetLine(), c.GetOriginalLine(), c.GetCommitID(), head2)
	}

	if _, err := f.client.PullRequests.DeleteComment(ctx, owner, repoName, second); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.client.PullRequests.GetComment(ctx, owner, repoName, second); err == nil {
		t.Error("a deleted comment is still there")
	} else {
		wantAPIError(t, err, 404)
	}
	if n := len(f.gh.ReviewComments(owner, repoName, 1)); n != 3 {
		t.Errorf("%d comments left, want 3 (one and its two replies)", n)
	}
}

func TestReviewCommentsPagination(t *testing.T) {
	f, head := reviewFixture(t)
	var drafts []*github.DraftReviewComment
	for i := 0; i < 45; i++ {
		drafts = append(drafts, draft("compose.yaml", 1+i%6, 0, ""))
	}
	if _, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head), Event: github.String("COMMENT"), Comments: drafts,
	}); err != nil {
		t.Fatal(err)
	}
	first, resp, err := f.client.PullRequests.ListComments(ctx, owner, repoName, 1, nil)
	if err != nil || len(first) != 30 || resp.NextPage != 2 {
		t.Fatalf("first page: %d comments, next %d, %v", len(first), resp.NextPage, err)
	}
	rest, resp, err := f.client.PullRequests.ListComments(ctx, owner, repoName, 1, &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{Page: 2}})
	if err != nil || len(rest) != 15 || resp.NextPage != 0 || resp.PrevPage != 1 {
		t.Fatalf("second page: %d comments, next %d, prev %d, %v", len(rest), resp.NextPage, resp.PrevPage, err)
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestReviewPositionAndPending: the deprecated position still places a
// comment (position 4 is the added line 3), and a person or App may have
// only one pending review.
func TestReviewPositionAndPending(t *testing.T) {
	f, head := reviewFixture(t)
	_, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head), Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{{Path: github.String("compose.yaml"), Position: github.Int(4), Body: github.String("b")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.gh.ReviewComments(owner, repoName, 1)[0]; c.GetLine() != 3 || c.GetSide() != "RIGHT" || c.GetPosition() != 4 {
		t.Errorf("position 4 placed at %s %d", c.GetSide(), c.GetLine())
	}
	pending := &github.PullRequestReviewRequest{CommitID: github.String(head)}
	rv, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, pending)
	if err != nil || rv.GetState() != "PENDING" || rv.SubmittedAt != nil {
		t.Fatalf("pending review: %v, %v", rv, err)
	}
	_, _, err = f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, pending)
	if er := wantAPIError(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Message != "User can only have one pending review per pull request" {
		t.Errorf("second pending review: %v", errorStrings(er))
	}
}

func TestReviewBodyLimits(t *testing.T) {
	f, head := reviewFixture(t)
	_, _, err := f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head), Event: github.String("COMMENT"), Body: github.String(strings.Repeat("b", 65537)),
	})
	er := wantAPIError(t, err, 422)
	if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Message != "body is too long (maximum is 65536 characters)" {
		t.Errorf("long body: %q %v", er.Message, er.Errors)
	}
	_, _, err = f.client.PullRequests.CreateReview(ctx, owner, repoName, 1, &github.PullRequestReviewRequest{
		CommitID: github.String(head), Event: github.String("COMMENT"), Body: github.String(strings.Repeat("é", 65536)),
		Comments: []*github.DraftReviewComment{{Path: github.String("compose.yaml"), Line: github.Int(3)}},
	})
	if er := wantAPIError(t, err, 422); er.Message != "Invalid request.\n\n\"body\" wasn't supplied." {
		t.Errorf("comment without a body: %q", er.Message)
	}
	if len(f.gh.Reviews(owner, repoName, 1)) != 0 {
		t.Error("a rejected review was stored")
	}
}
