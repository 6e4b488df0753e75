package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fakeGitHub records every request and keeps the run as GitHub would:
// updates replace the status, conclusion, output and actions they carry and
// append their annotations. It enforces GitHub's limits with GitHub's own
// error texts, independently of Run.Validate, and fails the requests that a
// test asks it to.
type fakeGitHub struct {
	calls []fakeCall
	// failUpdate makes the update with this index (0-based) fail, or every
	// update from it on when failAfter is set.
	failUpdate map[int]error
	failAfter  bool

	status, conclusion string
	output             Output
	annotations        []Annotation
	actions            []Action
}

type fakeCall struct {
	method string
	repo   Repo
	id     int64
	run    Run
	err    error
}

const fakeID = 4711

var _ API = (*fakeGitHub)(nil)

var errBadGateway = errors.New("PATCH https://api.github.com/repos/acme/shop/check-runs/4711: 502 Bad Gateway")

func (f *fakeGitHub) CreateCheckRun(ctx context.Context, repo Repo, run Run) (int64, error) {
	err := ctx.Err()
	if err == nil {
		err = githubRejects(run)
	}
	if err == nil && (run.Name == "" || run.HeadSHA == "") {
		err = errors.New("422 name and head_sha are required")
	}
	f.calls = append(f.calls, fakeCall{method: "create", repo: repo, run: copyRun(run), err: err})
	if err != nil {
		return 0, err
	}
	f.apply(run)
	return fakeID, nil
}

func (f *fakeGitHub) UpdateCheckRun(ctx context.Context, repo Repo, id int64, run Run) error {
	n := len(f.updates())
	err := ctx.Err()
	if err == nil && id != fakeID {
		err = errors.New("404 Not Found")
	}
	if err == nil {
		err = githubRejects(run)
	}
	if err == nil {
		err = f.failUpdate[n]
		if f.failAfter {
			for from, e := range f.failUpdate {
				if n >= from {
					err = e
				}
			}
		}
	}
	f.calls = append(f.calls, fakeCall{method: "update", repo: repo, id: id, run: copyRun(run), err: err})
	if err != nil {
		return err
	}
	f.apply(run)
	return nil
}

func (f *fakeGitHub) apply(run Run) {
	if run.Status != "" {
		f.status = run.Status
	}
	if run.Conclusion != "" {
		f.conclusion = run.Conclusion
	}
	if run.Output != nil {
		f.output = Output{Title: run.Output.Title, Summary: run.Output.Summary, Text: run.Output.Text}
		f.annotations = append(f.annotations, run.Output.Annotations...)
	}
	if run.Actions != nil {
		f.actions = run.Actions
	}
}

func (f *fakeGitHub) updates() []fakeCall {
	var u []fakeCall
	for _, c := range f.calls {
		if c.method == "update" {
			u = append(u, c)
		}
	}
	return u
}

func copyRun(run Run) Run {
	if run.Output != nil {
		o := *run.Output
		o.Annotations = slices.Clone(o.Annotations)
		run.Output = &o
	}
	run.Actions = slices.Clone(run.Actions)
	return run
}

// githubRejects applies GitHub's limits as GitHub words them.
func githubRejects(run Run) error {
	if run.Status == StatusCompleted && run.Conclusion == "" {
		return errors.New("422 conclusion is required when status is completed")
	}
	if o := run.Output; o != nil {
		if o.Title == "" || o.Summary == "" {
			return errors.New("422 output.title and output.summary are required")
		}
		for _, s := range []string{o.Summary, o.Text} {
			if n := utf8.RuneCountInString(s); n > MaxOutputChars || len(s) > MaxOutputChars {
				return fmt.Errorf("422 Only %d characters are allowed; %d were supplied", MaxOutputChars, n)
			}
		}
		if len(o.Annotations) > MaxAnnotationsPerRequest {
			return fmt.Errorf("422 No more than %d items are allowed", MaxAnnotationsPerRequest)
		}
		for _, a := range o.Annotations {
			if a.Path == "" || a.StartLine < 1 || a.EndLine < a.StartLine || a.Message == "" {
				return fmt.Errorf("422 invalid annotation %+v", a)
			}
			if a.StartColumn != 0 && a.StartLine != a.EndLine {
				return errors.New("422 start_column and end_column may only be used when start_line equals end_line")
			}
			if utf8.RuneCountInString(a.Title) > MaxAnnotationTitle || len(a.Message) > MaxAnnotationMessage ||
				len(a.RawDetails) > MaxAnnotationRawDetails {
				return errors.New("422 annotation too long")
			}
		}
	}
	if len(run.Actions) > MaxActions {
		return errors.New("422 too many actions")
	}
	for _, a := range run.Actions {
		if len(a.Label) > MaxActionLabel || len(a.Description) > MaxActionDescription || len(a.Identifier) > MaxActionIdentifier {
			return fmt.Errorf("422 action too long: %+v", a)
		}
	}
	return nil
}

