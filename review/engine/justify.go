package engine

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/rules"
)

// A justification is a YAML comment on a finding's line, or in the comment
// block right above it:
//
//	# mountguard: allow writable-bind-mount -- the app stores uploads here
//	- ./uploads:/srv/uploads
//
// Several rules may be named, separated by commas. The reason after "--" is
// required: a justification without one justifies nothing and is reported.
var directive = regexp.MustCompile(`#\s*mountguard:\s*(\S*)\s*(.*)$`)

// nearMiss is a comment that was meant as a directive but is not written
// as one ("# mountguard allow ...", "# MountGuard: allow ..."); it is
// reported rather than silently ignored.
var nearMiss = regexp.MustCompile(`(?i)#\s*mount\s*guard\s*:?\s*allow\b`)

type justification struct {
	line    int
	trailer bool // written after code on the same line
	rules   []string
	reason  string
}

// fileJustifications are the directives of one file and the lines that
// hold nothing but a comment.
type fileJustifications struct {
	directives []justification
	comments   map[int]bool
}

// scanJustifications reads the directives of one file. It returns the
// valid ones and a finding for each invalid one.
func scanJustifications(file string, content []byte) (fj fileJustifications, bad []rules.Finding) {
	fj.comments = map[int]bool{}
	for i, raw := range bytes.Split(content, []byte("\n")) {
		line := string(bytes.TrimRight(raw, "\r"))
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			fj.comments[i+1] = true
		}
		if !strings.Contains(strings.ToLower(line), "mountguard") && !strings.Contains(strings.ToLower(line), "mount guard") {
			continue
		}
		m := directive.FindStringSubmatch(line)
		if m == nil {
			if loc := nearMiss.FindStringIndex(line); loc != nil {
				text := strings.TrimSpace(line[loc[0]:])
				bad = append(bad, rules.Finding{
					Rule: rules.BadJustification, Severity: rules.Notice,
					Loc:    compose.Loc{File: file, Line: i + 1, Column: loc[0] + 1, EndLine: i + 1},
					Target: "justification", Source: text,
					Message: fmt.Sprintf("the comment %q looks like a justification but is not written as one, so it justifies nothing. Write: # mountguard: allow <rule-id> -- <why this is needed>", text),
				})
			}
			continue
		}
		j := justification{line: i + 1, trailer: !strings.HasPrefix(strings.TrimSpace(line), "#")}
		col := strings.Index(line, "#") + 1
		problem := ""
		verb, rest := m[1], m[2]
		ids, reason, hasReason := strings.Cut(rest, "--")
		reason = strings.TrimSpace(reason)
		for _, id := range strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if _, ok := rules.Lookup(id); !ok {
				problem = fmt.Sprintf("names unknown rule %q", id)
				break
			}
			j.rules = append(j.rules, id)
		}
		switch {
		case verb != "allow":
			problem = fmt.Sprintf("uses %q; the only directive is \"mountguard: allow <rule-id> -- <reason>\"", verb)
		case problem != "":
		case len(j.rules) == 0:
			problem = "names no rule"
		case !hasReason || reason == "":
			problem = "gives no reason after \"--\""
		}
		if problem != "" {
			text := strings.TrimSpace(line[col-1:])
			bad = append(bad, rules.Finding{
				Rule: rules.BadJustification, Severity: rules.Notice,
				Loc:    compose.Loc{File: file, Line: i + 1, Column: col, EndLine: i + 1},
				Target: "justification", Source: text,
				Message: fmt.Sprintf("the justification %q %s, so it justifies nothing. Write: # mountguard: allow <rule-id> -- <why this is needed>", text, problem),
			})
			continue
		}
		j.reason = reason
		fj.directives = append(fj.directives, j)
	}
	return fj, bad
}

// justify attaches justifications to the findings they name, in place, and
// returns findings for invalid directives.
func justify(p *compose.Project, findings []rules.Finding, settings rules.Settings) []rules.Finding {
	byFile := map[string]fileJustifications{}
	var extra []rules.Finding
	files := p.YAMLFiles()
	slices.Sort(files)
	for _, name := range files {
		content, _ := p.Source(name)
		valid, bad := scanJustifications(name, content)
		byFile[name] = valid
		for _, b := range bad {
			if f, ok := settings.Finish(b); ok {
				extra = append(extra, f)
			}
		}
	}
	for i := range findings {
		f := &findings[i]
		fj := byFile[f.Loc.File]
		if len(fj.directives) == 0 {
			continue
		}
		if reason, ok := fj.reasonFor(f.Rule, f.Loc.Line); ok {
			f.Justification = reason
		}
	}
	return extra
}

// reasonFor finds a directive for rule on line, or in the unbroken run of
// comment lines right above it.
func (fj fileJustifications) reasonFor(rule string, line int) (string, bool) {
	for _, j := range fj.directives {
		if (j.line == line && j.trailer) || (j.line < line && !j.trailer && fj.commentRun(j.line, line)) {
			if slices.Contains(j.rules, rule) {
				return j.reason, true
			}
		}
	}
	return "", false
}

// commentRun reports whether every line from `from` up to (not including)
// `to` is a comment line.
func (fj fileJustifications) commentRun(from, to int) bool {
	for l := from; l < to; l++ {
		if !fj.comments[l] {
			return false
		}
	}
	return true
}
