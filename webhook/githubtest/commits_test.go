package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// TestPullRequestCommits lists a pull request's commits: who wrote and who
// committed each, a merge of the base branch listed without the base
// commits it brings, and GitHub's nulls.
func TestPullRequestCommits(t *testing.T) {
	f := newFixture(t)
	add := func(c Commit) string {
		t.Helper()
		c.Files = map[string]string{"compose.yaml": fmt.Sprintf("# %s\n", c.Message)}
		sha, err := f.gh.AddCommit(owner, repoName, c)
		f.must(err)
		return sha
	}
	base := add(Commit{Message: "base"})
	f.must(f.gh.SetBranch(owner, repoName, "main", base))
	c1 := add(Commit{Message: "by the author", Parents: []string{base}})
	c2 := add(Commit{Message: "by the lead", Parents: []string{c1}, Author: &Person{Login: "lead"}})
	c3 := add(Commit{Message: "rebased by the lead", Parents: []string{c2}, Author: &Person{Login: "dev", Name: "Dev Eloper", Email: "dev@example.com"}, Committer: &Person{Login: "lead"}})
	c4 := add(Commit{Message: "unlinked email", Parents: []string{c3}, Author: &Person{Name: "Ghost", Email: "ghost@example.com"}})
	f.must(f.gh.AddPullRequest(owner, repoName, PullRequest{Number: 1, User: "dev", HeadSHA: c4}))
	// The base branch moves on and "Update branch" merges it in.
	base2 := add(Commit{Message: "base moves on", Parents: []string{base}})
	f.must(f.gh.SetBranch(owner, repoName, "main", base2))
	merge := add(Commit{Message: "Merge branch 'main' into patch-1", Parents: []string{c4, base2}, Author: &Person{Login: "lead"}})
	f.must(f.gh.SetPullRequestHead(owner, repoName, 1, merge))

	commits, _, err := f.client.PullRequests.ListCommits(ctx, owner, repoName, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		sha, author, committer, gitAuthor, gitEmail, message string
		parents                                              int
	}
	var got []row
	for _, c := range commits {
		got = append(got, row{c.GetSHA(), c.GetAuthor().GetLogin(), c.GetCommitter().GetLogin(),
			c.GetCommit().GetAuthor().GetName(), c.GetCommit().GetAuthor().GetEmail(), c.GetCommit().GetMessage(), len(c.Parents)})
	}
	dev := f.gh.accounts["dev"]
	lead := f.gh.accounts["lead"]
	want := []row{
		{c1, "dev", "dev", "dev", noreplyEmail(dev), "by the author", 1},
		{c2, "lead", "lead", "lead", noreplyEmail(lead), "by the lead", 1},
		{c3, "dev", "lead", "Dev Eloper", "dev@example.com", "rebased by the lead", 1},
		{c4, "", "", "Ghost", "ghost@example.com", "unlinked email", 1},
		{merge, "lead", "lead", "lead", noreplyEmail(lead), "Merge branch 'main' into patch-1", 2},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("commits:\n%v\nwant:\n%v", got, want)
	}
	if c := commits[4]; c.Parents[0].GetSHA() != c4 || c.Parents[1].GetSHA() != base2 {
		t.Errorf("merge parents %v", c.Parents)
	}
	if d := commits[0].GetCommit().GetAuthor().GetDate(); !d.Time.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("date %v", d)
	}
	pr, _, err := f.client.PullRequests.Get(ctx, owner, repoName, 1)
	if err != nil || pr.GetCommits() != 5 {
		t.Errorf("the pull request's commits count = %d (%v), want 5", pr.GetCommits(), err)
	}

	// The shape, nulls included, as GitHub sends it.
	_, body := rawGet(t, f.client, "/repos/octo/shop/pulls/1/commits", nil)
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"url", "sha", "node_id", "html_url", "comments_url", "commit", "author", "committer", "parents"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("no %q in %v", key, raw[0])
		}
	}
	if a, ok := raw[3]["author"]; !ok || a != nil {
		t.Errorf("the unlinked commit's author is %v, want null", a)
	}
	if c, ok := raw[3]["committer"]; !ok || c != nil {
		t.Errorf("the unlinked commit's committer is %v, want null", c)
	}
	commit := raw[0]["commit"].(map[string]any)
	for _, key := range []string{"url", "author", "committer", "message", "tree", "comment_count", "verification"} {
		if _, ok := commit[key]; !ok {
			t.Errorf("no commit.%s in %v", key, commit)
		}
	}
	if v := commit["verification"].(map[string]any); v["verified"] != false || v["reason"] != "unsigned" || v["signature"] != nil {
		t.Errorf("verification %v", v)
	}
	if a := raw[0]["author"].(map[string]any); a["login"] != "dev" || a["type"] != "User" {
		t.Errorf("author %v", a)
	}
	if tree := commit["tree"].(map[string]any); tree["sha"] == "" {
		t.Errorf("tree %v", tree)
	}
}

