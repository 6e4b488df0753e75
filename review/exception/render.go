package exception

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

// Caps on what the visible part of the record shows of one item.
const (
	maxLabel    = 100
	maxPath     = 300
	maxService  = 100
	maxShownMsg = 300 // runes of an uncovered finding's message
	maxShownJus = 500
)

// detail is how much the visible record lists. The marker always holds
// everything; the visible text gives way when a pull request has so many
// findings that listing them all would not fit.
type detail int

const (
	detailAll    detail = iota // every finding
	detailCapped               // the first few findings of each list
	detailCounts               // counts only
)

const cappedItems = 10

func renderVisible(rec Record, blocking []rules.Finding, budget int, w web) string {
	var s string
	for _, d := range []detail{detailAll, detailCapped, detailCounts} {
		if s = visible(rec, blocking, d, w); len(s) <= budget {
			return s
		}
	}
	// Only a record with an absurd number of revoked entries gets here.
	return cutLines(s, budget, "\n_The rest of the record is not shown; its hidden data below is complete._\n")
}

func visible(rec Record, blocking []rules.Finding, d detail, w web) string {
	current := map[string]bool{}
	for _, f := range blocking {
		current[fingerprint(f)] = true
	}
	var active, revoked []Entry
	for _, e := range rec.Entries {
		if e.Active() {
			active = append(active, e)
		} else {
			revoked = append(revoked, e)
		}
	}

	var b strings.Builder
	b.WriteString("## " + RecordHeading + "\n\n")
	b.WriteString("Security leads grant exceptions to mountguard's findings on this pull request with labels. " +
		"This comment is the audit trail: mountguard keeps it up to date, and an exception covers only the findings listed under it.\n")

	fmt.Fprintf(&b, "\n### In effect (%d)\n", len(active))
	if len(active) == 0 {
		b.WriteString("\nNo exception is in effect: the labels that granted them were removed.\n")
	}
	for _, e := range active {
		b.WriteString("\n#### " + mdsafe.CodeSpan(e.Label, maxLabel) + "\n\n")
		fmt.Fprintf(&b, "Approved by %s on %s. ", w.userRef(e.ApprovedBy), when(e.ApprovedAt))
		switch {
		case len(e.Findings) == 0 && e.Rule == "":
			b.WriteString("The pull request had no blocking finding then, so it covers nothing.\n")
			continue
		case len(e.Findings) == 0:
			b.WriteString("The pull request had no blocking finding of rule " + ruleRef(e.Rule) + " then, so it covers nothing.\n")
			continue
		case e.Rule == "":
			fmt.Fprintf(&b, "It covers every blocking finding that the pull request had then (%d):\n\n", len(e.Findings))
		default:
			fmt.Fprintf(&b, "It covers the blocking findings of rule %s that the pull request had then (%d):\n\n", ruleRef(e.Rule), len(e.Findings))
		}
		if d == detailCounts {
			b.WriteString("- " + ruleCounts(e.Findings) + "\n")
			continue
		}
		fs := sortedCovered(e.Findings)
		for i, f := range fs {
			if d == detailCapped && i == cappedItems {
				fmt.Fprintf(&b, "- … and %d more, all kept in this comment's hidden data\n", len(fs)-i)
				break
			}
			b.WriteString("- " + findingLine(f.Rule, f.File, f.Line, f.Service))
			if !current[f.Fingerprint] {
				b.WriteString(" — _no longer blocking_")
			}
			b.WriteString("\n")
			if j := mdsafe.FlatJoined(f.Justification, maxShownJus); j != "" {
				b.WriteString("  - Justified in the file: " + j + "\n")
			}
		}
	}

	if len(active) > 0 {
		b.WriteString(notCovered(active, blocking, d))
	}

	if len(revoked) > 0 {
		fmt.Fprintf(&b, "\n### Revoked (%d)\n\n", len(revoked))
		b.WriteString("These exceptions no longer count: their labels were removed. Applying a label again is a new approval, of the findings present then.\n\n")
		shown := revoked
		if d == detailCounts && len(shown) > 2*cappedItems {
			// The latest ones: the earliest are the least likely to be
			// looked for, and all stay in the hidden data.
			fmt.Fprintf(&b, "- … %d earlier revoked exceptions, kept in this comment's hidden data\n", len(shown)-2*cappedItems)
			shown = shown[len(shown)-2*cappedItems:]
		}
		for _, e := range shown {
			fmt.Fprintf(&b, "- %s, approved by %s on %s, revoked on %s", mdsafe.CodeSpan(e.Label, maxLabel), w.userRef(e.ApprovedBy), when(e.ApprovedAt), when(e.RevokedAt))
			if e.RevokedBy != "" {
				b.WriteString(" by " + w.userRef(e.RevokedBy))
			}
			if len(e.Findings) == 0 {
				b.WriteString("; it covered nothing\n")
			} else {
				fmt.Fprintf(&b, "; it covered %s: %s\n", plural(len(e.Findings), "finding"), ruleCounts(e.Findings))
			}
		}
	}
	return b.String()
}

