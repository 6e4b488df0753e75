package githubtest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestPullRequestFiles(t *testing.T) {
	f := newFixture(t)
	base := map[string]string{
		"compose.yaml":      compose,
		"old/compose.yml":   "services: {}\n",
		"gone.yaml":         "a: 1\n",
		"logo.png":          "PNG\x00\x01",
		"big/compose.yaml":  "x: 1\n",
		"same/compose.yaml": "same\n",
	}
	head := map[string]string{
		"compose.yaml":      strings.Replace(compose, "nginx", "nginx:1.27", 1),
		"new/compose.yml":   "services: {}\n",
		"added.yaml":        "b: 2\n",
		"logo.png":          "PNG\x00\x02",
		"big/compose.yaml":  "x: 2\n",
		"same/compose.yaml": "same\n",
	}
	f.pr(1, base, head, func(p *PullRequest) {
		p.Renames = map[string]string{"new/compose.yml": "old/compose.yml"}
		p.OmitPatch = []string{"big/compose.yaml"}
	})
	files, _, err := f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, status, previous string
		adds, dels             int
		hasPatch               bool
	}
	var got []row
	for _, cf := range files {
		got = append(got, row{cf.GetFilename(), cf.GetStatus(), cf.GetPreviousFilename(), cf.GetAdditions(), cf.GetDeletions(), cf.Patch != nil})
	}
	want := []row{
		{"added.yaml", "added", "", 1, 0, true},
		{"big/compose.yaml", "modified", "", 1, 1, false}, // patch omitted on request
		{"compose.yaml", "modified", "", 1, 1, true},
		{"gone.yaml", "removed", "", 0, 1, true},
		{"logo.png", "modified", "", 0, 0, false},                      // binary: no patch
		{"new/compose.yml", "renamed", "old/compose.yml", 0, 0, false}, // same content: no patch
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("files:\n%v\nwant:\n%v", got, want)
	}
	wantPatch := "@@ -1,6 +1,6 @@\n services:\n   web:\n-    image: nginx\n+    image: nginx:1.27\n     volumes:\n       - ./a:/a\n       - ./b:/b"
	if p := files[2].GetPatch(); p != wantPatch {
		t.Errorf("compose.yaml patch:\n%s\nwant:\n%s", p, wantPatch)
	}
	if sha := files[0].GetSHA(); sha != blobSHA("b: 2\n") {
		t.Errorf("added.yaml sha %s, want its git blob ID", sha)
	}
}

// TestPullRequestFilesPagination pages through 250 files with the Link
// header, and stops at GitHub's 3000.
func TestPullRequestFilesPagination(t *testing.T) {
	f := newFixture(t)
	files := func(n int, content string) map[string]string {
		m := map[string]string{}
		for i := 0; i < n; i++ {
			m[fmt.Sprintf("svc%04d/compose.yaml", i)] = content
		}
		return m
	}
	f.pr(1, files(250, "a: 1\n"), files(250, "a: 2\n"))
	opts := &github.ListOptions{PerPage: 100}
	var all []*github.CommitFile
	pages := 0
	for {
		page, resp, err := f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, opts)
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
	if len(all) != 250 || pages != 3 {
		t.Errorf("%d files in %d pages, want 250 in 3", len(all), pages)
	}
	if n := f.gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 3 {
		t.Errorf("%d calls to the files endpoint, want 3", n)
	}
	// Without per_page: 30 a page.
	page, resp, _ := f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, nil)
	if len(page) != 30 || resp.LastPage != 9 {
		t.Errorf("default page: %d files, last page %d; want 30, 9", len(page), resp.LastPage)
	}
	// per_page above 100 is 100.
	page, _, _ = f.client.PullRequests.ListFiles(ctx, owner, repoName, 1, &github.ListOptions{PerPage: 500})
	if len(page) != 100 {
		t.Errorf("per_page=500 gave %d files, want 100", len(page))
	}

	f.pr(2, files(3005, "a: 1\n"), files(3005, "a: 2\n"))
	total := 0
	opts = &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := f.client.PullRequests.ListFiles(ctx, owner, repoName, 2, opts)
		if err != nil {
			t.Fatal(err)
		}
		total += len(page)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if total != 3000 {
		t.Errorf("listed %d files of 3005, want GitHub's 3000", total)
	}
	pr, _, err := f.client.PullRequests.Get(ctx, owner, repoName, 2)
	if err != nil || pr.GetChangedFiles() != 3005 {
		t.Errorf("changed_files %d (%v), want the true 3005", pr.GetChangedFiles(), err)
	}
}

