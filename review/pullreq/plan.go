package pullreq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/diff"
	"github.com/mountguard/mountguard/review/rules"
)

// commentPlan is what a review will post and edit.
type commentPlan struct {
	inline []ReviewComment
	// shown are the findings of each inline comment.
	shown [][]rules.Finding
	// folded are new findings that cannot be inline comments (outside the
	// diff, or over the cap); the review body lists them.
	folded []rules.Finding
	// fixed are earlier comments whose findings are all gone.
	fixed []Comment
}

// planComments decides which new findings become inline comments (one per
// YAML entry), which are folded into the review body, and which earlier
// comments are now fixed. Findings that earlier comments show, or that
// earlier review bodies listed, are not reported again. It marks Inline on
// out.Findings.
func planComments(out *Outcome, earlier []Comment, listed map[string]bool, files []File, head *refFS, mode diff.Mode, maxInline int, help string) commentPlan {
	var plan commentPlan
	for i := range out.Findings {
		out.Findings[i].Inline = false
	}
	atHead := map[string]bool{}
	brokenFiles := map[string]bool{}
	for _, f := range out.Findings {
		atHead[f.Fingerprint] = true
		if f.Rule == rules.ParseError {
			brokenFiles[f.Loc.File] = true
		}
	}
	commented := map[string]bool{}
	for _, c := range earlier {
		m, ok := comment.ParseMarker(c.Body)
		if !ok || !c.ByApp || m.FixedIn != "" {
			continue
		}
		gone := true
		for _, fp := range m.Fingerprints {
			commented[fp] = true
			if atHead[fp] {
				gone = false
			}
		}
		// A file that no longer parses hides its findings; that does not
		// make them fixed.
		if gone && !brokenFiles[c.Path] {
			plan.fixed = append(plan.fixed, c)
		}
	}

	patches := map[string]*diff.File{}
	for _, f := range files {
		if d, err := diff.Parse(f.Patch); err == nil {
			patches[f.Path] = d
		}
	}

	type entryKey struct {
		file string
		line int
	}
	entries := map[entryKey]*comment.Entry{}
	var order []entryKey
	for i := range out.Findings {
		f := &out.Findings[i]
		switch {
		case !f.New:
			continue
		case commented[f.Fingerprint]:
			f.Inline = true
			continue
		case listed[f.Fingerprint]:
			continue
		}
		k := entryKey{f.Loc.File, f.Loc.Line}
		e, ok := entries[k]
		if !ok {
			e = &comment.Entry{File: f.Loc.File, Line: f.Loc.Line, EndLine: f.Loc.Line}
			entries[k] = e
			order = append(order, k)
		}
		e.EndLine = max(e.EndLine, f.Loc.EndLine)
		e.Findings = append(e.Findings, f.Finding)
	}
	slices.SortFunc(order, func(a, b entryKey) int {
		return cmp.Or(strings.Compare(a.file, b.file), cmp.Compare(a.line, b.line))
	})
	inlineFP := map[string]bool{}
	for _, k := range order {
		e := entries[k]
		c, ok := place(*e, patches[e.File], mode, head.source(e.File), help)
		if !ok || len(plan.inline) >= maxInline {
			plan.folded = append(plan.folded, e.Findings...)
			continue
		}
		plan.inline = append(plan.inline, ReviewComment{Path: e.File, Line: c.Line, StartLine: c.StartLine, Body: c.Body})
		plan.shown = append(plan.shown, e.Findings)
		for _, fp := range c.Fingerprints {
			inlineFP[fp] = true
		}
	}
	for i := range out.Findings {
		if inlineFP[out.Findings[i].Fingerprint] {
			out.Findings[i].Inline = true
		}
	}
	return plan
}

// place renders the comment for an entry on lines GitHub will accept: the
// whole entry when it is in the diff, else its first line; false when
// neither is.
func place(e comment.Entry, d *diff.File, mode diff.Mode, source []byte, help string) (comment.Comment, bool) {
	if d == nil {
		return comment.Comment{}, false
	}
	opts := comment.Options{Source: source, ExceptionHelp: help}
	if e.EndLine > e.Line && d.CanCommentRange(e.Line, e.EndLine, mode) {
		return comment.Render(e, opts), true
	}
	if d.CanComment(e.Line, mode) {
		e.EndLine = e.Line
		return comment.Render(e, opts), true
	}
	return comment.Comment{}, false
}

// postReview posts the review. If GitHub still rejects an inline comment
// (it should not: every line was checked against the diff), the review is
// sent again with every finding in its body, so that nothing is lost.
func postReview(ctx context.Context, gh GitHub, pr PullRequest, event string, plan commentPlan, help string) error {
	r := Review{CommitID: pr.HeadSHA, Event: event, Comments: plan.inline, Body: reviewBody(plan, help)}
	err := gh.CreateReview(ctx, pr, r)
	if errors.Is(err, ErrUnprocessable) && len(plan.inline) > 0 {
		all := commentPlan{folded: slices.Concat(slices.Concat(plan.shown...), plan.folded)}
		r.Comments, r.Body = nil, reviewBody(all, help)+"\n\n_GitHub refused the inline comments of this review, so every finding is listed here._"
		err = gh.CreateReview(ctx, pr, r)
	}
	if err != nil {
		return fmt.Errorf("posting the review on %s#%d: %w", pr.Repo, pr.Number, err)
	}
	return nil
}

// listedInReviews returns the fingerprints that earlier review bodies of
// this App listed.
func listedInReviews(ctx context.Context, gh GitHub, pr PullRequest) (map[string]bool, error) {
	reviews, err := gh.Reviews(ctx, pr)
	if err != nil {
		return nil, fmt.Errorf("listing the reviews of %s#%d: %w", pr.Repo, pr.Number, err)
	}
	listed := map[string]bool{}
	for _, r := range reviews {
		if m, ok := comment.ParseMarker(r.Body); ok && r.ByApp {
			for _, fp := range m.Fingerprints {
				listed[fp] = true
			}
		}
	}
	return listed, nil
}

func reviewBody(plan commentPlan, help string) string {
	var b strings.Builder
	n := len(plan.inline)
	switch {
	case n > 0 && len(plan.folded) > 0:
		fmt.Fprintf(&b, "**mountguard** found new volume-security findings: %d inline, %d below.\n\n", n, len(plan.folded))
	case n > 0:
		fmt.Fprintf(&b, "**mountguard** found new volume-security findings; see the inline comments.\n\n")
	default:
		fmt.Fprintf(&b, "**mountguard** found new volume-security findings that are not on lines of this diff.\n\n")
	}
	if len(plan.folded) > 0 {
		b.WriteString(comment.Summary(plan.folded, "Not shown inline"))
	}
	if help != "" && n == 0 {
		b.WriteString("\n\n" + help)
	}
	if len(plan.folded) > 0 {
		// Remember what this body listed, for the next run.
		var fps []string
		for _, f := range plan.folded {
			fps = append(fps, f.Fingerprint)
		}
		b.WriteString("\n\n" + comment.Marker{Fingerprints: fps}.String() + "\n")
	}
	return b.String()
}
