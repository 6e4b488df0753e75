// Package report renders a review result for people (text), for programs
// (json), for GitHub code scanning (sarif) and for GitHub Actions logs
// (github). The CLI and the GitHub App share it, so every consumer sees the
// same findings in the same order with the same counts.
package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// Options control rendering.
type Options struct {
	// Path maps a root-relative file path (as in Finding.Loc.File) to the
	// path shown to the user, the file as the path was given. nil is the
	// identity.
	Path func(string) string
	// Color enables ANSI colour in the text format; the CLI sets it only on
	// a terminal, because escape codes corrupt logs and pipes.
	Color bool
	// Version is mountguard's version, for SARIF's tool.driver.version;
	// empty leaves the field out.
	Version string
}

// Formats lists the format names accepted by Write.
var Formats = []string{"text", "json", "sarif", "github"}

// writers is keyed by the names in Formats; Write consults it rather than
// Formats so that a caller changing the exported slice cannot break it.
var writers = map[string]func(io.Writer, *engine.Result, Options) error{
	"text":   Text,
	"json":   JSON,
	"sarif":  SARIF,
	"github": GitHub,
}

// Write renders res in the named format.
func Write(w io.Writer, format string, res *engine.Result, opts Options) error {
	write, ok := writers[format]
	if !ok {
		return fmt.Errorf("unknown format %q: use %s", format, orList(Formats))
	}
	return write(w, res, opts)
}

// orList joins names as "a, b, c or d".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// orEmpty lets every format accept a nil result, which a caller that failed
// before reviewing anything may still want to render as "no findings".
func orEmpty(res *engine.Result) *engine.Result {
	if res == nil {
		return &engine.Result{}
	}
	return res
}

func (o Options) path(p string) string {
	if o.Path == nil {
		return p
	}
	return o.Path(p)
}

// title falls back to the catalog so that a finding built without going
// through rules.Settings.Finish still gets a heading.
func title(f rules.Finding) string {
	if f.Title != "" {
		return f.Title
	}
	if r, ok := rules.Lookup(f.Rule); ok {
		return r.Title
	}
	return f.Rule
}

// counts tallies findings by severity for the summaries.
type counts struct {
	errors, warnings, notices, justified int
}

func count(findings []rules.Finding) counts {
	var c counts
	for _, f := range findings {
		switch f.Severity {
		case rules.Error:
			c.errors++
		case rules.Warning:
			c.warnings++
		case rules.Notice:
			c.notices++
		}
		if f.Justification != "" {
			c.justified++
		}
	}
	return c
}

// summary is the closing line of the text and github formats, for example
// "3 errors, 1 notice in 4 files (1 justified)". Justified findings are
// counted with the others because they are still reported; the note says
// how many of them a reviewer has already accepted.
func summary(res *engine.Result) string {
	c := count(res.Findings)
	var parts []string
	for _, p := range []struct {
		n    int
		noun string
	}{{c.errors, "error"}, {c.warnings, "warning"}, {c.notices, "notice"}} {
		if p.n > 0 {
			parts = append(parts, plural(p.n, p.noun))
		}
	}
	if len(parts) == 0 {
		// Findings of an unexpected severity still must not read as a
		// clean review.
		if n := len(res.Findings); n > 0 {
			parts = append(parts, plural(n, "finding"))
		} else {
			parts = append(parts, "no findings")
		}
	}
	s := strings.Join(parts, ", ") + " in " + plural(len(res.Files), "file")
	if c.justified > 0 {
		s += fmt.Sprintf(" (%d justified)", c.justified)
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// flush writes a fully rendered buffer in one call, so that the renderers
// need not check a writer error after every line.
func flush(w io.Writer, b *bytes.Buffer) error {
	_, err := w.Write(b.Bytes())
	return err
}
