package checks

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid is wrapped by the errors of Validate: a run that GitHub would
// reject with 422. Sending one would only waste a request.
var ErrInvalid = errors.New("invalid check run")

var (
	statuses    = []string{"queued", StatusInProgress, StatusCompleted}
	conclusions = []string{"action_required", "cancelled", ConclusionFailure, ConclusionNeutral,
		ConclusionSuccess, "skipped", "timed_out"}
	levels = []string{LevelNotice, LevelWarning, LevelFailure}
)

// Validate reports whether GitHub would accept the run in a create or an
// update request, by the limits in this package; GitHub's own texts are
// quoted where it has them. Name and HeadSHA, required to create a run, are
// checked by Start. The fake GitHub of other packages' tests may use it.
func (r Run) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if r.Status != "" && !slices.Contains(statuses, r.Status) {
		bad("status %q is not one of %s", r.Status, strings.Join(statuses, ", "))
	}
	if r.Conclusion != "" && !slices.Contains(conclusions, r.Conclusion) {
		bad("conclusion %q is not one of %s", r.Conclusion, strings.Join(conclusions, ", "))
	}
	if r.Status == StatusCompleted && r.Conclusion == "" {
		bad("a completed run needs a conclusion")
	}
	if r.Conclusion != "" && r.Status != "" && r.Status != StatusCompleted {
		bad("a run with a conclusion must be completed, not %s", r.Status)
	}
	if o := r.Output; o != nil {
		if o.Title == "" || o.Summary == "" {
			bad("output needs a title and a summary")
		}
		if len(o.Title) > MaxOutputTitle {
			bad("output title: %d bytes, at most %d", len(o.Title), MaxOutputTitle)
		}
		for name, s := range map[string]string{"summary": o.Summary, "text": o.Text} {
			if len(s) > MaxOutputChars {
				bad("output %s: Only %d characters are allowed; %d were supplied", name, MaxOutputChars, len(s))
			}
		}
		if len(o.Annotations) > MaxAnnotationsPerRequest {
			bad("annotations: No more than %d items are allowed (%d)", MaxAnnotationsPerRequest, len(o.Annotations))
		}
		for i, a := range o.Annotations {
			if err := a.validate(); err != nil {
				bad("annotation %d: %w", i, err)
			}
		}
	}
	if len(r.Actions) > MaxActions {
		bad("actions: at most %d, got %d", MaxActions, len(r.Actions))
	}
	for i, a := range r.Actions {
		if err := a.validate(); err != nil {
			bad("action %d: %w", i, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
}

func (a Annotation) validate() error {
	var errs []string
	if a.Path == "" {
		errs = append(errs, "no path")
	}
	if a.StartLine < 1 || a.EndLine < a.StartLine {
		errs = append(errs, fmt.Sprintf("lines %d-%d", a.StartLine, a.EndLine))
	}
	if (a.StartColumn != 0 || a.EndColumn != 0) &&
		(a.StartLine != a.EndLine || a.StartColumn < 1 || a.EndColumn < a.StartColumn) {
		errs = append(errs, fmt.Sprintf("columns %d-%d (only on one line)", a.StartColumn, a.EndColumn))
	}
	if !slices.Contains(levels, a.Level) {
		errs = append(errs, fmt.Sprintf("level %q", a.Level))
	}
	if a.Message == "" {
		errs = append(errs, "no message")
	}
	if len(a.Title) > MaxAnnotationTitle {
		errs = append(errs, fmt.Sprintf("title of %d bytes (at most %d)", len(a.Title), MaxAnnotationTitle))
	}
	if len(a.Message) > MaxAnnotationMessage {
		errs = append(errs, fmt.Sprintf("message of %d bytes (at most %d)", len(a.Message), MaxAnnotationMessage))
	}
	if len(a.RawDetails) > MaxAnnotationRawDetails {
		errs = append(errs, fmt.Sprintf("raw details of %d bytes (at most %d)", len(a.RawDetails), MaxAnnotationRawDetails))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func (a Action) validate() error {
	switch {
	case a.Label == "" || len(a.Label) > MaxActionLabel:
		return fmt.Errorf("label %q: 1 to %d characters", a.Label, MaxActionLabel)
	case a.Description == "" || len(a.Description) > MaxActionDescription:
		return fmt.Errorf("description %q: 1 to %d characters", a.Description, MaxActionDescription)
	case a.Identifier == "" || len(a.Identifier) > MaxActionIdentifier:
		return fmt.Errorf("identifier %q: 1 to %d characters", a.Identifier, MaxActionIdentifier)
	}
	return nil
}

// normalizeOutput brings an output that a caller built within the limits,
// so that a long summary is cut with a note instead of failing the whole
// request (and leaving the run in progress). Render's output is already
// within them and comes back unchanged.
func normalizeOutput(o Output) Output {
	o.Title = clip(oneLine(o.Title), MaxOutputTitle)
	if o.Title == "" {
		o.Title = "mountguard"
	}
	o.Summary = fitLines(sanitize(o.Summary), MaxOutputChars, "\n_Truncated: the summary is longer than GitHub allows._\n")
	if strings.TrimSpace(o.Summary) == "" {
		o.Summary = o.Title
	}
	o.Text = fitLines(sanitize(o.Text), MaxOutputChars, "\n_Truncated: the text is longer than GitHub allows._\n")
	o.Annotations = nil
	return o
}

// normalizeAnnotations fixes what can be fixed in each annotation (lines,
// columns, level, lengths), drops the ones without a path, which GitHub
// cannot place, and keeps at most MaxAnnotationsPerRun. It returns how many
// it dropped.
func normalizeAnnotations(in []Annotation) (out []Annotation, dropped int) {
	for _, a := range in {
		if a.Path == "" {
			dropped++
			continue
		}
		if len(out) == MaxAnnotationsPerRun {
			dropped++
			continue
		}
		a.StartLine = max(a.StartLine, 1)
		a.EndLine = max(a.EndLine, a.StartLine)
		if a.StartLine != a.EndLine || a.StartColumn < 1 {
			a.StartColumn, a.EndColumn = 0, 0
		} else {
			a.EndColumn = max(a.EndColumn, a.StartColumn)
		}
		if !slices.Contains(levels, a.Level) {
			a.Level = LevelNotice
		}
		a.Title = clip(oneLine(a.Title), MaxAnnotationTitle)
		a.Message = clip(sanitize(a.Message), MaxAnnotationMessage)
		if strings.TrimSpace(a.Message) == "" {
			a.Message = cmp.Or(a.Title, "mountguard finding")
		}
		a.RawDetails = clip(sanitize(a.RawDetails), MaxAnnotationRawDetails)
		out = append(out, a)
	}
	return out, dropped
}
