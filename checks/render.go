package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mountguard/mountguard/review/rules"
)

// Item is one finding of the head commit, with what the review did with it.
type Item struct {
	rules.Finding
	New    bool // not on the base commit (by fingerprint)
	Inline bool // posted (now or earlier) as an inline review comment
	// Exception is the approval that covers this finding, if any: it
	// then does not fail the run.
	Exception *Exception
}

// Exception is a security lead's approval of a finding, through a label.
type Exception struct {
	Label      string
	ApprovedBy string
	ApprovedAt time.Time
}

// Report is what the check run says about one review.
type Report struct {
	HeadSHA string
	Items   []Item
	Files   []string // compose files reviewed (root-relative)
	// FailOn: a NEW finding at or above it fails the run; rules.Off means
	// never fail. Existing findings never fail a run: a pull request is
	// judged on what it adds, or no pull request could pass until every old
	// finding is fixed.
	FailOn rules.Severity
	// Fixed counts earlier comments marked fixed in this run.
	Fixed int
	// ExceptionHelp is markdown from configuration: how to ask for an
	// exception. It is written by the repository's maintainers (it comes
	// from the base branch), so it is shown as markdown, not escaped.
	ExceptionHelp string
	// Notes are extra lines for the summary, shown as plain text (e.g.
	// "config: .github/mountguard.yml from main"): a branch name in one is
	// chosen by whoever pushed it.
	Notes []string
	// PassConclusion is the conclusion when findings that would fail the
	// run are all covered by exceptions: success (default) or neutral.
	PassConclusion string
}

// Caps on the parts of the rendered output, in bytes. Each keeps one piece
// of user text from taking the space of everything else: the details list
// stops at the size limit, and a finding whose message fills it would be
// the only one listed.
const (
	maxPath          = 300
	maxService       = 100
	maxFindingTitle  = 200
	maxMessage       = 2000
	maxReason        = 1000
	maxFixNote       = 300
	maxNote          = 500
	maxNotes         = 20
	maxExceptionHelp = 8 * 1024
	// noteRoom is kept free at the end of a cut text for its closing note.
	noteRoom = 600
	// shortSHA is how much of the head SHA the summary shows, as GitHub
	// does.
	shortSHA = 7
)

// severities are the rows of the tables, most severe first.
var severities = []rules.Severity{rules.Error, rules.Warning, rules.Notice}

// bucket maps a severity to its row. Findings are never Off, but one that
// were must still be shown, and as the least severe.
func bucket(s rules.Severity) rules.Severity {
	switch {
	case s >= rules.Error:
		return rules.Error
	case s == rules.Warning:
		return rules.Warning
	}
	return rules.Notice
}

// count is a number of new and of existing findings.
type count struct{ new, existing int }

func (c *count) add(it Item) {
	if it.New {
		c.new++
	} else {
		c.existing++
	}
}

func (c count) total() int { return c.new + c.existing }

// tally is everything the title and summary count.
type tally struct {
	all       count
	bySev     map[rules.Severity]*count
	byFile    map[string]*count
	byRule    map[string]*count
	failing   int // new findings at or above FailOn, without an exception
	excepted  int // new findings at or above FailOn that an exception covers
	inline    int
	justified int
}

func tallyItems(items []Item, failOn rules.Severity) tally {
	t := tally{bySev: map[rules.Severity]*count{}, byFile: map[string]*count{}, byRule: map[string]*count{}}
	for _, sev := range severities {
		t.bySev[sev] = &count{}
	}
	get := func(m map[string]*count, k string) *count {
		if m[k] == nil {
			m[k] = &count{}
		}
		return m[k]
	}
	for _, it := range items {
		t.all.add(it)
		t.bySev[bucket(it.Severity)].add(it)
		get(t.byFile, it.Loc.File).add(it)
		get(t.byRule, it.Rule).add(it)
		if it.New && failOn != rules.Off && it.Severity >= failOn {
			if it.Exception != nil {
				t.excepted++
			} else {
				t.failing++
			}
		}
		if it.Inline {
			t.inline++
		}
		if it.Justification != "" {
			t.justified++
		}
	}
	return t
}

