package comment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

// Limits of the summary. It goes into a review body, which GitHub caps at
// 65,536 characters; the margin leaves the caller room for its own lines.
const (
	maxSummary        = 60_000
	maxSummaryMessage = 300 // runes of each message
)

// Summary renders findings that cannot be inline comments (outside the
// diff, over the cap) for the review body: the headline (trusted markdown,
// as given), then a compact list grouped by file, each finding linked to
// its rule's documentation. It returns "" when there are no findings.
// When the list would not fit in a review body, it ends with a count of
// the findings left out.
func Summary(findings []rules.Finding, headline string) string {
	if len(findings) == 0 {
		return ""
	}
	fs := slices.Clone(findings)
	slices.SortStableFunc(fs, rules.Compare)

	var b strings.Builder
	if h := strings.TrimSpace(headline); h != "" {
		b.WriteString(mdsafe.CloseFences(h) + "\n\n")
	}
	const tail = "\n… and %d more not listed here.\n"
	for i, f := range fs {
		var part strings.Builder
		if i == 0 || f.Loc.File != fs[i-1].Loc.File {
			if i > 0 {
				part.WriteString("\n")
			}
			if f.Loc.File == "" {
				part.WriteString("**Other findings**\n")
			} else {
				part.WriteString("**" + mdsafe.CodeSpan(f.Loc.File, 0) + "**\n")
			}
		}
		part.WriteString(summaryItem(f) + "\n")
		if b.Len()+part.Len()+len(tail)+10 > maxSummary {
			fmt.Fprintf(&b, tail, len(fs)-i)
			break
		}
		b.WriteString(part.String())
	}
	return b.String()
}

// summaryItem is one finding on one line: severity, place, rule, message.
func summaryItem(f rules.Finding) string {
	var b strings.Builder
	b.WriteString("- " + heading(f))
	switch {
	case f.Loc.Line > 0 && f.Loc.EndLine > f.Loc.Line:
		fmt.Fprintf(&b, ", lines %d–%d", f.Loc.Line, f.Loc.EndLine)
	case f.Loc.Line > 0:
		fmt.Fprintf(&b, ", line %d", f.Loc.Line)
	}
	if m := mdsafe.Flat(f.Message, maxSummaryMessage); m != "" {
		b.WriteString(": " + m)
	}
	if j := mdsafe.Flat(f.Justification, maxSummaryMessage); j != "" {
		b.WriteString(" **Justified in the file:** " + j)
	}
	return b.String()
}
