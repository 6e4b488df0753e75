package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// GitHub writes one GitHub Actions workflow command per finding, which
// the runner turns into an annotation on the file and line, then a plain
// summary line for the log.
func GitHub(w io.Writer, res *engine.Result, opts Options) error {
	res = orEmpty(res)
	var b bytes.Buffer
	for _, f := range res.Findings {
		var props []string
		add := func(key, value string) {
			props = append(props, key+"="+escapeProperty(value))
		}
		// Forward slashes, as the runner matches the path against the
		// repository's.
		add("file", filepath.ToSlash(opts.path(f.Loc.File)))
		// Zero means unknown; the runner would reject or misplace it.
		if f.Loc.Line > 0 {
			add("line", fmt.Sprint(f.Loc.Line))
			if f.Loc.Column > 0 {
				add("col", fmt.Sprint(f.Loc.Column))
			}
			if f.Loc.EndLine >= f.Loc.Line {
				add("endLine", fmt.Sprint(f.Loc.EndLine))
			}
		}
		add("title", title(f)+" ("+f.Rule+")")
		msg := f.Message
		if f.Justification != "" {
			msg += " Justified: " + f.Justification
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", githubCommand(f.Severity), strings.Join(props, ","), escapeData(msg))
	}
	b.WriteString(summary(res) + "\n")
	return flush(w, &b)
}

func githubCommand(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "notice"
}

// escapeData and escapeProperty follow @actions/core (command.ts): without
// them a newline in a message taken from the file under review would end
// the command early and could start another one.
func escapeData(s string) string {
	return dataEscaper.Replace(s)
}

func escapeProperty(s string) string {
	return propertyEscaper.Replace(s)
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)
