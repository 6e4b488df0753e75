package checks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ErrIncomplete is matched (errors.Is) by the error of a Complete that
// completed the run, with its conclusion, title and summary, but could not
// send every annotation. The run's result stands; the caller only logs it.
var ErrIncomplete = errors.New("check run completed without all its annotations")

// IncompleteError says how many annotations reached GitHub before a request
// failed.
type IncompleteError struct {
	Sent, Total int
	Err         error
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("check run completed with %d of %d annotations: %v", e.Sent, e.Total, e.Err)
}

// Unwrap exposes both ErrIncomplete and the cause (a rate limit, a
// cancelled context).
func (e *IncompleteError) Unwrap() []error { return []error{ErrIncomplete, e.Err} }

// finishTimeout bounds the requests that complete a run. They run on a
// context detached from the caller's cancellation: Fail is often called
// because the review's context expired, and a run left in progress keeps a
// required check waiting forever.
const finishTimeout = 30 * time.Second

func finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
}

// Reporter owns one check run from creation to completion. It is not safe
// for concurrent use; one review owns it.
type Reporter struct {
	api     API
	repo    Repo
	id      int64
	actions []Action
}

// SetActions sets the buttons the completed run offers (at most
// MaxActions), such as "Request review" while findings wait for a
// security lead.
func (r *Reporter) SetActions(actions []Action) { r.actions = actions }

// Start creates the run in_progress on the head SHA; externalID carries the
// pull request number (fork events arrive without one). The run gets a
// title and summary at once, so that it never shows an empty page.
func Start(ctx context.Context, api API, repo Repo, name, headSHA, externalID string) (*Reporter, error) {
	if api == nil {
		return nil, errors.New("checks.Start: nil API")
	}
	if name == "" || headSHA == "" {
		return nil, fmt.Errorf("%w: a run needs a name and a head SHA (got %q, %q)", ErrInvalid, name, headSHA)
	}
	run := Run{
		Name:       name,
		HeadSHA:    headSHA,
		ExternalID: externalID,
		Status:     StatusInProgress,
		Output: &Output{
			Title:   "Reviewing compose files",
			Summary: "mountguard is reviewing the Docker Compose files of this commit; the result will appear here.",
		},
	}
	if err := run.Validate(); err != nil {
		return nil, err
	}
	id, err := api.CreateCheckRun(ctx, repo, run)
	if err != nil {
		return nil, fmt.Errorf("creating check run %q on %s: %w", name, cutBytes(headSHA, shortSHA), err)
	}
	return &Reporter{api: api, repo: repo, id: id}, nil
}

// ID returns the run id.
func (r *Reporter) ID() int64 { return r.id }

// update sends one completing update.
func (r *Reporter) update(ctx context.Context, conclusion string, out Output, batch []Annotation, actions []Action) error {
	out.Annotations = batch
	run := Run{Status: StatusCompleted, Conclusion: conclusion, Output: &out, Actions: actions}
	if err := run.Validate(); err != nil {
		return err
	}
	return r.api.UpdateCheckRun(ctx, r.repo, r.id, run)
}

// Complete finishes the run with the conclusion and output.
//
// GitHub appends the annotations of each update, at most 50 a request.
// Every request is a complete update: status completed, the conclusion,
// and the same title, summary and text, with the next 50 annotations. So
// the first request completes the run, a reader never sees a run that is
// half written or still in progress, and a failure on a later batch costs
// only annotations: Complete then tries once to say so in the summary and
// returns an *IncompleteError (errors.Is ErrIncomplete).
//
// If the first request fails, the run is still in progress: Complete tries
// once more without annotations, then returns the error, and the caller
// should Fail the run. The output is brought within GitHub's limits first
// (Render's already is); an unknown conclusion is a bug, and the run is
// failed rather than left open or passed.
func (r *Reporter) Complete(ctx context.Context, conclusion string, out Output, annotations []Annotation) error {
	if !slices.Contains(conclusions, conclusion) {
		err := fmt.Errorf("%w: conclusion %q", ErrInvalid, conclusion)
		return errors.Join(err, r.Fail(ctx, ConclusionFailure, err))
	}
	out = normalizeOutput(out)
	anns, dropped := normalizeAnnotations(annotations)
	if dropped > 0 {
		out = withNote(out, fmt.Sprintf("_%s left out: without a file, or past the %d annotations a run may have._",
			plural(dropped, "annotation")+" "+wasWere(dropped), MaxAnnotationsPerRun))
	}
	batches := slices.Collect(slices.Chunk(anns, MaxAnnotationsPerRequest))
	if len(batches) == 0 {
		batches = [][]Annotation{nil}
	}

	fctx, cancel := finishing(ctx)
	defer cancel()
	if err := r.update(fctx, conclusion, out, batches[0], r.actions); err != nil {
		bare := out
		if len(anns) > 0 {
			bare = withNote(out, "_mountguard could not post the annotations of this run; the details below list the findings._")
		}
		if err2 := r.update(fctx, conclusion, bare, nil, r.actions); err2 != nil {
			return fmt.Errorf("completing check run %d: %w", r.id, errors.Join(err, err2))
		}
		if len(anns) == 0 {
			return nil
		}
		return &IncompleteError{Sent: 0, Total: len(anns), Err: err}
	}
	sent := len(batches[0])
	for _, batch := range batches[1:] {
		err := ctx.Err()
		if err == nil {
			err = r.update(ctx, conclusion, out, batch, nil)
		}
		if err != nil {
			// Best effort: the run is complete either way, and the error
			// returned says what is missing.
			_ = r.update(fctx, conclusion, withNote(out, fmt.Sprintf(
				"_Only %d of the %d annotations of this run could be posted; the details below list the findings._", sent, len(anns))), nil, nil)
			return &IncompleteError{Sent: sent, Total: len(anns), Err: err}
		}
		sent += len(batch)
	}
	return nil
}

