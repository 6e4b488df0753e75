package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// The JSON types are the format's contract with scripts: fields are only
// ever added, and keys that may be empty (service) are kept so that a
// consumer need not tell "absent" from "empty".
type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Summary  jsonSummary   `json:"summary"`
	Files    []string      `json:"files"`
}

type jsonFinding struct {
	Rule          string         `json:"rule"`
	Severity      rules.Severity `json:"severity"`
	Title         string         `json:"title"`
	Message       string         `json:"message"`
	File          string         `json:"file"`
	Line          int            `json:"line"`
	Column        int            `json:"column"`
	EndLine       int            `json:"end_line"`
	Service       string         `json:"service"`
	Fingerprint   string         `json:"fingerprint"`
	Justification string         `json:"justification,omitempty"`
	Fix           *jsonFix       `json:"fix,omitempty"`
}

type jsonFix struct {
	Description string `json:"description"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	// Replacement is whole newline-terminated lines that replace
	// start_line..end_line of the finding's file.
	Replacement string `json:"replacement"`
}

type jsonSummary struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Notice  int `json:"notice"`
}

// JSON writes the findings, a count per severity and the files read.
func JSON(w io.Writer, res *engine.Result, opts Options) error {
	res = orEmpty(res)
	// Non-nil slices, so that an empty review is [] and not null.
	out := jsonReport{Findings: []jsonFinding{}, Files: []string{}}
	for _, f := range res.Findings {
		jf := jsonFinding{
			Rule:          f.Rule,
			Severity:      f.Severity,
			Title:         title(f),
			Message:       f.Message,
			File:          opts.path(f.Loc.File),
			Line:          f.Loc.Line,
			Column:        f.Loc.Column,
			EndLine:       f.Loc.EndLine,
			Service:       f.Service,
			Fingerprint:   f.Fingerprint,
			Justification: f.Justification,
		}
		if f.Fix != nil {
			jf.Fix = &jsonFix{
				Description: f.Fix.Description,
				StartLine:   f.Fix.StartLine,
				EndLine:     f.Fix.EndLine,
				Replacement: f.Fix.Text,
			}
		}
		out.Findings = append(out.Findings, jf)
	}
	c := count(res.Findings)
	out.Summary = jsonSummary{Error: c.errors, Warning: c.warnings, Notice: c.notices}
	for _, name := range res.Files {
		// Mapped like finding.file, so that the two can be compared.
		out.Files = append(out.Files, opts.path(name))
	}
	return encodeJSON(w, out)
}

// encodeJSON indents for people reading the file and keeps <, > and &
// as written, since the output is never embedded in HTML.
func encodeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return flush(w, &b)
}
