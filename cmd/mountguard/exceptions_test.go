package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/webhook/githubtest"
)

const (
	blanketLabel = "mountguard: exception"
	needsLabel   = "mountguard: needs review"
)

// label applies or removes a label as a person would in the web UI and
// delivers the webhook GitHub sends for it, then waits for the new run.
func (h *harness) label(name, actor string, on bool, sha string, runs int) {
	h.t.Helper()
	d, err := h.gh.SetLabel(owner, repo, prNumber, name, actor, on)
	must(h.t, err)
	d.Secret = testSecret
	h.deliverDelivery(d)
	h.waitRun(sha, runs)
}

func (h *harness) deliverDelivery(d githubtest.Delivery) {
	h.t.Helper()
	req, err := d.NewRequest(h.hook.URL + "/webhook")
	must(h.t, err)
	resp, err := http.DefaultClient.Do(req)
	must(h.t, err)
	resp.Body.Close()
}

func (h *harness) lastRun(sha string) githubtest.CheckRun {
	h.t.Helper()
	runs := h.runs(sha)
	if len(runs) == 0 {
		h.t.Fatalf("no run for %.7s", sha)
	}
	return runs[len(runs)-1]
}

func (h *harness) record() string {
	for _, c := range h.gh.IssueComments(owner, repo, prNumber) {
		if strings.Contains(c.GetBody(), "mountguard exception record") {
			return c.GetBody()
		}
	}
	return ""
}

func newExceptionHarness(t *testing.T) *harness {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	must(t, h.gh.SetRole(owner, repo, "lead", "maintain"))
	must(t, h.gh.SetRole(owner, repo, "bob", "write"))
	h.deliver("pull_request", "open", payload(t, "pull_request.opened", nil), testSecret)
	h.waitRun(headCommit, 1)
	if r := h.lastRun(headCommit); r.GetConclusion() != "failure" {
		t.Fatalf("the first run should fail, got %s", r.GetConclusion())
	}
	if !slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), needsLabel) {
		t.Fatalf("needs review not applied: %v", h.gh.IssueLabels(owner, repo, prNumber))
	}
	return h
}

