// Package comment renders mountguard's inline pull-request review comments
// and the review body, and reads back the hidden markers that let a later
// run recognise its own earlier comments.
//
// Everything taken from the compose file under review (messages quote its
// paths and service names, justifications are its comments, suggestions
// are its lines) is hostile: it is escaped, or fenced, so that it cannot
// change the comment's structure, hide or forge a marker, or mention
// anyone.
package comment

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

// Limits on what a comment shows. GitHub refuses a body over 65,536
// characters, and one refused comment fails the whole review, so a body
// is kept well under that whatever the file says.
const (
	maxMessage       = 1000 // runes of a finding's message
	maxJustification = 500  // runes of a justification
	maxHelp          = 2000 // runes of the exception help
	maxBody          = 60_000
)

// Entry is one YAML entry (a volume entry, a privileged: key, ...) of one
// file with the new findings on it.
type Entry struct {
	File    string
	Line    int // first line of the entry
	EndLine int // last line of the entry (== Line for one line)
	// Findings are all on this entry; they are rendered most severe
	// first, then by rule id.
	Findings []rules.Finding
}

// Options for rendering.
type Options struct {
	// Source is the head content of Entry.File, used to build suggestions
	// that cover exactly the comment's lines.
	Source []byte
	// ExceptionHelp says how to ask for an exception: a sentence or two of
	// markdown from the App's configuration, rendered at the end.
	ExceptionHelp string
}

// Comment is a rendered inline comment.
type Comment struct {
	// StartLine is the first line the comment covers; 0 when it covers
	// one line.
	StartLine int
	Line      int
	Body      string
	// Fingerprints are those of the entry's findings, sorted, without
	// duplicates; the marker in Body carries the same list.
	Fingerprints []string
}