// TestPullRequestCommitsCap pages through a pull request of 260 commits:
// GitHub lists the oldest 250 and no more, while the pull request's
// `commits` says 260.
func TestPullRequestCommitsCap(t *testing.T) {
	f := newFixture(t)
	parent := f.commit(map[string]string{"n": "0"})
	f.must(f.gh.SetBranch(owner, repoName, "main", parent))
	var shas []string
	for i := 1; i <= 260; i++ {
		parent = f.commit(map[string]string{"n": fmt.Sprint(i)}, parent)
		shas = append(shas, parent)
	}
	f.must(f.gh.AddPullRequest(owner, repoName, PullRequest{Number: 1, HeadSHA: parent}))

	opts := &github.ListOptions{PerPage: 100}
	var all []*github.RepositoryCommit
	pages := 0
	for {
		page, resp, err := f.client.PullRequests.ListCommits(ctx, owner, repoName, 1, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages == 1 && (resp.NextPage != 2 || resp.LastPage != 3) {
			t.Errorf("first page: next %d, last %d; want 2, 3 (Link: %s)", resp.NextPage, resp.LastPage, resp.Header.Get("Link"))
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(all) != maxPullCommits || pages != 3 {
		t.Fatalf("%d commits in %d pages, want 250 in 3", len(all), pages)
	}
	for i, c := range all {
		if c.GetSHA() != shas[i] {
			t.Fatalf("commit %d is %s, want %s: the oldest come first", i, c.GetSHA(), shas[i])
		}
	}
	pr, _, err := f.client.PullRequests.Get(ctx, owner, repoName, 1)
	if err != nil || pr.GetCommits() != 260 {
		t.Errorf("the pull request's commits count = %d (%v), want 260", pr.GetCommits(), err)
	}
	// Without per_page: 30 a page; per_page above 100 is 100.
	page, resp, _ := f.client.PullRequests.ListCommits(ctx, owner, repoName, 1, nil)
	if len(page) != 30 || resp.LastPage != 9 {
		t.Errorf("default page: %d commits, last page %d; want 30, 9", len(page), resp.LastPage)
	}
	page, _, _ = f.client.PullRequests.ListCommits(ctx, owner, repoName, 1, &github.ListOptions{PerPage: 500})
	if len(page) != 100 {
		t.Errorf("per_page=500 gave %d commits, want 100", len(page))
	}
}

func TestPullRequestCommitsNotFound(t *testing.T) {
	f := newFixture(t)
	f.pr(1, map[string]string{"a": "1"}, map[string]string{"a": "2"})
	_, _, err := f.client.PullRequests.ListCommits(ctx, owner, repoName, 2, nil)
	wantAPIError(t, err, http.StatusNotFound)
	_, _, err = f.client.PullRequests.ListCommits(ctx, owner, "nope", 1, nil)
	wantAPIError(t, err, http.StatusNotFound)
	// A repository the installation cannot see is GitHub's 404 too.
	f.must(f.gh.AddRepo(Repo{Owner: "other", Name: "repo"}))
	_, _, err = f.client.PullRequests.ListCommits(ctx, "other", "repo", 1, nil)
	wantAPIError(t, err, http.StatusNotFound)
	if n := f.gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits"); n != 3 {
		t.Errorf("%d calls counted on the route, want 3", n)
	}
}

// TestCommitSHAWithAuthor: a commit's SHA depends on who wrote it, as
// git's does, and stays what it was for a commit without an author.
func TestCommitSHAWithAuthor(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{"a": "1"}
	plain, err := f.gh.AddCommit(owner, repoName, Commit{Files: files, Message: "m"})
	f.must(err)
	snap, _ := newSnapshot(files)
	if want := commitSHA(snap.root.sha, nil, "m", nil, nil); plain != want {
		t.Errorf("SHA without an author %s, want %s", plain, want)
	}
	byLead, err := f.gh.AddCommit(owner, repoName, Commit{Files: files, Message: "m", Author: &Person{Login: "lead"}})
	f.must(err)
	rebased, err := f.gh.AddCommit(owner, repoName, Commit{Files: files, Message: "m", Author: &Person{Login: "lead"}, Committer: &Person{Login: "dev"}})
	f.must(err)
	if plain == byLead || byLead == rebased {
		t.Errorf("SHAs %s, %s, %s: the author and committer do not count", plain, byLead, rebased)
	}
}