func TestApproverLabelTurnsTheCheckGreenWithARecord(t *testing.T) {
	h := newExceptionHarness(t)
	h.label(blanketLabel, "lead", true, headCommit, 2)

	r := h.lastRun(headCommit)
	if r.GetConclusion() != "success" || !strings.HasPrefix(r.GetOutput().GetTitle(), "Passed with 3 exceptions") {
		t.Errorf("run after the approval: %s %q", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if !strings.Contains(r.GetOutput().GetSummary(), "Granted exceptions") || !strings.Contains(r.GetOutput().GetSummary(), "@lead") {
		t.Errorf("the summary does not list the exceptions:\n%s", r.GetOutput().GetSummary())
	}
	rec := h.record()
	if rec == "" || !strings.Contains(rec, "lead") || !strings.Contains(rec, "docker-socket") {
		t.Fatalf("exception record:\n%s", rec)
	}
	if slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), needsLabel) {
		t.Errorf("needs review stayed on: %v", h.gh.IssueLabels(owner, repo, prNumber))
	}
	for _, c := range h.comments() {
		if !strings.Contains(c.GetBody(), "mountguard-exception-note") {
			t.Errorf("an inline comment does not say it is excepted:\n%s", c.GetBody())
		}
	}

	// A later push adds another socket mount: the approval does not cover
	// it, so the check fails again and the record says what changed.
	next := headComposeFile + "  worker:\n    image: worker:1\n    user: \"1000\"\n    volumes:\n      - /run/docker.sock:/run/docker.sock\n"
	sha := "5555555555555555555555555555555555555555"
	addCommit(t, h.gh, sha, map[string]string{"compose.yaml": next})
	must(t, h.gh.SetPullRequestHead(owner, repo, prNumber, sha))
	h.deliver("pull_request", "sync", payload(t, "pull_request.synchronize", func(d map[string]any) {
		set(d, "pull_request.head.sha", sha)
		set(d, "after", sha)
		set(d, "pull_request.labels", []any{map[string]any{"name": blanketLabel}})
	}), testSecret)
	h.waitRun(sha, 1)
	if r := h.lastRun(sha); r.GetConclusion() != "failure" {
		t.Errorf("a new socket after the approval passed: %s %q", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if !strings.Contains(h.record(), "Not covered") || !strings.Contains(h.record(), "worker") {
		t.Errorf("the record does not say what changed:\n%s", h.record())
	}
	if !slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), needsLabel) {
		t.Errorf("needs review did not come back: %v", h.gh.IssueLabels(owner, repo, prNumber))
	}

	// Taking the label off revokes the exception: the run fails, the
	// record keeps the history.
	h.label(blanketLabel, "lead", false, sha, 2)
	if r := h.lastRun(sha); r.GetConclusion() != "failure" || strings.HasPrefix(r.GetOutput().GetTitle(), "Passed") {
		t.Errorf("after the label came off: %s %q", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if !strings.Contains(h.record(), "Revoked") {
		t.Errorf("the record lost the revoked exception:\n%s", h.record())
	}
	if n := len(h.gh.IssueComments(owner, repo, prNumber)); n != 1 {
		t.Errorf("%d conversation comments, want the one record", n)
	}
}

func TestNonApproverLabelIsRefusedRemovedAndExplained(t *testing.T) {
	h := newExceptionHarness(t)
	h.label(blanketLabel, "bob", true, headCommit, 2)

	if r := h.lastRun(headCommit); r.GetConclusion() != "failure" {
		t.Errorf("a non-approver's label changed the check: %s", r.GetConclusion())
	}
	if slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), blanketLabel) {
		t.Errorf("the label was not removed: %v", h.gh.IssueLabels(owner, repo, prNumber))
	}
	comments := h.gh.IssueComments(owner, repo, prNumber)
	if len(comments) != 1 || !strings.Contains(comments[0].GetBody(), "@bob") || !strings.Contains(comments[0].GetBody(), "maintain") {
		t.Fatalf("explanation: %+v", comments)
	}
	if h.record() != "" {
		t.Error("a record was written for a refused label")
	}
}

func TestPRAuthorCannotApproveTheirOwnPullRequest(t *testing.T) {
	h := newExceptionHarness(t)
	// The corpus pull request was opened by Codertocat, the owner.
	must(t, h.gh.SetRole(owner, repo, "Codertocat", "admin"))
	h.label(blanketLabel, "Codertocat", true, headCommit, 2)
	if r := h.lastRun(headCommit); r.GetConclusion() != "failure" {
		t.Errorf("the author excepted their own pull request: %s", r.GetConclusion())
	}
}