var testRepo = Repo{Owner: "acme", Name: "shop"}

func start(t *testing.T, gh *fakeGitHub) *Reporter {
	t.Helper()
	r, err := Start(context.Background(), gh, testRepo, "mountguard", "0123abcdef4567890123abcdef4567890123abcd", "42")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func manyAnnotations(n int) []Annotation {
	anns := make([]Annotation, n)
	for i := range anns {
		anns[i] = Annotation{Path: "compose.yaml", StartLine: i + 1, EndLine: i + 1, Level: LevelWarning,
			Title: fmt.Sprintf("finding %d", i), Message: "m"}
	}
	return anns
}

func TestStart(t *testing.T) {
	gh := &fakeGitHub{}
	r := start(t, gh)
	if r.ID() != fakeID {
		t.Errorf("id %d", r.ID())
	}
	if len(gh.calls) != 1 {
		t.Fatalf("%d calls", len(gh.calls))
	}
	c := gh.calls[0]
	if c.repo != testRepo || c.run.Status != StatusInProgress || c.run.ExternalID != "42" || c.run.Name != "mountguard" ||
		c.run.HeadSHA != "0123abcdef4567890123abcdef4567890123abcd" || c.run.Output == nil || c.run.Output.Summary == "" {
		t.Errorf("create request %+v", c.run)
	}

	for _, args := range [][2]string{{"", "abc"}, {"mountguard", ""}} {
		gh := &fakeGitHub{}
		if _, err := Start(context.Background(), gh, testRepo, args[0], args[1], ""); !errors.Is(err, ErrInvalid) || len(gh.calls) != 0 {
			t.Errorf("Start(%q, %q): %v after %d calls, want ErrInvalid before any", args[0], args[1], err, len(gh.calls))
		}
	}
	if _, err := Start(context.Background(), &fakeGitHub{}, testRepo, "mountguard", "abc", ""); err != nil {
		t.Errorf("Start without external ID (a fork event): %v", err)
	}
}

func TestCompleteBatches(t *testing.T) {
	out := Output{Title: "2 new errors", Summary: "the summary", Text: "the text"}
	tests := []struct {
		annotations int
		batches     []int
	}{
		{0, []int{0}},
		{1, []int{1}},
		{50, []int{50}},
		{51, []int{50, 1}},
		{120, []int{50, 50, 20}},
		{MaxAnnotationsPerRun + 7, slices.Repeat([]int{50}, MaxAnnotationsPerRun/50)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.annotations), func(t *testing.T) {
			gh := &fakeGitHub{}
			r := start(t, gh)
			err := r.Complete(context.Background(), ConclusionFailure, out, manyAnnotations(tt.annotations))
			if tt.annotations > MaxAnnotationsPerRun {
				// The cap: the rest are dropped, and the summary says so.
				if err != nil || !strings.Contains(gh.output.Summary, "7 annotations were left out") {
					t.Errorf("err %v, summary %q", err, gh.output.Summary)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for i, c := range gh.updates() {
				sizes = append(sizes, len(c.run.Output.Annotations))
				// Every request completes the run and carries the whole
				// output, so no reader ever sees a half-written run.
				if c.run.Status != StatusCompleted || c.run.Conclusion != ConclusionFailure ||
					c.run.Output.Title != out.Title || c.run.Output.Text != out.Text || c.run.Output.Summary == "" {
					t.Errorf("update %d: %+v", i, c.run)
				}
				if err := c.run.Validate(); err != nil {
					t.Errorf("update %d: %v", i, err)
				}
			}
			if !slices.Equal(sizes, tt.batches) {
				t.Errorf("batches %v, want %v", sizes, tt.batches)
			}
			if gh.status != StatusCompleted || gh.conclusion != ConclusionFailure {
				t.Errorf("run %s/%s", gh.status, gh.conclusion)
			}
			if want := min(tt.annotations, MaxAnnotationsPerRun); len(gh.annotations) != want {
				t.Errorf("%d annotations on the run, want %d", len(gh.annotations), want)
			}
			for i, a := range gh.annotations {
				if a.Title != fmt.Sprintf("finding %d", i) {
					t.Fatalf("annotation %d is %q: out of order", i, a.Title)
				}
			}
		})
	}
}

func TestCompleteLaterBatchFails(t *testing.T) {
	gh := &fakeGitHub{failUpdate: map[int]error{1: errBadGateway}}
	r := start(t, gh)
	err := r.Complete(context.Background(), ConclusionSuccess, Output{Title: "t", Summary: "s"}, manyAnnotations(120))

	var inc *IncompleteError
	if !errors.Is(err, ErrIncomplete) || !errors.Is(err, errBadGateway) || !errors.As(err, &inc) || inc.Sent != 50 || inc.Total != 120 {
		t.Fatalf("err %v, want an IncompleteError with 50 of 120 sent, wrapping the cause", err)
	}
	// The run was completed by the first request and stays so; the summary
	// says what is missing; no third batch was sent after the failure.
	if gh.status != StatusCompleted || gh.conclusion != ConclusionSuccess || len(gh.annotations) != 50 {
		t.Errorf("run %s/%s with %d annotations", gh.status, gh.conclusion, len(gh.annotations))
	}
	if !strings.HasPrefix(gh.output.Summary, "_Only 50 of the 120 annotations of this run could be posted") {
		t.Errorf("summary %q", gh.output.Summary)
	}
	if n := len(gh.updates()); n != 3 {
		t.Errorf("%d updates, want batch 1, failed batch 2, note", n)
	}
}

func TestCompleteFirstRequestFails(t *testing.T) {
	gh := &fakeGitHub{failUpdate: map[int]error{0: errBadGateway}}
	r := start(t, gh)
	err := r.Complete(context.Background(), ConclusionFailure, Output{Title: "t", Summary: "s"}, manyAnnotations(120))
	var inc *IncompleteError
	if !errors.As(err, &inc) || inc.Sent != 0 {
		t.Fatalf("err %v, want an IncompleteError with none sent", err)
	}
	// The retry completed the run without annotations.
	if gh.status != StatusCompleted || gh.conclusion != ConclusionFailure || len(gh.annotations) != 0 ||
		!strings.Contains(gh.output.Summary, "could not post the annotations") {
		t.Errorf("run %s/%s with %d annotations, summary %q", gh.status, gh.conclusion, len(gh.annotations), gh.output.Summary)
	}

	// Without annotations a retry that succeeds is success.
	gh = &fakeGitHub{failUpdate: map[int]error{0: errBadGateway}}
	if err := start(t, gh).Complete(context.Background(), ConclusionSuccess, Output{Title: "t", Summary: "s"}, nil); err != nil ||
		gh.status != StatusCompleted || gh.output.Summary != "s" {
		t.Errorf("err %v, run %s, summary %q", err, gh.status, gh.output.Summary)
	}
}

func TestCompleteGitHubDown(t *testing.T) {
	gh := &fakeGitHub{failUpdate: map[int]error{0: errBadGateway}, failAfter: true}
	r := start(t, gh)
	err := r.Complete(context.Background(), ConclusionSuccess, Output{Title: "t", Summary: "s"}, manyAnnotations(3))
	if err == nil || errors.Is(err, ErrIncomplete) || !errors.Is(err, errBadGateway) {
		t.Errorf("err %v, want the cause and not ErrIncomplete: the run is not completed", err)
	}
	if gh.status != StatusInProgress {
		t.Errorf("status %s", gh.status)
	}
}

// A cancelled context (the review timed out, the server is stopping) still
// completes the run; only the later annotation batches are given up.
func TestCompleteCancelledContext(t *testing.T) {
	gh := &fakeGitHub{}
	r := start(t, gh)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := r.Complete(ctx, ConclusionFailure, Output{Title: "t", Summary: "s"}, manyAnnotations(120))
	if !errors.Is(err, ErrIncomplete) || !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if gh.status != StatusCompleted || gh.conclusion != ConclusionFailure || len(gh.annotations) != 50 {
		t.Errorf("run %s/%s with %d annotations", gh.status, gh.conclusion, len(gh.annotations))
	}
}

func TestCompleteInvalidConclusion(t *testing.T) {
	gh := &fakeGitHub{}
	r := start(t, gh)
	err := r.Complete(context.Background(), "passed", Output{Title: "t", Summary: "s"}, nil)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("err %v", err)
	}
	// Failed closed, not left in progress and not passed.
	if gh.status != StatusCompleted || gh.conclusion != ConclusionFailure || len(gh.actions) != 1 {
		t.Errorf("run %s/%s, actions %v", gh.status, gh.conclusion, gh.actions)
	}
}

// Complete brings a caller's output within the limits rather than have
// GitHub reject it and the run stay in progress.
func TestCompleteNormalizes(t *testing.T) {
	gh := &fakeGitHub{}
	r := start(t, gh)
	big := strings.Repeat("| row | ✓ |\n", 20000)
	out := Output{Title: strings.Repeat("T", 400), Summary: big, Text: "```\n" + big}
	anns := []Annotation{
		{Path: "", StartLine: 1, EndLine: 1, Level: LevelFailure, Message: "no path"},
		{Path: "compose.yaml", StartLine: 0, EndLine: 0, StartColumn: 3, EndColumn: 1, Level: "error", Message: ""},
		{Path: "compose.yaml", StartLine: 4, EndLine: 6, StartColumn: 3, EndColumn: 9, Level: LevelNotice,
			Title: strings.Repeat("ü", 300), Message: strings.Repeat("🐳", 20000), RawDetails: strings.Repeat("x", 70000)},
	}
	if err := r.Complete(context.Background(), ConclusionSuccess, out, anns); err != nil {
		t.Fatal(err)
	}
	if len(gh.annotations) != 2 || !strings.HasPrefix(gh.output.Summary, "_1 annotation was left out") {
		t.Errorf("%d annotations, summary %q", len(gh.annotations), gh.output.Summary[:80])
	}
	checkOutput(t, gh.output)
	checkAnnotations(t, gh.annotations)
	if !strings.HasSuffix(gh.output.Text, "```\n\n_Truncated: the text is longer than GitHub allows._\n") {
		t.Errorf("the cut text does not close its code block: %q", gh.output.Text[len(gh.output.Text)-80:])
	}
	a := gh.annotations[0]
	if a.StartLine != 1 || a.EndLine != 1 || a.StartColumn != 3 || a.EndColumn != 3 || a.Level != LevelNotice || a.Message == "" {
		t.Errorf("annotation not repaired: %+v", a)
	}
	if a := gh.annotations[1]; a.StartColumn != 0 || a.EndColumn != 0 {
		t.Errorf("columns kept on a multi-line annotation: %+v", a)
	}
}

func TestFail(t *testing.T) {
	// A panic recovered with its stack, and a token in a URL.
	reason := fmt.Errorf("reviewing acme/shop#42: %w", errors.New(
		"fetching deploy/compose.prod.yaml at 0123abc: GET https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@api.github.com/repos/acme/shop/contents/deploy/compose.prod.yaml?ref=0123abc: 502 Bad Gateway\n"+
			"panic: runtime error: index out of range [3] with length 3\n\n"+
			"goroutine 17 [running]:\n"+
			"github.com/mountguard/mountguard/review/engine.(*Engine).Review(...)\n"+
			"\t/work/main/review/engine/engine.go:120 +0x1d"))
	tests := []struct {
		name, conclusion, want string
	}{
		{"neutral", ConclusionNeutral, ConclusionNeutral},
		{"failure", ConclusionFailure, ConclusionFailure},
		{"unset fails closed", "", ConclusionFailure},
		{"success is not allowed", ConclusionSuccess, ConclusionFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := &fakeGitHub{}
			r := start(t, gh)
			// Fail is often called because the review's context ran out.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := r.Fail(ctx, tt.conclusion, reason); err != nil {
				t.Fatal(err)
			}
			if gh.status != StatusCompleted || gh.conclusion != tt.want {
				t.Errorf("run %s/%s, want completed/%s", gh.status, gh.conclusion, tt.want)
			}
			if len(gh.actions) != 1 || gh.actions[0] != (Action{Label: "Re-run", Description: "Review this commit again", Identifier: "rerun"}) {
				t.Errorf("actions %+v", gh.actions)
			}
			for _, leak := range []string{"ghs_", "goroutine", "engine.go", "(*Engine)"} {
				if strings.Contains(gh.output.Summary, leak) {
					t.Errorf("the summary shows %q", leak)
				}
			}
			checkOutput(t, gh.output)
			if tt.name == "neutral" {
				golden(t, "fail", document(gh.conclusion, gh.output, nil))
			}
		})
	}
}