// sortItems orders a copy of the items as every list shows them: new first,
// then most severe, then by place, so that a cut list or a capped set of
// annotations loses the least important findings.
func sortItems(items []Item) []Item {
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b Item) int {
		if a.New != b.New {
			if a.New {
				return -1
			}
			return 1
		}
		return cmp.Or(
			-cmp.Compare(bucket(a.Severity), bucket(b.Severity)),
			rules.Compare(a.Finding, b.Finding),
		)
	})
	return items
}

// Render turns a report into the run's conclusion and output (title,
// summary, text) and its annotations. The conclusion is failure when a new
// finding is at or above FailOn (and FailOn is not Off), success otherwise;
// justified findings count like the others, as in `mountguard lint`.
func Render(r Report) (conclusion string, out Output, annotations []Annotation) {
	items := sortItems(r.Items)
	t := tallyItems(items, r.FailOn)
	conclusion = ConclusionSuccess
	switch {
	case t.failing > 0:
		conclusion = ConclusionFailure
	case t.excepted > 0 && r.PassConclusion == ConclusionNeutral:
		conclusion = ConclusionNeutral
	}
	annotations, annotatable := annotate(items)
	out = Output{
		Title:   runTitle(t),
		Summary: summary(r, t, len(annotations), annotatable),
		Text:    details(items, len(annotations) < annotatable),
	}
	return conclusion, out, annotations
}

// runTitle counts the new findings by severity: it is the line GitHub shows
// in the checks list, so it says first what this pull request adds.
func runTitle(t tally) string {
	if t.all.total() == 0 {
		return "No findings"
	}
	if t.failing == 0 && t.excepted > 0 {
		return clip(fmt.Sprintf("Passed with %s", plural(t.excepted, "exception")), MaxOutputTitle)
	}
	if t.all.new == 0 {
		return fmt.Sprintf("No new findings (%d existing)", t.all.existing)
	}
	var parts []string
	for _, sev := range severities {
		if n := t.bySev[sev].new; n > 0 {
			parts = append(parts, plural(n, "new "+sev.String()))
		}
	}
	title := strings.Join(parts, ", ")
	if t.all.existing > 0 {
		title += fmt.Sprintf(" (%d existing)", t.all.existing)
	}
	return clip(title, MaxOutputTitle)
}

// summary writes the counts, the files, the rules and how to ask for an
// exception. Only the file table grows without bound (a pull request may
// touch thousands of files), so it gets what the other sections leave.
func summary(r Report, t tally, annotated, annotatable int) string {
	head := summaryHead(r, t, annotated, annotatable)
	tail := rulesSection(t) + grantedSection(sortItems(r.Items)) + exceptionSection(r, t) + notesSection(r.Notes)

	var b strings.Builder
	b.WriteString(head)
	rows, clean := fileRows(r.Files, t)
	if len(rows) > 0 {
		b.WriteString("\n### Files\n\n| File | New | Existing |\n| --- | ---: | ---: |\n")
		for i, row := range rows {
			if b.Len()+len(row)+len(tail)+noteRoom > MaxOutputChars {
				fmt.Fprintf(&b, "\n_%s with findings %s not listed._\n", plural(len(rows)-i, "more file"), isAre(len(rows)-i))
				break
			}
			b.WriteString(row)
		}
	}
	if clean > 0 {
		// After a blank line, so that it does not join the table.
		fmt.Fprintf(&b, "\n%s no findings.\n", plural(clean, "reviewed file")+" "+hasHave(clean))
	}
	b.WriteString(tail)
	// The sections above are capped so that this cannot cut; it is the
	// guarantee, whatever the input.
	return fitLines(b.String(), MaxOutputChars,
		"\n_Truncated: the summary is longer than GitHub allows; see the details below and the annotations._\n")
}

