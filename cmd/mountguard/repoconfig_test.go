package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/webhook/githubtest"
)

// The App reads .github/mountguard.yml from the pull request's base commit,
// else the organisation's from OWNER/.github, else its defaults. These
// tests hold it to that from a delivery to the finished check run.
func TestRepositoryConfiguration(t *testing.T) {
	const path = ".github/mountguard.yml"
	withConfig := func(files map[string]string, cfg string) map[string]string {
		out := map[string]string{path: cfg}
		for k, v := range files {
			out[k] = v
		}
		return out
	}
	base := map[string]string{"compose.yaml": baseComposeFile}
	head := map[string]string{"compose.yaml": headComposeFile}
	tests := []struct {
		name       string
		base, head map[string]string
		org        string // the organisation's file; "" for no .github repository
		// what the run must show
		conclusion  string
		title       string
		annotations []string // path:line of each annotation, when checked
		reviewed    bool
	}{
		{
			name: "the base branch's file applies", base: withConfig(base, "fail_on: never\n"), head: withConfig(head, "fail_on: never\n"),
			conclusion: "success", title: "3 new errors", reviewed: true,
		},
		{
			name: "a pull request cannot weaken its own review", base: base, head: withConfig(head, "fail_on: never\nrules:\n  docker-socket: off\n"),
			conclusion: "failure", title: "3 new errors", reviewed: true,
		},
		{
			name: "an invalid file fails the run on its line", base: withConfig(base, "rules:\n  docker-sock: off\n"), head: withConfig(head, "rules:\n  docker-sock: off\n"),
			conclusion: "failure", title: "Invalid configuration in .github/mountguard.yml", annotations: []string{path + ":2"},
		},
		{
			name: "the organisation's file applies when the repository has none", base: base, head: head, org: "fail_on: never\n",
			conclusion: "success", title: "3 new errors", reviewed: true,
		},
		{
			name: "the repository's file wins over the organisation's", base: withConfig(base, "fail_on: error\n"), head: withConfig(head, "fail_on: error\n"), org: "fail_on: never\n",
			conclusion: "failure", title: "3 new errors", reviewed: true,
		},
		{
			// The file is not in the commit under review: the summary
			// names it, no annotation points into this repository.
			name: "an invalid organisation file fails the run without annotations", base: base, head: head, org: "fail_on: red\n",
			conclusion: "failure", title: "Invalid configuration in Codertocat/.github", annotations: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.base, tt.head)
			if tt.org != "" {
				must(t, h.gh.AddRepo(githubtest.Repo{Owner: owner, Name: ".github", DefaultBranch: "main"}))
				sha := strings.Repeat("0a", 20)
				if _, err := h.gh.AddCommit(owner, ".github", githubtest.Commit{SHA: sha, Files: map[string]string{path: tt.org}}); err != nil {
					t.Fatal(err)
				}
				must(t, h.gh.SetBranch(owner, ".github", "main", sha))
			}
			if code := h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret); code != http.StatusAccepted {
				t.Fatalf("delivery answered %d", code)
			}
			h.stop()
			runs := h.runs(headCommit)
			if len(runs) != 1 {
				t.Fatalf("%d check runs", len(runs))
			}
			r := runs[0]
			if r.GetConclusion() != tt.conclusion || !strings.Contains(r.GetOutput().GetTitle(), tt.title) {
				t.Errorf("run %s %q, want %s %q\n%s", r.GetConclusion(), r.GetOutput().GetTitle(), tt.conclusion, tt.title, r.GetOutput().GetSummary())
			}
			if tt.annotations != nil {
				got := []string{}
				for _, a := range r.Annotations {
					got = append(got, fmt.Sprintf("%s:%d", a.GetPath(), a.GetStartLine()))
				}
				if strings.Join(got, " ") != strings.Join(tt.annotations, " ") {
					t.Errorf("annotations %v, want %v", got, tt.annotations)
				}
			}
			if reviewed := len(h.gh.Reviews(owner, repo, prNumber)) > 0; reviewed != tt.reviewed {
				t.Errorf("reviewed %v, want %v", reviewed, tt.reviewed)
			}
		})
	}
}

// error_conclusion: failure makes a review that cannot finish block the
// pull request instead of passing it as neutral.
func TestErrorConclusionFailure(t *testing.T) {
	cfg := map[string]string{".github/mountguard.yml": "error_conclusion: failure\n"}
	base := map[string]string{"compose.yaml": baseComposeFile}
	head := map[string]string{"compose.yaml": headComposeFile}
	for k, v := range cfg {
		base[k], head[k] = v, v
	}
	h := newHarness(t, base, head)
	// The configuration is read; the pull request's files never are.
	h.gh.InjectFault("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 1000, githubtest.Response{Status: http.StatusServiceUnavailable})
	h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()
	runs := h.runs(headCommit)
	if len(runs) != 1 || runs[0].GetConclusion() != "failure" || !strings.Contains(runs[0].GetOutput().GetSummary(), "503") {
		t.Fatalf("runs %+v", runs)
	}
}