func TestFailMessages(t *testing.T) {
	tests := []struct {
		name   string
		reason error
		want   []string
	}{
		{"nil", nil, []string{"```text\nunknown error\n```"}},
		{"deadline", fmt.Errorf("reviewing: %w", context.DeadlineExceeded), []string{"took longer than it is allowed to", "reviewing: context deadline exceeded"}},
		{"backticks", errors.New("bad ```` fence"), []string{"`````text\nbad ```` fence\n`````"}},
		{"bearer", errors.New("Authorization: Bearer abcdefghijklmnop failed"), []string{"Bearer [redacted] failed"}},
		{"huge", errors.New(strings.Repeat("long error ", 100000)), []string{"…\n```"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := &fakeGitHub{}
			if err := start(t, gh).Fail(context.Background(), ConclusionNeutral, tt.reason); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(gh.output.Summary, w) {
					t.Errorf("summary lacks %q:\n%s", w, gh.output.Summary)
				}
			}
			checkOutput(t, gh.output)
			if len(gh.output.Summary) > 5000 {
				t.Errorf("summary of %d bytes", len(gh.output.Summary))
			}
		})
	}
}

func TestFailGitHubDown(t *testing.T) {
	gh := &fakeGitHub{failUpdate: map[int]error{0: errBadGateway}}
	if err := start(t, gh).Fail(context.Background(), ConclusionNeutral, errors.New("x")); !errors.Is(err, errBadGateway) {
		t.Errorf("err %v", err)
	}
}