// TestApproverWhoPushedCommitsCannotApprove: a maintainer who pushed a
// commit into someone else's pull request would be approving their own
// code. Their label is refused, removed and explained, and the check stays
// red; an approver who wrote none of the commits can still grant it.
func TestApproverWhoPushedCommitsCannotApprove(t *testing.T) {
	h := newExceptionHarness(t)
	// The lead pushes a commit into Codertocat's pull request.
	sha, err := h.gh.AddCommit(owner, repo, githubtest.Commit{
		Parents: []string{headCommit},
		Message: "Pin the agent's image",
		Files:   map[string]string{"compose.yaml": strings.Replace(headComposeFile, "agent:2", "agent:2.1", 1)},
		Author:  &githubtest.Person{Login: "lead"},
	})
	must(t, err)
	must(t, h.gh.SetPullRequestHead(owner, repo, prNumber, sha))
	h.deliver("pull_request", "sync", payload(t, "pull_request.synchronize", func(d map[string]any) {
		set(d, "pull_request.head.sha", sha)
		set(d, "after", sha)
		set(d, "pull_request.labels", []any{map[string]any{"name": needsLabel}})
	}), testSecret)
	h.waitRun(sha, 1)
	const commitsRoute = "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits"
	if n := h.gh.Count(commitsRoute); n != 0 {
		t.Errorf("the commits were read %d times without an exception label", n)
	}

	h.label(blanketLabel, "lead", true, sha, 2)
	if r := h.lastRun(sha); r.GetConclusion() != "failure" {
		t.Errorf("the lead excepted their own commit: %s %q", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), blanketLabel) {
		t.Errorf("the label was not removed: %v", h.gh.IssueLabels(owner, repo, prNumber))
	}
	comments := h.gh.IssueComments(owner, repo, prNumber)
	want := "@lead, you applied the label `" + blanketLabel + "`, but you wrote commits in this pull request (" + sha[:7] + ")"
	if len(comments) != 1 || !strings.Contains(comments[0].GetBody(), want) {
		t.Fatalf("explanation: %+v\nwant it to contain %q", comments, want)
	}
	if h.record() != "" {
		t.Error("a record was written for a refused label")
	}
	if n := h.gh.Count(commitsRoute); n != 1 {
		t.Errorf("the commits were read %d times, want once", n)
	}

	// Someone with the role who wrote none of the commits may.
	must(t, h.gh.SetRole(owner, repo, "carol", "admin"))
	h.label(blanketLabel, "carol", true, sha, 3)
	if r := h.lastRun(sha); r.GetConclusion() != "success" {
		t.Errorf("an approver who wrote no commit was refused: %s %q", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if rec := h.record(); !strings.Contains(rec, "carol") {
		t.Errorf("exception record:\n%s", rec)
	}
}

func TestExceptionsCommandListsWhatWasGranted(t *testing.T) {
	h := newExceptionHarness(t)
	// A second repository of the same account, with its own pull request.
	other := "Other"
	h.otherRepos = append(h.otherRepos, other)
	must(t, h.gh.AddRepo(githubtest.Repo{Owner: owner, Name: other, DefaultBranch: "master"}))
	must(t, h.gh.SetRole(owner, other, "lead", "admin"))
	base, err := h.gh.AddCommit(owner, other, githubtest.Commit{Files: map[string]string{"compose.yaml": baseComposeFile}})
	must(t, err)
	must(t, h.gh.SetBranch(owner, other, "master", base))
	head, err := h.gh.AddCommit(owner, other, githubtest.Commit{Parents: []string{base}, Files: map[string]string{"compose.yaml": strings.Replace(baseComposeFile, "user: \"101\"", "user: \"101\"\n    privileged: true", 1)}})
	must(t, err)
	must(t, h.gh.AddPullRequest(owner, other, githubtest.PullRequest{Number: 5, Base: "master", BaseSHA: base, HeadSHA: head, User: "dev"}))
	h.deliver("pull_request", "open-other", payload(t, "pull_request.opened", func(d map[string]any) {
		set(d, "repository.name", other)
		set(d, "repository.full_name", owner+"/"+other)
		set(d, "number", 5)
		set(d, "pull_request.number", 5)
		set(d, "pull_request.head.sha", head)
		set(d, "pull_request.base.sha", base)
		set(d, "pull_request.user.login", "dev")
	}), testSecret)
	h.waitRun(head, 1)

	h.label(blanketLabel, "lead", true, headCommit, 2)
	d, err := h.gh.SetLabel(owner, other, 5, "mountguard: allow privileged", "lead", true)
	must(t, err)
	d.Secret = testSecret
	h.deliverDelivery(d)
	h.waitRun(head, 2)
	// bob's refused label must not show up.
	h.label("mountguard: allow docker-socket", "bob", true, headCommit, 3)

	token := h.gh.UserToken("lead")
	run := func(format string, targets ...string) string {
		t.Helper()
		args := append([]string{"exceptions", "--token", token, "--github-url", h.gh.URL + "/", "--format", format}, targets...)
		code, out, errOut := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("exceptions %s: exit %d: %s", format, code, errOut)
		}
		return out
	}

	var doc struct {
		Exceptions []exceptionRow
	}
	must(t, json.Unmarshal([]byte(run("json", owner+"/"+repo, owner+"/"+other)), &doc))
	var got []string
	for _, e := range doc.Exceptions {
		got = append(got, e.Repo+"#"+strconv.Itoa(e.PR)+" "+e.Label+" "+strings.Join(e.Rules, ",")+" by "+e.ApprovedBy)
	}
	slices.Sort(got)
	want := []string{
		"Codertocat/Hello-World#2 mountguard: exception docker-socket,privileged,sensitive-host-path by lead",
		"Codertocat/Other#5 mountguard: allow privileged privileged by lead",
	}
	if !slices.Equal(got, want) {
		t.Errorf("json listing:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	records, err := csv.NewReader(strings.NewReader(run("csv", owner+"/"+repo, owner+"/"+other))).ReadAll()
	must(t, err)
	if len(records) != 3 || records[0][0] != "repository" {
		t.Errorf("csv listing: %v", records)
	}
	table := run("table", owner+"/"+repo, owner+"/"+other)
	if !strings.Contains(table, "Codertocat/Other#5") || !strings.Contains(table, "2 exceptions") || strings.Contains(table, "bob") {
		t.Errorf("table listing:\n%s", table)
	}
	if out := run("json", "--state", "merged", owner+"/"+repo); strings.Contains(out, "Hello-World") {
		t.Errorf("--state merged listed an open pull request:\n%s", out)
	}
}

func TestRequestReviewButton(t *testing.T) {
	// Codertocat is a user account, which has no teams: the button can
	// only apply the label here (ghapi's tests cover the team request).
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.deliver("pull_request", "open", payload(t, "pull_request.opened", nil), testSecret)
	h.waitRun(headCommit, 1)
	r := h.lastRun(headCommit)
	last := r.Requests[len(r.Requests)-1]
	if len(last.Actions) != 1 || last.Actions[0].Identifier != "request-review" {
		t.Fatalf("a failing run offers %+v, want the Request review button", last.Actions)
	}
	must(t, h.gh.SetRole(owner, repo, "lead", "maintain"))
	if _, err := h.gh.SetLabel(owner, repo, prNumber, needsLabel, "lead", false); err != nil {
		t.Fatal(err)
	}
	h.deliver("check_run", "button", payload(t, "check_run.rerequested", func(d map[string]any) {
		set(d, "action", "requested_action")
		d["requested_action"] = map[string]any{"identifier": "request-review"}
		set(d, "check_run.head_sha", headCommit)
		set(d, "check_run.external_id", "2")
		set(d, "repository.owner.login", owner)
		set(d, "repository.name", repo)
		set(d, "repository.full_name", owner+"/"+repo)
	}), testSecret)
	h.stop()
	if !slices.Contains(h.gh.IssueLabels(owner, repo, prNumber), needsLabel) {
		t.Errorf("the button did not apply %q: %v", needsLabel, h.gh.IssueLabels(owner, repo, prNumber))
	}
	if n := len(h.runs(headCommit)); n != 1 {
		t.Errorf("the button made %d runs, want the first one only", n)
	}
}

func TestUnrelatedAndBotLabelEventsStartNoReview(t *testing.T) {
	h := newExceptionHarness(t)
	d, err := h.gh.SetLabel(owner, repo, prNumber, "bug", "lead", true)
	must(t, err)
	d.Secret = testSecret
	h.deliverDelivery(d)
	// The App's own needs-review change comes back as a webhook from its
	// bot user.
	h.deliver("pull_request", "bot-label", payload(t, "pull_request.labeled", func(doc map[string]any) {
		set(doc, "label.name", needsLabel)
		set(doc, "sender.login", "mountguard[bot]")
		set(doc, "sender.type", "Bot")
	}), testSecret)
	h.stop()
	if n := len(h.runs(headCommit)); n != 1 {
		t.Errorf("%d check runs, want only the first: unrelated and bot label events must not re-run", n)
	}
}