// withNote puts a line at the top of the summary, cutting the rest if it
// must, so that what went wrong with the run itself is read first.
func withNote(out Output, note string) Output {
	note += "\n\n"
	out.Summary = note + fitLines(out.Summary, MaxOutputChars-len(note), "\n_Truncated._\n")
	return out
}

// rerun is the button of a failed run, on the same page as the message
// that tells the user to press it. A click arrives as a check_run
// requested_action event with identifier "rerun", which only this App
// receives.
var rerun = Action{Label: "Re-run", Description: "Review this commit again", Identifier: ActionRerun}

// Fail completes the run after an internal error: with the conclusion the
// configuration chose (neutral or failure; anything else is taken as
// failure, as a security check that cannot review must not pass by
// mistake), a title and summary that say what went wrong and what to do,
// and a "Re-run" button. It never leaves the run in progress unless GitHub
// itself cannot be reached.
func (r *Reporter) Fail(ctx context.Context, conclusion string, reason error) error {
	if conclusion != ConclusionNeutral {
		conclusion = ConclusionFailure
	}
	fctx, cancel := finishing(ctx)
	defer cancel()
	if err := r.update(fctx, conclusion, failOutput(conclusion, reason), nil, []Action{rerun}); err != nil {
		return fmt.Errorf("completing check run %d after an error: %w", r.id, err)
	}
	return nil
}

// failOutput says what went wrong, what to do, and what the conclusion
// means for the pull request.
func failOutput(conclusion string, reason error) Output {
	var b strings.Builder
	b.WriteString("mountguard ran into an error while reviewing this commit, so the commit has not been reviewed.\n\n")
	if errors.Is(reason, context.DeadlineExceeded) {
		b.WriteString("The review took longer than it is allowed to.\n\n")
	}
	msg := errorText(reason)
	fence := strings.Repeat("`", max(3, longestRun(msg, '`')+1))
	b.WriteString("**What went wrong:**\n\n" + fence + "text\n" + msg + "\n" + fence + "\n\n")
	b.WriteString("**What to do:** select **Re-run** at the top of this page to review the commit again; " +
		"errors of the network or of GitHub's API usually pass. If this one comes back, send the address of this page " +
		"to whoever runs mountguard for your organization.\n\n")
	if conclusion == ConclusionNeutral {
		// Also reached when the configuration could not be read, so this
		// must not claim the configuration asked for it.
		b.WriteString("The conclusion is _neutral_: it does not block merging, though nothing was reviewed. " +
			"`error_conclusion: failure` in the configuration makes review errors block instead, " +
			"once the configuration itself can be read.\n")
	} else {
		b.WriteString("The conclusion is _failure_ (`error_conclusion`): where this check is required, the pull request " +
			"cannot be merged until a review succeeds.\n")
	}
	return Output{Title: "mountguard could not complete the review", Summary: b.String()}
}

// Limits of the error text a user sees.
const (
	maxErrorBytes = 2000
	maxErrorLines = 20
	wrapWidth     = 100
)

// secrets are credentials that an error from an HTTP client can carry: a
// token in a URL, an Authorization header, a GitHub token or a JWT. A check
// run is readable by everyone who can read the repository.
var secrets = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(://)[^/\s:@]+:[^/\s@]+@`), "${1}[redacted]@"},
	{regexp.MustCompile(`(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}`), "$1 [redacted]"},
	{regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})`), "[redacted]"},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`), "[redacted]"},
}

// errorText is the error as a user may see it: without credentials, without
// a stack trace (a recovered panic may carry one: the lines from
// "goroutine N [...]:" on, and the tab-indented frame lines), at most 20
// lines, wrapped at 100 characters.
func errorText(err error) string {
	if err == nil {
		return "unknown error"
	}
	// Only the start is shown; cutting first keeps the work small.
	s := sanitize(cutBytes(err.Error(), 4*maxErrorBytes))
	for _, sec := range secrets {
		s = sec.re.ReplaceAllString(s, sec.with)
	}
	var out []string
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "goroutine ") && strings.HasSuffix(line, ":") {
			break
		}
		if strings.HasPrefix(line, "\t") {
			continue
		}
		out = append(out, wrap(line, wrapWidth)...)
	}
	if len(out) > maxErrorLines {
		out = append(out[:maxErrorLines], ellipsis)
	}
	s = strings.TrimSpace(strings.Join(out, "\n"))
	if s == "" {
		return "unknown error"
	}
	return clip(s, maxErrorBytes)
}

// wrap breaks a line at spaces so that no piece is longer than width
// characters, or inside a word when a word is longer.
func wrap(line string, width int) []string {
	var out []string
	for {
		cut := len(cutRunes(line, width))
		if cut == len(line) {
			break
		}
		if sp := strings.LastIndexByte(line[:cut], ' '); sp > 0 {
			out = append(out, line[:sp])
			line = line[sp+1:]
			continue
		}
		out = append(out, line[:cut])
		line = line[cut:]
	}
	return append(out, line)
}

// cutRunes returns the first n characters of s.
func cutRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func longestRun(s string, c rune) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