// Render renders the comment for an entry. The comment covers the entry's
// lines: StartLine=Line and Line=EndLine for a multi-line entry.
func Render(e Entry, opts Options) Comment {
	first, last := e.Line, max(e.Line, e.EndLine)
	c := Comment{Line: last}
	if last > first {
		c.StartLine = first
	}
	findings := slices.Clone(e.Findings)
	slices.SortStableFunc(findings, func(a, b rules.Finding) int {
		return cmp.Or(-cmp.Compare(a.Severity, b.Severity), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
	c.Fingerprints = fingerprints(e.File, findings)

	s := pickSuggestion(e, first, last, findings, opts.Source)
	c.Body = body(findings, s, opts.ExceptionHelp, c.Fingerprints, maxMessage)
	if len(c.Body) > maxBody && s != nil {
		// The suggestion repeats the entry's lines, which the file can
		// make arbitrarily long; the fix is still given in words.
		c.Body = body(findings, nil, opts.ExceptionHelp, c.Fingerprints, maxMessage)
	}
	if len(c.Body) > maxBody {
		// Shorter messages, before findings are left out altogether.
		c.Body = body(findings, nil, opts.ExceptionHelp, c.Fingerprints, maxMessage/10)
	}
	return c
}

// fingerprints lists the findings' fingerprints, computing any the caller
// left out the way the rules do, so that every comment can be matched on a
// later run.
func fingerprints(file string, findings []rules.Finding) []string {
	out := make([]string, 0, len(findings))
	for _, f := range findings {
		fp := f.Fingerprint
		if fp == "" {
			fp = rules.Fingerprint(f.Rule, cmp.Or(f.Loc.File, file), f.Service, f.Target, f.Source)
		}
		out = append(out, fp)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// suggestion is the one suggestion block of a comment.
type suggestion struct {
	edit compose.Edit // the fix it applies
	text string       // the comment's lines after the fix
}

// pickSuggestion takes the fix of the most severe finding whose fix can be
// shown as a suggestion. GitHub replaces exactly the commented lines with a
// suggestion, so the fix must lie inside them, and the lines around it
// come from the source. A fix that cannot be shown is still given in words,
// and a less severe finding's usable fix is better than none.
func pickSuggestion(e Entry, first, last int, findings []rules.Finding, src []byte) *suggestion {
	if src == nil || first < 1 {
		return nil
	}
	var lines []string
	for _, f := range findings {
		fix := f.Fix
		if fix == nil || fix.StartLine < first || fix.EndLine > last || fix.StartLine > fix.EndLine ||
			(fix.File != "" && fix.File != e.File && fix.File != f.Loc.File) {
			continue
		}
		if lines == nil {
			lines = splitLines(string(src))
		}
		if last > len(lines) {
			return nil
		}
		var b strings.Builder
		for _, l := range lines[first-1 : fix.StartLine-1] {
			b.WriteString(l + "\n")
		}
		text := strings.ReplaceAll(fix.Text, "\r\n", "\n")
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		b.WriteString(text)
		for _, l := range lines[fix.EndLine:last] {
			b.WriteString(l + "\n")
		}
		// GitHub calls a suggestion that changes nothing invalid.
		if b.String() == strings.Join(lines[first-1:last], "\n")+"\n" {
			continue
		}
		return &suggestion{edit: fix.Edit, text: b.String()}
	}
	return nil
}

// splitLines splits a file into its lines, without line endings.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// body lays out a comment: each finding, the suggestion, the help, the
// marker. Findings that would push it past maxBody are counted instead of
// shown, so that an entry with very many findings still gets a comment.
func body(findings []rules.Finding, s *suggestion, help string, fps []string, msgLimit int) string {
	var tail strings.Builder
	if s != nil {
		fence := strings.Repeat("`", max(3, mdsafe.LongestRun(s.text, '`')+1))
		fmt.Fprintf(&tail, "\n%ssuggestion\n%s%s\n", fence, s.text, fence)
	}
	if help = exceptionHelp(help); help != "" {
		tail.WriteString("\n" + help + "\n")
	}
	tail.WriteString("\n" + markerLine(fps, "") + "\n")

	const more = "\n… and %d more findings on this entry, left out to keep the comment within GitHub's limits.\n"
	var b strings.Builder
	for i, f := range findings {
		block := renderFinding(f, s, msgLimit)
		if i > 0 {
			block = "\n" + block
		}
		if b.Len()+len(block)+len(more)+tail.Len() > maxBody && i > 0 {
			fmt.Fprintf(&b, more, len(findings)-i)
			break
		}
		b.WriteString(block)
	}
	b.WriteString(tail.String())
	return b.String()
}

// renderFinding renders one finding: heading, message, fix, justification.
func renderFinding(f rules.Finding, s *suggestion, msgLimit int) string {
	var b strings.Builder
	b.WriteString(heading(f) + "\n")
	if m := mdsafe.Inline(f.Message, msgLimit); m != "" {
		b.WriteString(m + "\n")
	}
	if f.Fix != nil {
		label := "Fix"
		if s != nil && sameEdit(f.Fix.Edit, s.edit) {
			label = "Suggested fix"
		}
		if d := mdsafe.Inline(sentence(f.Fix.Description), msgLimit); d != "" {
			fmt.Fprintf(&b, "**%s:** %s\n", label, d)
		}
	}
	if j := mdsafe.Inline(f.Justification, min(msgLimit, maxJustification)); j != "" {
		fmt.Fprintf(&b, "**Justified in the file:** %s\n", j)
	}
	return b.String()
}

// sameEdit reports whether two fixes change the file the same way, so that
// one suggestion applies both.
func sameEdit(a, b compose.Edit) bool {
	return a.StartLine == b.StartLine && a.EndLine == b.EndLine && a.Text == b.Text
}

// heading is a finding's first line: severity, then the rule's title and
// id, linked to its documentation.
func heading(f rules.Finding) string {
	title := f.Title
	r, known := rules.Lookup(f.Rule)
	if title == "" {
		title = cmp.Or(r.Title, f.Rule)
	}
	t := mdsafe.Flat(title, maxMessage)
	if known {
		t = "[" + t + "](" + rules.DocURL(f.Rule) + ")"
	}
	return fmt.Sprintf("**%s** · %s (%s)", severity(f.Severity), t, mdsafe.CodeSpan(f.Rule, 0))
}

func severity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "Error"
	case rules.Warning:
		return "Warning"
	case rules.Notice:
		return "Notice"
	}
	return mdsafe.Flat(s.String(), 20)
}

// sentence ends s with a full stop unless it has its own punctuation.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?:") {
		return s
	}
	return s + "."
}

// exceptionHelp is trusted markdown from the configuration, kept as
// written except that it can neither open an HTML comment nor leave a code
// block open: either would hide the marker below it, and the next run
// would post the comment again.
func exceptionHelp(md string) string {
	md = strings.TrimSpace(mdsafe.Truncate(md, maxHelp))
	if md == "" {
		return ""
	}
	md = strings.NewReplacer("<!--", "&lt;!--", "-->", "--&gt;").Replace(md)
	return mdsafe.CloseFences(md)
}
