package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mountguard/mountguard/checks"
	"github.com/mountguard/mountguard/webhook/githubtest"
)

// The corpus payloads describe pull request #2 of Codertocat/Hello-World,
// head ec26c3e, base f95f852 on master, installation 1. The fake GitHub
// holds exactly that repository, so the payloads are sent unchanged.
const (
	testAppID     = 42
	testSecret    = "it's a secret to everybody"
	owner, repo   = "Codertocat", "Hello-World"
	prNumber      = 2
	baseCommit    = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	headCommit    = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	installation1 = 1
)

const baseComposeFile = `services:
  web:
    image: nginx:1.27
    user: "101"
    volumes:
      - ./site:/usr/share/nginx/html:ro
`

// headComposeFile adds three problems: the Docker socket, a privileged
// service and a writable /etc.
const headComposeFile = `services:
  web:
    image: nginx:1.27
    user: "101"
    volumes:
      - ./site:/usr/share/nginx/html:ro
      - /var/run/docker.sock:/var/run/docker.sock
  agent:
    image: agent:2
    privileged: true
    volumes:
      - /etc:/host/etc
`

type harness struct {
	t       *testing.T
	gh      *githubtest.Server
	app     *app
	hook    *httptest.Server
	stopped bool
	// otherRepos are further repositories of the owner whose runs count.
	otherRepos []string
}

func newHarness(t *testing.T, base, head map[string]string) *harness {
	t.Helper()
	return newHarnessVia(t, base, head, nil)
}

// newHarnessVia sends the App's GitHub requests through transport (nil:
// straight to the fake).
func newHarnessVia(t *testing.T, base, head map[string]string, transport http.RoundTripper) *harness {
	t.Helper()
	gh, s := newFakeRepo(t, base, head)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := newApp(s, log, transport)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, gh: gh, app: a, hook: httptest.NewServer(a.routes)}
	t.Cleanup(h.stop)
	return h
}

// newFakeRepo starts the fake GitHub with the corpus' repository and pull
// request, and returns settings for an App that talks to it.
func newFakeRepo(t *testing.T, base, head map[string]string) (*githubtest.Server, settings) {
	t.Helper()
	gh := githubtest.NewServer()
	t.Cleanup(gh.Close)
	key, err := githubtest.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	must(t, gh.SetApp(testAppID, "mountguard", key))
	must(t, gh.AddInstallation(githubtest.Installation{ID: installation1, Account: owner, AccountType: "User"}))
	must(t, gh.AddRepo(githubtest.Repo{Owner: owner, Name: repo, DefaultBranch: "master"}))
	addCommit(t, gh, baseCommit, base)
	must(t, gh.SetBranch(owner, repo, "master", baseCommit))
	addCommit(t, gh, headCommit, head)
	must(t, gh.AddPullRequest(owner, repo, githubtest.PullRequest{Number: prNumber, Base: "master", BaseSHA: baseCommit, Head: "changes", HeadSHA: headCommit}))

	s := defaultSettings()
	s.AppID, s.PrivateKey, s.WebhookSecret = testAppID, string(key), testSecret
	s.GitHubURL = gh.URL + "/"
	s.Workers, s.QueueSize, s.JobTimeout = 2, 100, time.Minute
	return gh, s
}

// stop drains the queue: after it, every accepted delivery has been
// processed.
func (h *harness) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.hook.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.app.queue.Shutdown(ctx); err != nil {
		h.t.Errorf("queue did not drain: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func addCommit(t *testing.T, gh *githubtest.Server, sha string, files map[string]string) {
	t.Helper()
	if _, err := gh.AddCommit(owner, repo, githubtest.Commit{SHA: sha, Files: files}); err != nil {
		t.Fatal(err)
	}
}

func payload(t *testing.T, name string, edit func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "webhooks", name+".payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return raw
	}
	var doc map[string]any
	must(t, json.Unmarshal(raw, &doc))
	edit(doc)
	out, err := json.Marshal(doc)
	must(t, err)
	return out
}

// set changes a nested field: set(doc, "pull_request.head.sha", v).
func set(doc map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	m[parts[len(parts)-1]] = v
}

