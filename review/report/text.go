package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// indent starts the lines that belong to a finding but are not its first,
// so that each finding reads as one block.
const indent = "  "

// Text writes one block per finding, in the file:line:col form that editors
// and terminals turn into links, then a summary line.
func Text(w io.Writer, res *engine.Result, opts Options) error {
	res = orEmpty(res)
	var b bytes.Buffer
	for _, f := range res.Findings {
		sev := f.Severity.String()
		rule := clean(f.Rule)
		if opts.Color {
			sev = severityColor(f.Severity) + sev + ansiReset
			rule = ansiBold + rule + ansiReset
		}
		fmt.Fprintf(&b, "%s:%d:%d: %s %s: %s\n", clean(opts.path(f.Loc.File)), f.Loc.Line, f.Loc.Column,
			sev, rule, block(f.Message))
		if f.Justification != "" {
			fmt.Fprintf(&b, "%sjustified: %s\n", indent, block(f.Justification))
		}
		if f.Fix != nil {
			fmt.Fprintf(&b, "%sfix: %s\n", indent, block(f.Fix.Description))
		}
	}
	if len(res.Findings) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(summary(res) + "\n")
	return flush(w, &b)
}

func severityColor(s rules.Severity) string {
	switch s {
	case rules.Error:
		return ansiRed
	case rules.Warning:
		return ansiYellow
	case rules.Notice:
		return ansiCyan
	}
	return ""
}

// block indents the continuation lines of a multi-line value so that they
// stay inside their finding's block.
func block(s string) string {
	return strings.ReplaceAll(clean(s), "\n", "\n"+indent)
}

// clean makes control characters visible. Messages quote paths, values
// and comments from the files under review, which may come from an
// untrusted pull request; written raw, an escape sequence in them could
// rewrite the terminal. Newlines and tabs are kept as layout.
func clean(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// unsafeRune reports control characters other than newline and tab, and
// the bidirectional overrides that can make text read differently from
// what it is.
func unsafeRune(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