// TestPullRequestMatchesWebhookPayload builds the pull request of the
// corpus payloads and checks that the API describes it with the same IDs,
// names and SHAs.
func TestPullRequestMatchesWebhookPayload(t *testing.T) {
	raw, err := os.ReadFile("../../../shared/corpus/webhooks/pull_request.opened.payload.json")
	if err != nil {
		t.Skip("webhook corpus not available:", err)
	}
	var ev github.PullRequestEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	want := ev.GetPullRequest()
	gh := NewServer()
	defer gh.Close()
	r := want.GetBase().GetRepo()
	if err := gh.AddRepo(Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName(), ID: r.GetID(), DefaultBranch: r.GetDefaultBranch()}); err != nil {
		t.Fatal(err)
	}
	add := func(sha string, files map[string]string) {
		if _, err := gh.AddCommit(r.GetOwner().GetLogin(), r.GetName(), Commit{SHA: sha, Files: files}); err != nil {
			t.Fatal(err)
		}
	}
	add(want.GetBase().GetSHA(), map[string]string{"README.md": "# Hello-World\n"})
	add(want.GetHead().GetSHA(), map[string]string{"README.md": "# Hello World\n"})
	err = gh.AddPullRequest(r.GetOwner().GetLogin(), r.GetName(), PullRequest{
		Number: want.GetNumber(), ID: want.GetID(), Title: want.GetTitle(), Body: want.GetBody(),
		User: want.GetUser().GetLogin(), Base: want.GetBase().GetRef(), BaseSHA: want.GetBase().GetSHA(),
		Head: want.GetHead().GetRef(), HeadSHA: want.GetHead().GetSHA(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(gh, gh.UserToken("Codertocat"))
	got, _, err := c.PullRequests.Get(ctx, r.GetOwner().GetLogin(), r.GetName(), want.GetNumber())
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []struct{ field, got, want string }{
		{"id", fmt.Sprint(got.GetID()), fmt.Sprint(want.GetID())},
		{"number", fmt.Sprint(got.GetNumber()), fmt.Sprint(want.GetNumber())},
		{"state", got.GetState(), want.GetState()},
		{"title", got.GetTitle(), want.GetTitle()},
		{"user.login", got.GetUser().GetLogin(), want.GetUser().GetLogin()},
		{"author_association", got.GetAuthorAssociation(), want.GetAuthorAssociation()},
		{"head.sha", got.GetHead().GetSHA(), want.GetHead().GetSHA()},
		{"head.ref", got.GetHead().GetRef(), want.GetHead().GetRef()},
		{"head.label", got.GetHead().GetLabel(), want.GetHead().GetLabel()},
		{"base.sha", got.GetBase().GetSHA(), want.GetBase().GetSHA()},
		{"base.ref", got.GetBase().GetRef(), want.GetBase().GetRef()},
		{"base.repo.id", fmt.Sprint(got.GetBase().GetRepo().GetID()), fmt.Sprint(want.GetBase().GetRepo().GetID())},
		{"base.repo.full_name", got.GetBase().GetRepo().GetFullName(), want.GetBase().GetRepo().GetFullName()},
		{"changed_files", fmt.Sprint(got.GetChangedFiles()), fmt.Sprint(want.GetChangedFiles())},
		{"additions", fmt.Sprint(got.GetAdditions()), fmt.Sprint(want.GetAdditions())},
		{"deletions", fmt.Sprint(got.GetDeletions()), fmt.Sprint(want.GetDeletions())},
	} {
		if check.got != check.want {
			t.Errorf("%s = %q, payload has %q", check.field, check.got, check.want)
		}
	}
}

func TestListPullRequests(t *testing.T) {
	f := newFixture(t)
	_, head1 := f.pr(1, map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"}, func(p *PullRequest) { p.Head = "feature" })
	// A pull request from a fork, whose head commit lives in the fork.
	f.must(f.gh.AddRepo(Repo{Owner: "mallory", Name: repoName}))
	forkHead, err := f.gh.AddCommit("mallory", repoName, Commit{Files: map[string]string{"a": "3\n"}})
	f.must(err)
	f.must(f.gh.AddPullRequest(owner, repoName, PullRequest{Number: 2, HeadSHA: forkHead, HeadRepo: "mallory/" + repoName, Head: "main"}))
	f.must(f.gh.AddPullRequest(owner, repoName, PullRequest{Number: 3, HeadSHA: head1, State: "closed"}))

	list := func(opts *github.PullRequestListOptions) []int {
		prs, _, err := f.client.PullRequests.List(ctx, owner, repoName, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, p := range prs {
			out = append(out, p.GetNumber())
		}
		return out
	}
	if got := list(nil); fmt.Sprint(got) != "[2 1]" {
		t.Errorf("open pull requests %v, want [2 1] (newest first)", got)
	}
	if got := list(&github.PullRequestListOptions{State: "all", Direction: "asc"}); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("all pull requests %v, want [1 2 3]", got)
	}
	if got := list(&github.PullRequestListOptions{Head: "mallory:main"}); fmt.Sprint(got) != "[2]" {
		t.Errorf("head=mallory:main %v, want [2]", got)
	}

	// As on GitHub, the pull requests of a head SHA leave out those from
	// forks: the App has to list the open pull requests to find them.
	prs, _, err := f.client.PullRequests.ListPullRequestsWithCommit(ctx, owner, repoName, forkHead, nil)
	if err != nil || len(prs) != 0 {
		t.Errorf("pull requests of the fork's head: %v, %v; want none", prs, err)
	}
	_, _, err = f.client.PullRequests.ListPullRequestsWithCommit(ctx, owner, repoName, strings.Repeat("0", 40), nil)
	if er := wantAPIError(t, err, 422); er.Message != "No commit found for SHA: "+strings.Repeat("0", 40) {
		t.Errorf("unknown commit: %q", er.Message)
	}
	// As on GitHub, the fork's head commit can be read from the base
	// repository.
	fc, _, _, err := f.client.Repositories.GetContents(ctx, owner, repoName, "a", &github.RepositoryContentGetOptions{Ref: forkHead})
	if content, _ := fc.GetContent(); err != nil || content != "3\n" {
		t.Errorf("fork head from the base repository: %q, %v", content, err)
	}
}