func (h *harness) deliver(event, id string, body []byte, secret string) int {
	h.t.Helper()
	req, err := githubtest.Delivery{Event: event, ID: id, Payload: body, Secret: secret}.NewRequest(h.hook.URL + "/webhook")
	must(h.t, err)
	resp, err := http.DefaultClient.Do(req)
	must(h.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// waitRun waits until sha has n completed check runs: a real pull request
// gets its next push after a review, not during it.
func (h *harness) waitRun(sha string, n int) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		done := 0
		for _, r := range h.runs(sha) {
			if r.GetStatus() == "completed" {
				done++
			}
		}
		if done >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("no completed check run for %.7s within 30s", sha)
}

func (h *harness) runs(sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, name := range append([]string{repo}, h.otherRepos...) {
		for _, r := range h.gh.CheckRuns(owner, name) {
			if r.GetHeadSHA() == sha {
				out = append(out, r)
			}
		}
	}
	return out
}

func (h *harness) comments() []githubtest.ReviewComment {
	return h.gh.ReviewComments(owner, repo, prNumber)
}

func TestOpenedPullRequestGetsOneReviewAndAFailingCheck(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	if code := h.deliver("pull_request", "d-1", payload(t, "pull_request.opened", nil), testSecret); code != http.StatusAccepted {
		t.Fatalf("delivery answered %d", code)
	}
	h.stop()

	reviews := h.gh.Reviews(owner, repo, prNumber)
	if len(reviews) != 1 || reviews[0].GetState() != "COMMENTED" || reviews[0].GetCommitID() != headCommit {
		t.Fatalf("reviews: %+v", reviews)
	}
	comments := h.comments()
	var lines []int
	for _, c := range comments {
		lines = append(lines, c.GetLine())
		if c.AppID != testAppID || !strings.Contains(c.GetBody(), "<!-- mountguard:") {
			t.Errorf("comment not marked as the App's: %+v", c)
		}
	}
	// One comment per YAML entry: the socket (line 7), privileged (10)
	// and the /etc mount (12, with root-writable-bind beside it).
	if fmt.Sprint(lines) != "[7 10 12]" {
		t.Errorf("comment lines %v, want [7 10 12]", lines)
	}
	if body := comments[2].GetBody(); !strings.Contains(body, "sensitive-host-path") || !strings.Contains(body, "root-writable-bind") || !strings.Contains(body, "```suggestion") || !strings.Contains(body, "- /etc:/host/etc:ro") {
		t.Errorf("the /etc comment lacks its findings or its suggestion:\n%s", body)
	}

	runs := h.runs(headCommit)
	if len(runs) != 1 {
		t.Fatalf("%d check runs", len(runs))
	}
	run := runs[0]
	if run.GetName() != "mountguard" || run.GetStatus() != "completed" || run.GetConclusion() != "failure" || run.GetExternalID() != "2" {
		t.Errorf("check run %s %s %s external_id=%q", run.GetName(), run.GetStatus(), run.GetConclusion(), run.GetExternalID())
	}
	if first := run.Requests[0]; first.Status == nil || *first.Status != "in_progress" {
		t.Errorf("the run was not created in progress: %+v", first)
	}
	var levels []string
	for _, a := range run.Annotations {
		levels = append(levels, fmt.Sprintf("%d:%s", a.GetStartLine(), a.GetAnnotationLevel()))
	}
	want := "[7:failure 10:failure 12:failure 12:warning 6:notice]"
	if fmt.Sprint(levels) != want {
		t.Errorf("annotations %v, want %s", levels, want)
	}
	if title := run.GetOutput().GetTitle(); !strings.Contains(title, "3 new errors") {
		t.Errorf("title %q", title)
	}
}

func TestRedeliveryIsProcessedOnce(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	body := payload(t, "pull_request.opened", nil)
	first := h.deliver("pull_request", "same-id", body, testSecret)
	second := h.deliver("pull_request", "same-id", body, testSecret)
	h.stop()
	if first != http.StatusAccepted || second != http.StatusOK {
		t.Errorf("answers %d then %d, want 202 then 200", first, second)
	}
	if n := len(h.runs(headCommit)); n != 1 {
		t.Errorf("%d check runs for one delivery sent twice", n)
	}
}

// A delivery whose review failed before any check run existed (here the
// installation token was refused) can be redelivered from the App's
// settings, and is then reviewed instead of dropped as a duplicate.
func TestFailedDeliveryCanBeRedelivered(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.gh.InjectFault("POST /app/installations/{installation_id}/access_tokens", 1, githubtest.Response{Status: http.StatusUnauthorized})
	body := payload(t, "pull_request.opened", nil)
	if code := h.deliver("pull_request", "same-id", body, testSecret); code != http.StatusAccepted {
		t.Fatalf("first delivery answered %d", code)
	}
	waitFor(t, func() bool {
		return h.gh.Count("POST /app/installations/{installation_id}/access_tokens") >= 1 && h.app.queue.Len() == 0
	})
	if n := len(h.runs(headCommit)); n != 0 {
		t.Fatalf("%d check runs without a token", n)
	}
	// The job has returned its error once its delivery is released.
	var code int
	waitFor(t, func() bool {
		code = h.deliver("pull_request", "same-id", body, testSecret)
		return code == http.StatusAccepted
	})
	h.stop()
	if runs := h.runs(headCommit); len(runs) != 1 || runs[0].GetConclusion() != "failure" {
		t.Errorf("after the redelivery: %d runs", len(runs))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestForgedSignatureIsRefusedAndNothingHappens(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	body := payload(t, "pull_request.opened", nil)
	for _, secret := range []string{"wrong secret", ""} {
		if code := h.deliver("pull_request", "forged-"+secret, body, secret); code != http.StatusUnauthorized {
			t.Errorf("secret %q: answered %d, want 401", secret, code)
		}
	}
	h.stop()
	if calls := h.gh.Calls(); len(calls) != 0 {
		t.Errorf("a forged delivery caused %d GitHub calls", len(calls))
	}
}

func TestSynchronizePushesNeverDuplicateAndFixesAreMarked(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.deliver("pull_request", "open", payload(t, "pull_request.opened", nil), testSecret)
	h.waitRun(headCommit, 1)

	// Two more pushes: an unrelated change, then one that removes the
	// socket mount.
	second := strings.Replace(headComposeFile, "image: agent:2", "image: agent:3", 1)
	third := strings.Replace(second, "      - /var/run/docker.sock:/var/run/docker.sock\n", "", 1)
	for i, content := range []string{second, third} {
		sha := fmt.Sprintf("%040d", i+3)
		addCommit(t, h.gh, sha, map[string]string{"compose.yaml": content})
		must(t, h.gh.SetPullRequestHead(owner, repo, prNumber, sha))
		h.deliver("pull_request", fmt.Sprintf("sync-%d", i), payload(t, "pull_request.synchronize", func(d map[string]any) {
			set(d, "pull_request.head.sha", sha)
			set(d, "after", sha)
		}), testSecret)
		h.waitRun(sha, 1)
	}
	h.stop()

	comments := h.comments()
	if len(comments) != 3 {
		t.Fatalf("%d comments after three runs, want the 3 of the first", len(comments))
	}
	var fixed int
	for _, c := range comments {
		if strings.Contains(c.GetBody(), "**Fixed**") {
			fixed++
			if !strings.Contains(c.GetBody(), "docker-socket") || !strings.Contains(c.GetBody(), "0000000004"[:7]) {
				t.Errorf("the wrong comment was marked fixed:\n%s", c.GetBody())
			}
		}
	}
	if fixed != 1 {
		t.Errorf("%d comments marked fixed, want 1", fixed)
	}
	if n := len(h.gh.Reviews(owner, repo, prNumber)); n != 1 {
		t.Errorf("%d reviews, want 1", n)
	}
	for _, sha := range []string{headCommit, fmt.Sprintf("%040d", 3), fmt.Sprintf("%040d", 4)} {
		runs := h.runs(sha)
		if len(runs) != 1 || runs[0].GetStatus() != "completed" {
			t.Errorf("head %s: %d runs", sha[:7], len(runs))
		}
	}
}

func TestNoComposeChangeStillCompletesTheCheck(t *testing.T) {
	h := newHarness(t, map[string]string{"README.md": "hello\n"}, map[string]string{"README.md": "hello, world\n"})
	h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()
	runs := h.runs(headCommit)
	if len(runs) != 1 || runs[0].GetConclusion() != "success" || !strings.Contains(runs[0].GetOutput().GetTitle(), "No compose files changed") {
		t.Fatalf("runs %+v", runs)
	}
	if len(h.gh.Reviews(owner, repo, prNumber)) != 0 {
		t.Error("a review was posted for a pull request without compose changes")
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.gh.InjectFault("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", 2, githubtest.Response{Status: http.StatusBadGateway})
	h.gh.InjectFault("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", 1, githubtest.SecondaryRateLimit(time.Second))
	h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()
	runs := h.runs(headCommit)
	if len(runs) != 1 || runs[0].GetConclusion() != "failure" || len(h.comments()) != 3 {
		t.Fatalf("after retries: %d runs, conclusion %q, %d comments", len(runs), runs[0].GetConclusion(), len(h.comments()))
	}
	faulted := 0
	for _, c := range h.gh.Calls() {
		if c.Faulted {
			faulted++
		}
	}
	if faulted != 3 {
		t.Errorf("%d faulted calls, want 3", faulted)
	}
}

func TestFailureMidwayCompletesTheRunWithTheError(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	// Contents fail for good: the review cannot finish.
	h.gh.InjectFault("GET /repos/{owner}/{repo}/contents/{path...}", 1000, githubtest.Response{Status: http.StatusServiceUnavailable})
	h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()
	runs := h.runs(headCommit)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	r := runs[0]
	if r.GetStatus() != "completed" || r.GetConclusion() != "neutral" || !strings.Contains(r.GetOutput().GetSummary(), "503") {
		t.Errorf("run %s/%s: %s", r.GetStatus(), r.GetConclusion(), r.GetOutput().GetSummary())
	}
	last := r.Requests[len(r.Requests)-1]
	if len(last.Actions) != 1 || last.Actions[0].Identifier != checks.ActionRerun {
		t.Errorf("actions %+v, want a re-run button", last.Actions)
	}
}

func TestForkCheckSuiteFindsThePullRequestByHeadSHA(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.deliver("check_suite", "suite", payload(t, "check_suite.requested", func(d map[string]any) {
		set(d, "check_suite.head_sha", headCommit)
		set(d, "installation.id", installation1)
	}), testSecret)
	h.stop()
	if runs := h.runs(headCommit); len(runs) != 1 || runs[0].GetExternalID() != "2" || runs[0].GetConclusion() != "failure" {
		t.Fatalf("runs %+v", runs)
	}
}

func TestPushEventsGiveOneRunPerHead(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.deliver("pull_request", "open", payload(t, "pull_request.opened", nil), testSecret)
	h.deliver("check_suite", "suite", payload(t, "check_suite.requested", func(d map[string]any) {
		set(d, "check_suite.head_sha", headCommit)
		set(d, "installation.id", installation1)
	}), testSecret)
	h.waitRun(headCommit, 1)
	// A re-run button is a request for a new run.
	code := h.deliver("check_run", "rerun", payload(t, "check_run.rerequested", func(d map[string]any) {
		set(d, "check_run.head_sha", headCommit)
		set(d, "check_run.external_id", "2")
		set(d, "repository.owner.login", owner)
		set(d, "repository.name", repo)
		set(d, "repository.full_name", owner+"/"+repo)
	}), testSecret)
	if code != http.StatusAccepted {
		t.Errorf("re-run answered %d", code)
	}
	h.stop()
	if n := len(h.runs(headCommit)); n != 2 {
		t.Errorf("%d runs, want 2 (the push, then the re-run)", n)
	}
	if n := len(h.comments()); n != 3 {
		t.Errorf("%d comments, want 3", n)
	}
}

func TestCallsPerEvent(t *testing.T) {
	h := newHarness(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	h.deliver("pull_request", "open", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()
	var review, labels, reads int
	for _, c := range h.gh.Calls() {
		switch {
		case strings.HasPrefix(c.Route, "POST /app/installations/"), c.Route == "GET /app":
			// Authentication, once per process and installation.
		case strings.Contains(c.Path, "/labels"):
			// The exception workflow: needs-review goes on, and the
			// App's labels are created the first time.
			labels++
		case strings.Contains(c.Path, "/contents/") && strings.HasSuffix(c.Path, "compose.yaml"):
			reads++
			review++
		default:
			review++
		}
	}
	// k compose files read, at the head and the base: 2k reads.
	k := reads / 2
	if review > 2*k+6 {
		t.Errorf("%d review calls for %d files read, want at most 2k+6 = %d:\n%v", review, k, 2*k+6, routes(h.gh.Calls()))
	}
	// Listing the labels, creating the blanket, needs-review and one allow
	// label per rule found (3 here), and labelling the pull request.
	if labels > 1+2+3+1 {
		t.Errorf("%d label calls:\n%v", labels, routes(h.gh.Calls()))
	}
	if n := len(h.comments()); n != 3 {
		t.Errorf("%d comments, want 3 and no duplicate", n)
	}
	t.Logf("%d review calls, %d label calls, %d content reads", review, labels, reads)
}

func routes(calls []githubtest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, fmt.Sprintf("%s %s %d", c.Method, c.Path, c.Status))
	}
	return out
}

func TestHugePullRequest(t *testing.T) {
	// 3000 changed files (GitHub's maximum for the files list) and 120 new
	// findings whose long service names overflow the run's text.
	base := map[string]string{"compose.yaml": "services: {}\n"}
	head := map[string]string{}
	for i := range 2999 {
		head[fmt.Sprintf("docs/page-%04d.md", i)] = fmt.Sprintf("page %d\n", i)
	}
	var compose strings.Builder
	compose.WriteString("services:\n")
	long := strings.Repeat("very-long-service-name-", 12)
	for i := range 120 {
		fmt.Fprintf(&compose, "  %s%03d:\n    image: x\n    user: \"1\"\n    privileged: true\n", long, i)
	}
	head["compose.yaml"] = compose.String()
	h := newHarness(t, base, head)
	h.deliver("pull_request", "huge", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()

	if n := h.gh.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 30 {
		t.Errorf("%d file list pages, want 30 (3000 files, 100 a page)", n)
	}
	runs := h.runs(headCommit)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	r := runs[0]
	if len(r.Annotations) != 120 || r.GetConclusion() != "failure" {
		t.Errorf("%d annotations, conclusion %q", len(r.Annotations), r.GetConclusion())
	}
	for _, req := range r.Requests {
		if req.Output != nil && len(req.Output.Annotations) > checks.MaxAnnotationsPerRequest {
			t.Errorf("a request carried %d annotations", len(req.Output.Annotations))
		}
	}
	out := r.GetOutput()
	if len(out.GetText()) > checks.MaxOutputChars || len(out.GetSummary()) > checks.MaxOutputChars {
		t.Errorf("output over the limit: summary %d, text %d", len(out.GetSummary()), len(out.GetText()))
	}
	if !strings.Contains(out.GetText(), "Truncated") {
		t.Errorf("the text was not truncated with a note (%d bytes)", len(out.GetText()))
	}
	reviews := h.gh.Reviews(owner, repo, prNumber)
	if len(reviews) != 1 || len(h.comments()) != 25 {
		t.Errorf("%d reviews, %d inline comments; want 1 review with the default cap of 25", len(reviews), len(h.comments()))
	}
	if body := reviews[0].GetBody(); !strings.Contains(body, "25 inline, 95 below") {
		t.Errorf("review body: %.300s", body)
	}
}

func TestSIGTERMDrainsQueuedReviews(t *testing.T) {
	gh, s := newFakeRepo(t, map[string]string{"compose.yaml": baseComposeFile}, map[string]string{"compose.yaml": headComposeFile})
	gh.SetLatency(20 * time.Millisecond) // so that reviews are still queued at SIGTERM
	a, err := newApp(s, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	ctx, sigterm := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, time.Minute) }()

	body := payload(t, "pull_request.opened", nil)
	req, err := githubtest.Delivery{Event: "pull_request", ID: "before-sigterm", Payload: body, Secret: testSecret}.NewRequest("http://" + ln.Addr().String() + "/webhook")
	must(t, err)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	sigterm()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	runs := gh.CheckRuns(owner, repo)
	if len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Fatalf("the queued review did not finish before exit: %d runs", len(runs))
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