func summaryHead(r Report, t tally, annotated, annotatable int) string {
	var b strings.Builder
	b.WriteString("mountguard reviewed " + plural(len(r.Files), "compose file"))
	if sha := oneLine(r.HeadSHA); sha != "" {
		b.WriteString(" at " + code(cutBytes(sha, shortSHA), shortSHA))
	}
	switch {
	case t.all.total() == 0:
		b.WriteString(" and found nothing to report.\n")
	case t.all.existing == 0:
		fmt.Fprintf(&b, " and found %s.\n", plural(t.all.new, "new finding"))
	default:
		found := "no new findings"
		if t.all.new > 0 {
			found = plural(t.all.new, "new finding")
		}
		fmt.Fprintf(&b, " and found %s, and %s also on the base branch.\n",
			found, plural(t.all.existing, "existing finding")+" that "+isAre(t.all.existing))
	}

	b.WriteString("\n")
	switch {
	case t.failing > 0:
		fmt.Fprintf(&b, "**The check fails:** %s %s at or above %s, the configured `fail_on` severity.",
			plural(t.failing, "new finding"), isAre(t.failing), code(r.FailOn.String(), 10))
	case r.FailOn == rules.Off:
		b.WriteString("**The check passes:** the configuration sets `fail_on: never`.")
	case t.excepted > 0:
		fmt.Fprintf(&b, "**The check passes with exceptions:** %s at or above %s %s covered by exceptions a security lead granted (listed below).",
			plural(t.excepted, "new finding"), code(r.FailOn.String(), 10), isAre(t.excepted))
	case t.all.new > 0:
		fmt.Fprintf(&b, "**The check passes:** no new finding is at or above %s, the configured `fail_on` severity.",
			code(r.FailOn.String(), 10))
	case t.all.existing > 0:
		b.WriteString("**The check passes:** this pull request adds no findings.")
	default:
		b.WriteString("**The check passes.**")
	}
	if t.all.existing > 0 {
		b.WriteString(" Existing findings never fail the check.")
	}
	b.WriteString("\n")

	// What happened besides the findings, in one paragraph.
	var done []string
	if t.inline > 0 {
		done = append(done, fmt.Sprintf("%s on the pull request.",
			plural(t.inline, "finding")+" "+hasHave(t.inline)+" an inline review comment"))
	}
	if r.Fixed > 0 {
		done = append(done, fmt.Sprintf("%s marked fixed.", plural(r.Fixed, "earlier review comment")+" "+wasWere(r.Fixed)))
	}
	if t.justified > 0 {
		done = append(done, fmt.Sprintf("%s justified by a `# mountguard: allow` comment; justified findings keep their severity.",
			plural(t.justified, "finding")+" "+isAre(t.justified)))
	}
	if annotated < annotatable {
		done = append(done, fmt.Sprintf("The %d most important findings are annotated on their lines; %d more are not, to stay within GitHub's rate limits.",
			annotated, annotatable-annotated))
	}
	if len(done) > 0 {
		b.WriteString("\n" + strings.Join(done, " ") + "\n")
	}

	if t.all.total() > 0 {
		b.WriteString("\n| Severity | New | Existing |\n| --- | ---: | ---: |\n")
		for _, sev := range severities {
			c := t.bySev[sev]
			fmt.Fprintf(&b, "| %s | %d | %d |\n", severityName(sev), c.new, c.existing)
		}
		fmt.Fprintf(&b, "| **Total** | **%d** | **%d** |\n", t.all.new, t.all.existing)
	}
	return b.String()
}

// maxCleanRows is how many files without findings the file table lists;
// past it they are only counted, as rows of zeros would push the files
// that matter out of a cut table and out of sight.
const maxCleanRows = 10

// fileRows lists the files with findings, those with the most new findings
// first so that a cut table keeps them, including files reached through
// include or extends that were not reviewed on their own. Reviewed files
// without findings follow, or are counted in clean when there are many.
func fileRows(files []string, t tally) (rows []string, clean int) {
	names := make([]string, 0, len(t.byFile))
	for f := range t.byFile {
		names = append(names, f)
	}
	slices.SortFunc(names, func(a, b string) int {
		ca, cb := t.byFile[a], t.byFile[b]
		return cmp.Or(-cmp.Compare(ca.new, cb.new), -cmp.Compare(ca.existing, cb.existing), strings.Compare(a, b))
	})
	var quiet []string
	for _, f := range files {
		if t.byFile[f] == nil && !slices.Contains(quiet, f) {
			quiet = append(quiet, f)
		}
	}
	slices.Sort(quiet)
	if len(quiet) > maxCleanRows {
		clean, quiet = len(quiet), nil
	}
	for _, f := range slices.Concat(names, quiet) {
		name := "_(no file)_"
		if f != "" {
			name = cellCode(f, maxPath)
		}
		var c count
		if t.byFile[f] != nil {
			c = *t.byFile[f]
		}
		rows = append(rows, fmt.Sprintf("| %s | %d | %d |\n", name, c.new, c.existing))
	}
	return rows, clean
}

