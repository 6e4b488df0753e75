package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mountguard/mountguard/webhook/githubtest"
)

//go:embed all:demo/base all:demo/head
var demoFiles embed.FS

// The demo's repository and pull request.
const (
	demoOwner, demoRepo = "acme", "shop"
	demoPR              = 7
	demoInstallation    = 1001
	demoAppID           = 4242
	demoSecret          = "demo-webhook-secret"
)

// runDemo runs the real App against a fake GitHub in the same process: it
// opens a pull request in a sample repository, delivers the signed webhook
// and prints what the App posted. No account or network is needed.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "Usage: mountguard demo\n\nRuns the GitHub App against a built-in fake GitHub and prints the review it posts.")
		if args[0] == "-h" || args[0] == "--help" {
			return exitOK
		}
		return exitUsage
	}
	if err := demo(ctx, stdout); err != nil {
		fmt.Fprintln(stderr, "mountguard demo:", err)
		return exitUsage
	}
	return exitOK
}

func demo(ctx context.Context, out io.Writer) error {
	gh := githubtest.NewServer()
	defer gh.Close()
	key, err := githubtest.NewPrivateKey()
	if err != nil {
		return err
	}
	base, err := demoTree("demo/base")
	if err != nil {
		return err
	}
	head, err := demoTree("demo/head")
	if err != nil {
		return err
	}
	steps := []error{
		gh.SetApp(demoAppID, "mountguard", key),
		gh.AddInstallation(githubtest.Installation{ID: demoInstallation, Account: demoOwner}),
		gh.AddRepo(githubtest.Repo{Owner: demoOwner, Name: demoRepo, OwnerType: "Organization"}),
	}
	baseSHA, err := gh.AddCommit(demoOwner, demoRepo, githubtest.Commit{Message: "Initial services", Files: base})
	steps = append(steps, err, gh.SetBranch(demoOwner, demoRepo, "main", baseSHA))
	headSHA, err := gh.AddCommit(demoOwner, demoRepo, githubtest.Commit{Message: "Add monitoring", Parents: []string{baseSHA}, Files: head})
	steps = append(steps, err, gh.AddPullRequest(demoOwner, demoRepo, githubtest.PullRequest{
		Number: demoPR, Title: "Add monitoring", User: "dev", Base: "main", BaseSHA: baseSHA, Head: "monitoring", HeadSHA: headSHA,
	}))
	if err := errors.Join(steps...); err != nil {
		return fmt.Errorf("preparing the fake GitHub: %w", err)
	}

	s := defaultSettings()
	s.AppID, s.PrivateKey, s.WebhookSecret = demoAppID, string(key), demoSecret
	s.GitHubURL = gh.URL + "/"
	s.Workers = 2
	a, err := newApp(s, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.serve(serveCtx, ln, 30*time.Second) }()

	fmt.Fprintf(out, "mountguard demo: the App serves http://%s/webhook; a fake GitHub serves %s.\n", ln.Addr(), gh.URL)
	fmt.Fprintf(out, "Pull request %s/%s#%d \"Add monitoring\" adds a monitoring service and two volumes.\n\n", demoOwner, demoRepo, demoPR)
	status, err := deliverDemo(ln.Addr().String(), baseSHA, headSHA)
	if err != nil {
		stop()
		return err
	}
	fmt.Fprintf(out, "GitHub delivers the signed pull_request.opened webhook: the App answers %s.\n", status)

	deadline := time.Now().Add(time.Minute)
	var run *githubtest.CheckRun
	for run == nil && time.Now().Before(deadline) {
		for _, r := range gh.CheckRuns(demoOwner, demoRepo) {
			if r.GetHeadSHA() == headSHA && r.GetStatus() == "completed" {
				run = &r
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		return err
	}
	if run == nil {
		return errors.New("the App did not complete its check run within a minute")
	}
	printReview(out, gh, head)
	printCheckRun(out, run)
	fmt.Fprintf(out, "\nGitHub saw %d API calls from the App. Run it for real with `mountguard serve` (see `mountguard serve -h`).\n", len(gh.Calls()))
	return nil
}

func demoTree(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := fs.WalkDir(demoFiles, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := demoFiles.ReadFile(p)
		files[strings.TrimPrefix(p, dir+"/")] = string(b)
		return err
	})
	return files, err
}

// deliverDemo sends the webhook GitHub would send when the pull request is
// opened, signed with the App's secret.
func deliverDemo(addr, baseSHA, headSHA string) (string, error) {
	repo := map[string]any{"name": demoRepo, "full_name": demoOwner + "/" + demoRepo, "owner": map[string]any{"login": demoOwner}}
	body, err := json.Marshal(map[string]any{
		"action": "opened",
		"number": demoPR,
		"pull_request": map[string]any{
			"number": demoPR, "title": "Add monitoring", "state": "open",
			"head": map[string]any{"sha": headSHA, "ref": "monitoring", "repo": repo},
			"base": map[string]any{"sha": baseSHA, "ref": "main", "repo": repo},
		},
		"repository":   repo,
		"installation": map[string]any{"id": demoInstallation},
		"sender":       map[string]any{"login": "dev"},
	})
	if err != nil {
		return "", err
	}
	req, err := githubtest.Delivery{Event: "pull_request", Payload: body, Secret: demoSecret}.NewRequest("http://" + addr + "/webhook")
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("delivering the webhook: %w", err)
	}
	resp.Body.Close()
	return resp.Status, nil
}

var marker = regexp.MustCompile(`(?m)^<!-- mountguard: .* -->\n?`)

// printReview shows the inline comments as a reviewer sees them: the
// commented lines of the file, then the comment.
func printReview(out io.Writer, gh *githubtest.Server, head map[string]string) {
	reviews := gh.Reviews(demoOwner, demoRepo, demoPR)
	comments := gh.ReviewComments(demoOwner, demoRepo, demoPR)
	fmt.Fprintf(out, "\n══ Review on the pull request (%d inline comments) ══\n", len(comments))
	for _, r := range reviews {
		fmt.Fprintf(out, "\n%s\n", strings.TrimSpace(marker.ReplaceAllString(r.GetBody(), "")))
	}
	for _, c := range comments {
		path, line, start := c.GetPath(), c.GetLine(), c.GetStartLine()
		if start == 0 {
			start = line
		}
		fmt.Fprintf(out, "\n── %s, line %d ──\n", path, line)
		lines := strings.Split(head[path], "\n")
		for n := start; n <= line && n <= len(lines); n++ {
			fmt.Fprintf(out, "  %4d │ %s\n", n, lines[n-1])
		}
		fmt.Fprintf(out, "\n%s\n", indent(strings.TrimSpace(marker.ReplaceAllString(c.GetBody(), "")), "  "))
	}
}

func printCheckRun(out io.Writer, run *githubtest.CheckRun) {
	o := run.GetOutput()
	fmt.Fprintf(out, "\n══ Check run %q: %s — %s ══\n\n", run.GetName(), run.GetConclusion(), o.GetTitle())
	fmt.Fprintln(out, strings.TrimSpace(o.GetSummary()))
	fmt.Fprintf(out, "\n%d annotations:\n", len(run.Annotations))
	for _, a := range run.Annotations {
		fmt.Fprintf(out, "  %s:%d  %-8s %s\n", a.GetPath(), a.GetStartLine(), a.GetAnnotationLevel(), a.GetTitle())
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