func TestValidate(t *testing.T) {
	ok := Annotation{Path: "a", StartLine: 1, EndLine: 1, Level: LevelNotice, Message: "m"}
	with := func(f func(*Annotation)) Run {
		a := ok
		f(&a)
		return Run{Output: &Output{Title: "t", Summary: "s", Annotations: []Annotation{a}}}
	}
	tests := []struct {
		name string
		run  Run
		want string // "" for valid
	}{
		{"empty update", Run{}, ""},
		{"completed", Run{Status: StatusCompleted, Conclusion: ConclusionNeutral}, ""},
		{"completed without conclusion", Run{Status: StatusCompleted}, "needs a conclusion"},
		{"conclusion in progress", Run{Status: StatusInProgress, Conclusion: ConclusionSuccess}, "must be completed"},
		{"unknown status", Run{Status: "done"}, "status"},
		{"unknown conclusion", Run{Conclusion: "ok"}, "conclusion"},
		{"output without summary", Run{Output: &Output{Title: "t"}}, "title and a summary"},
		{"long title", Run{Output: &Output{Title: strings.Repeat("t", 256), Summary: "s"}}, "output title"},
		{"long summary", Run{Output: &Output{Title: "t", Summary: strings.Repeat("s", MaxOutputChars+1)}},
			"Only 65535 characters are allowed; 65536 were supplied"},
		{"multi-byte summary", Run{Output: &Output{Title: "t", Summary: strings.Repeat("ü", MaxOutputChars/2+1)}},
			"Only 65535 characters are allowed"},
		{"51 annotations", Run{Output: &Output{Title: "t", Summary: "s", Annotations: manyAnnotations(51)}},
			"No more than 50 items are allowed"},
		{"valid annotation", with(func(*Annotation) {}), ""},
		{"columns on one line", with(func(a *Annotation) { a.StartColumn, a.EndColumn = 2, 5 }), ""},
		{"columns on two lines", with(func(a *Annotation) { a.EndLine, a.StartColumn, a.EndColumn = 2, 2, 5 }), "columns"},
		{"no path", with(func(a *Annotation) { a.Path = "" }), "no path"},
		{"line 0", with(func(a *Annotation) { a.StartLine = 0 }), "lines 0-1"},
		{"bad level", with(func(a *Annotation) { a.Level = "error" }), "level"},
		{"no message", with(func(a *Annotation) { a.Message = "" }), "no message"},
		{"long annotation title", with(func(a *Annotation) { a.Title = strings.Repeat("x", 256) }), "title of 256 bytes"},
		{"long message", with(func(a *Annotation) { a.Message = strings.Repeat("x", MaxAnnotationMessage+1) }), "message of"},
		{"long raw details", with(func(a *Annotation) { a.RawDetails = strings.Repeat("x", MaxAnnotationRawDetails+1) }), "raw details"},
		{"four actions", Run{Actions: slices.Repeat([]Action{rerun}, 4)}, "at most 3"},
		{"long label", Run{Actions: []Action{{Label: strings.Repeat("l", 21), Description: "d", Identifier: "i"}}}, "label"},
		{"long description", Run{Actions: []Action{{Label: "l", Description: strings.Repeat("d", 41), Identifier: "i"}}}, "description"},
		{"long identifier", Run{Actions: []Action{{Label: "l", Description: "d", Identifier: strings.Repeat("i", 21)}}}, "identifier"},
		{"rerun button", Run{Actions: []Action{rerun}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
}