// rulesSection links each rule involved to its documentation, which says
// why it matters and how to fix it.
func rulesSection(t tally) string {
	if len(t.byRule) == 0 {
		return ""
	}
	ids := make([]string, 0, len(t.byRule))
	for id := range t.byRule {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		ca, cb := t.byRule[a], t.byRule[b]
		return cmp.Or(-cmp.Compare(ca.new, cb.new), -cmp.Compare(ca.existing, cb.existing), strings.Compare(a, b))
	})
	var b strings.Builder
	b.WriteString("\n### Rules\n\n| Rule | What it finds | New | Existing |\n| --- | --- | ---: | ---: |\n")
	for _, id := range ids {
		c := t.byRule[id]
		title := "_(unknown rule)_"
		if rule, ok := rules.Lookup(id); ok {
			title = text(rule.Title, maxFindingTitle)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d |\n", ruleRef(id, true), title, c.new, c.existing)
	}
	return b.String()
}

// ruleRef links a catalog rule's ID to its page; an unknown ID (a rule
// added to the engine but not to the catalog) is shown without a link.
func ruleRef(id string, inTable bool) string {
	if _, ok := rules.Lookup(id); ok {
		return "[`" + id + "`](" + rules.DocURL(id) + ")"
	}
	if inTable {
		return cellCode(id, maxService)
	}
	return code(id, maxService)
}

// defaultExceptionHelp is shown when the configuration says nothing about
// exceptions: the justification comment is the one way that always exists.
const defaultExceptionHelp = "To accept a finding, add `# mountguard: allow <rule-id> -- <reason>` on its line " +
	"or in the comment block right above it. A justified finding is still reported, with the reason, " +
	"so that reviewers can see and question it."

// grantedSection lists the findings security leads excepted, with who
// approved them: the check run is where a reviewer sees why it passed.
func grantedSection(items []Item) string {
	var b strings.Builder
	for _, it := range items {
		e := it.Exception
		if e == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n### Granted exceptions\n\n")
		}
		service := ""
		if it.Service != "" {
			service = " (service " + code(clip(oneLine(it.Service), maxService), maxService) + ")"
		}
		fmt.Fprintf(&b, "- %s %s at %s%s: approved by %s on %s with the label %s.\n",
			severityName(it.Severity), ruleRef(it.Rule, false),
			code(clip(oneLine(it.Loc.File), maxPath)+lines(it.Loc.Line, it.Loc.EndLine, ":"), maxPath+20),
			service,
			code("@"+clip(oneLine(e.ApprovedBy), maxService), maxService+1), e.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC"),
			code(clip(oneLine(e.Label), maxService), maxService))
		if b.Len() > MaxOutputChars/4 {
			b.WriteString("- _more exceptions are listed in the exception record comment on the pull request._\n")
			break
		}
	}
	return b.String()
}

func exceptionSection(r Report, t tally) string {
	if t.all.total() == 0 {
		return ""
	}
	help := strings.TrimSpace(sanitize(r.ExceptionHelp))
	switch {
	case help == "":
		help = defaultExceptionHelp
	case len(help) > maxExceptionHelp:
		// Cutting markdown may leave a block open that swallows the rest;
		// this is configuration, so say so rather than show part of it.
		help = fmt.Sprintf("_The exception instructions in the configuration are longer than %d bytes and are not shown; shorten them._", maxExceptionHelp)
	}
	return "\n### Exceptions\n\n" + help + "\n"
}