// notCovered lists the blocking findings that no active exception covers,
// saying for each what changed: it appeared after an approval whose scope
// includes it, or no label covers its rule at all.
func notCovered(active []Entry, blocking []rules.Finding, d detail) string {
	covered := map[string]bool{}
	for _, e := range active {
		for _, f := range e.Findings {
			covered[f.Fingerprint] = true
		}
	}
	var left []rules.Finding
	for _, f := range blocking {
		if !covered[fingerprint(f)] {
			left = append(left, f)
		}
	}
	if len(left) == 0 {
		return ""
	}
	slices.SortStableFunc(left, rules.Compare)

	var b strings.Builder
	fmt.Fprintf(&b, "\n### Not covered (%d)\n\n", len(left))
	b.WriteString("These blocking findings are not covered by an exception, so they still fail the check. " +
		"An approval covers only the findings present when it was given: to cover a later one, an approver removes the label and applies it again.\n\n")
	for i, f := range left {
		if d != detailAll && i == cappedItems {
			fmt.Fprintf(&b, "- … and %d more; the check run lists them all\n", len(left)-i)
			break
		}
		b.WriteString("- " + findingLine(f.Rule, f.Loc.File, f.Loc.Line, f.Service) + ": ")
		if e, ok := latestInScope(active, f.Rule); ok {
			fmt.Fprintf(&b, "added or changed after %s was approved on %s\n", mdsafe.CodeSpan(e.Label, maxLabel), when(e.ApprovedAt))
		} else {
			fmt.Fprintf(&b, "no exception label covers rule %s\n", mdsafe.CodeSpan(f.Rule, maxLabel))
		}
		if d == detailAll {
			if m := mdsafe.FlatJoined(f.Message, maxShownMsg); m != "" {
				b.WriteString("  - " + m + "\n")
			}
		}
	}
	return b.String()
}

// latestInScope is the most recent active entry whose scope includes rule.
func latestInScope(active []Entry, rule string) (Entry, bool) {
	var best Entry
	found := false
	for _, e := range active {
		if (e.Rule == "" || e.Rule == rule) && (!found || !e.ApprovedAt.Before(best.ApprovedAt)) {
			best, found = e, true
		}
	}
	return best, found
}

// findingLine is a finding on one line: rule title and id (linked to the
// rule's documentation), place and service.
func findingLine(rule, file string, line int, service string) string {
	var b strings.Builder
	if r, ok := rules.Lookup(rule); ok {
		b.WriteString(r.Title + " (" + ruleRef(rule) + ")")
	} else {
		b.WriteString(mdsafe.CodeSpan(rule, maxLabel))
	}
	if file != "" {
		where := file
		if line > 0 {
			where += ":" + strconv.Itoa(line)
		}
		b.WriteString(" in " + mdsafe.CodeSpan(where, maxPath))
	}
	if service != "" {
		b.WriteString(", service " + mdsafe.CodeSpan(service, maxService))
	}
	return b.String()
}

// ruleRef links a catalog rule's id to its documentation.
func ruleRef(id string) string {
	if _, ok := rules.Lookup(id); ok {
		return "[`" + id + "`](" + rules.DocURL(id) + ")"
	}
	return mdsafe.CodeSpan(id, maxLabel)
}

// ruleCounts summarises findings by rule: "`docker-socket`, `privileged` ×2".
func ruleCounts(fs []CoveredFinding) string {
	n := map[string]int{}
	var ids []string
	for _, f := range fs {
		if n[f.Rule] == 0 {
			ids = append(ids, f.Rule)
		}
		n[f.Rule]++
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = mdsafe.CodeSpan(id, maxLabel)
		if n[id] > 1 {
			parts[i] += fmt.Sprintf(" ×%d", n[id])
		}
	}
	return strings.Join(parts, ", ")
}

func sortedCovered(fs []CoveredFinding) []CoveredFinding {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b CoveredFinding) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			strings.Compare(a.Rule, b.Rule), strings.Compare(a.Service, b.Service), strings.Compare(a.Fingerprint, b.Fingerprint))
	})
	return fs
}

// when shows a time to the minute, in UTC, as an audit trail read from
// anywhere should.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// cutLines cuts s at a line boundary so that it and note fit in limit.
func cutLines(s string, limit int, note string) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len(note), 0)
	if i := strings.LastIndexByte(s[:cut], '\n'); i >= 0 {
		cut = i + 1
	} else {
		cut = 0
	}
	return s[:cut] + note
}