func notesSection(notes []string) string {
	var lines []string
	for _, n := range notes {
		if n = text(n, maxNote); n != "" {
			lines = append(lines, "- "+n+"\n")
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > maxNotes {
		lines = append(lines[:maxNotes], "- _"+plural(len(lines)-maxNotes, "more note")+" not shown_\n")
	}
	return "\n### Notes\n\n" + strings.Join(lines, "")
}

// details lists every finding, new first and most severe first, until the
// text would pass GitHub's limit; then a note says how many are left out
// and where to find them.
func details(items []Item, annotationsCapped bool) string {
	var nNew int
	for _, it := range items {
		if it.New {
			nNew++
		}
	}
	var b strings.Builder
	for i, it := range items {
		var block strings.Builder
		switch {
		case i == 0 && it.New:
			fmt.Fprintf(&block, "## New findings (%d)\n\n", nNew)
		case !it.New && (i == 0 || items[i-1].New):
			if i > 0 {
				block.WriteString("\n")
			}
			fmt.Fprintf(&block, "## Existing findings (%d)\n\nThese are also on the base branch, so they do not fail the check.\n\n", len(items)-nNew)
		}
		block.WriteString(detail(it))
		if b.Len()+block.Len()+noteRoom > MaxOutputChars {
			b.WriteString(truncationNote(items[i:], annotationsCapped))
			break
		}
		b.WriteString(block.String())
	}
	return b.String()
}

func truncationNote(rest []Item, annotationsCapped bool) string {
	var c count
	for _, it := range rest {
		c.add(it)
	}
	what := plural(c.total(), "more finding")
	switch {
	case c.new > 0 && c.existing > 0:
		what += fmt.Sprintf(" (%d new, %d existing)", c.new, c.existing)
	case c.existing > 0:
		what = plural(c.total(), "more existing finding")
	}
	if annotationsCapped {
		return fmt.Sprintf("\n_Truncated: %s %s not listed here. The annotations show the %d most important findings; "+
			"run `mountguard lint` on the branch for the complete list._\n", what, isAre(c.total()), MaxAnnotationsPerRun)
	}
	return fmt.Sprintf("\n_Truncated: %s %s not listed here; see the annotations and the review comments._\n",
		what, isAre(c.total()))
}

// detail is one finding: a line that says where and what, then its message,
// justification and fix as sub-items, which read the same whether or not
// GitHub turns newlines into line breaks.
func detail(it Item) string {
	var b strings.Builder
	b.WriteString("- **" + bucket(it.Severity).String() + "**")
	if !it.New {
		b.WriteString(" (existing)")
	}
	if it.Loc.File != "" {
		b.WriteString(" in " + code(it.Loc.File+lines(it.Loc.Line, it.Loc.EndLine, ":"), maxPath))
	}
	if it.Service != "" {
		b.WriteString(", service " + code(it.Service, maxService))
	}
	b.WriteString(": **" + text(findingTitle(it.Finding), maxFindingTitle) + "** (" + ruleRef(it.Rule, false) + ")\n")
	if msg := text(it.Message, maxMessage); msg != "" {
		b.WriteString("  - " + msg + "\n")
	}
	if it.Justification != "" {
		b.WriteString("  - Justified: " + text(it.Justification, maxReason) + "\n")
	}
	if it.Fix != nil {
		fix := text(it.Fix.Description, maxFixNote)
		if fix == "" {
			fix = "a mechanical fix is available"
		}
		b.WriteString("  - Fix: " + fix + " — the annotation shows the replacement lines.\n")
	}
	return b.String()
}

// lines writes a line or a range ("12", "20-23") after sep, or nothing for
// a finding about a whole file.
func lines(start, end int, sep string) string {
	switch {
	case start <= 0:
		return ""
	case end > start:
		return sep + strconv.Itoa(start) + "-" + strconv.Itoa(end)
	}
	return sep + strconv.Itoa(start)
}

// findingTitle falls back to the catalog, then to the rule ID, so that a
// finding built without a title still has a heading.
func findingTitle(f rules.Finding) string {
	if t := oneLine(f.Title); t != "" {
		return t
	}
	if r, ok := rules.Lookup(f.Rule); ok {
		return r.Title
	}
	return oneLine(f.Rule)
}

func severityName(s rules.Severity) string {
	n := s.String()
	return strings.ToUpper(n[:1]) + n[1:]
}

func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// annotate makes one annotation per finding that has a file, up to
// MaxAnnotationsPerRun, in the order of the items (the most important
// first). It also returns how many findings could have been annotated.
func annotate(items []Item) (anns []Annotation, annotatable int) {
	for _, it := range items {
		a, ok := annotation(it)
		if !ok {
			continue
		}
		annotatable++
		if len(anns) < MaxAnnotationsPerRun {
			anns = append(anns, a)
		}
	}
	return anns, annotatable
}

// annotation places a finding on its lines. A finding without a file (none
// the engine makes today) cannot be annotated; the details still list it.
func annotation(it Item) (Annotation, bool) {
	f := it.Finding
	if f.Loc.File == "" {
		return Annotation{}, false
	}
	a := Annotation{Path: f.Loc.File, StartLine: max(f.Loc.Line, 1)}
	a.EndLine = max(f.Loc.EndLine, a.StartLine)
	// GitHub accepts columns only on a one-line annotation. Findings carry
	// no end column, so the annotation marks the column where it starts.
	if a.StartLine == a.EndLine && f.Loc.Column > 0 {
		a.StartColumn, a.EndColumn = f.Loc.Column, f.Loc.Column
	}

	a.Level = LevelNotice
	prefix := "Existing: "
	switch {
	case it.New && it.Exception != nil:
		prefix = "Excepted: "
	case it.New:
		prefix = ""
		switch bucket(f.Severity) {
		case rules.Error:
			a.Level = LevelFailure
		case rules.Warning:
			a.Level = LevelWarning
		}
	}

	a.Title = annotationTitle(prefix, findingTitle(f), oneLine(f.Rule))

	// Annotations are plain text: no escaping, but newlines are kept.
	var trailer strings.Builder
	if f.Service != "" {
		trailer.WriteString("\nService: " + clip(oneLine(f.Service), maxService))
	}
	if f.Justification != "" {
		trailer.WriteString("\nJustified: " + clip(oneLine(f.Justification), maxReason))
	}
	if !it.New {
		trailer.WriteString("\nThis finding is also on the base branch, so it does not fail the check.")
	}
	if e := it.Exception; e != nil {
		trailer.WriteString("\nExcepted by @" + clip(oneLine(e.ApprovedBy), maxService) + " with the label " + clip(oneLine(e.Label), maxService) + ", so it does not fail the check.")
	}
	if _, ok := rules.Lookup(f.Rule); ok {
		trailer.WriteString("\nRule: " + rules.DocURL(f.Rule))
	}
	msg := strings.TrimSpace(sanitize(f.Message))
	if msg == "" {
		msg = findingTitle(f)
	}
	if trailer.Len() > 0 {
		// A blank line between the message and the trailer.
		msg = clip(msg, MaxAnnotationMessage-trailer.Len()-1) + "\n" + trailer.String()
	}
	a.Message = clip(msg, MaxAnnotationMessage)

	if f.Fix != nil {
		a.RawDetails = clip(fixDetails(f), MaxAnnotationRawDetails)
	}
	return a, true
}

// annotationTitle is "<prefix><title> (<rule>)", cutting the title rather
// than the rule ID, which is what a reader searches the docs for.
func annotationTitle(prefix, title, rule string) string {
	suffix := ""
	if rule != "" {
		suffix = " (" + clip(rule, 100) + ")"
	}
	room := MaxAnnotationTitle - len(prefix) - len(suffix)
	return prefix + clip(title, room) + suffix
}

// fixDetails is the fix as a reader applies it by hand: what it does and
// the exact replacement lines.
func fixDetails(f rules.Finding) string {
	fx := f.Fix
	var b strings.Builder
	if d := strings.TrimSpace(sanitize(fx.Description)); d != "" {
		b.WriteString(d + "\n\n")
	}
	if fx.StartLine > 0 {
		where := "line" + lines(fx.StartLine, fx.EndLine, " ")
		if fx.EndLine > fx.StartLine {
			where = "lines" + lines(fx.StartLine, fx.EndLine, " ")
		}
		if fx.File != "" && fx.File != f.Loc.File {
			where += " of " + oneLine(fx.File)
		}
		if fx.Text == "" {
			b.WriteString("Delete " + where + ".")
		} else {
			b.WriteString("Replace " + where + " with:\n" + sanitize(fx.Text))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
