package compose

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Edit replaces lines StartLine..EndLine (1-based, inclusive) of File with
// Text, a sequence of newline-terminated lines. It is the shape of a GitHub
// suggestion: whole lines, exactly the range they replace.
type Edit struct {
	File      string
	StartLine int
	EndLine   int
	Text      string
}

// line returns line n of a file, without its newline.
func (f *sourceFile) line(n int) (string, bool) {
	start, ok := f.offset(n, 1)
	if !ok {
		return "", false
	}
	rest := f.content[start:]
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.TrimSuffix(string(rest), "\r"), true
}

// replaceScalar rewrites the line holding scalar n so that it says value,
// keeping the scalar's quoting style where the value allows it.
func (f *sourceFile) replaceScalar(n *yaml.Node, value string) (Edit, bool) {
	start, end, ok := f.scalarSpan(n)
	if !ok {
		return Edit{}, false
	}
	lineStart, _ := f.offset(n.Line, 1)
	text, ok := f.line(n.Line)
	if !ok {
		return Edit{}, false
	}
	s, e := start-lineStart, end-lineStart
	if e > len(text) {
		return Edit{}, false
	}
	var quoted string
	switch {
	case n.Style&yaml.SingleQuotedStyle != 0:
		quoted = "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case n.Style&yaml.DoubleQuotedStyle != 0 || !plainSafe(value):
		quoted = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value) + `"`
	default:
		quoted = value
	}
	return Edit{File: f.path, StartLine: n.Line, EndLine: n.Line, Text: text[:s] + quoted + text[e:] + "\n"}, true
}

// plainSafe reports whether value can be written as a plain YAML scalar
// without changing its meaning.
func plainSafe(v string) bool {
	if v == "" || strings.ContainsAny(v[:1], "-?:,[]{}#&*!|>'\"%@` \t") {
		return false
	}
	return !strings.Contains(v, ": ") && !strings.Contains(v, " #") && !strings.HasSuffix(v, ":") &&
		!strings.ContainsAny(v, "\n\t")
}

// insertAfter adds line (without indentation) below line at, indented by
// indent spaces.
func (f *sourceFile) insertAfter(at, indent int, line string) (Edit, bool) {
	text, ok := f.line(at)
	if !ok {
		return Edit{}, false
	}
	return Edit{File: f.path, StartLine: at, EndLine: at, Text: text + "\n" + strings.Repeat(" ", indent) + line + "\n"}, true
}

// blockMapping reports whether n is a block-style mapping whose keys all
// start on their own lines, the only shape a line-based edit can extend.
func blockMapping(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 && len(n.Content) >= 2
}

// endsOnPlainLine reports whether the last line of n is an ordinary
// key/value or list line (not the middle of a block scalar).
func endsOnPlainLine(n *yaml.Node) bool {
	for n != nil {
		switch n.Kind {
		case yaml.ScalarNode:
			return n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(n.Value, "\n")
		case yaml.MappingNode, yaml.SequenceNode:
			if n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
				return n.Style&yaml.FlowStyle != 0 && n.Line == endLine(n)
			}
			n = n.Content[len(n.Content)-1]
		case yaml.AliasNode:
			return true
		default:
			return false
		}
	}
	return false
}

// ReadOnlyEdit returns the edit that makes a mount read-only: ":ro" for the
// short syntax, "read_only: true" for the long one.
func (p *Project) ReadOnlyEdit(m *Mount) (Edit, bool) {
	f := p.sources[m.Loc.File]
	if f == nil || m.node == nil {
		return Edit{}, false
	}
	if m.Short {
		spec, ok := shortReadOnly(m.node.Value)
		if !ok {
			return Edit{}, false
		}
		return f.replaceScalar(m.node, spec)
	}
	if !blockMapping(m.node) {
		return Edit{}, false
	}
	if _, v, err := p.budget.get(m.node, "read_only"); err == nil && v != nil {
		return f.replaceScalar(v, "true")
	}
	if !endsOnPlainLine(m.node) {
		return Edit{}, false
	}
	return f.insertAfter(endLine(m.node), m.node.Content[0].Column-1, "read_only: true")
}

// shortReadOnly rewrites "src:dst[:opts]" so that its options say ro. It
// works on the text as written, variables included, and offers nothing
// unless compose-go's parser agrees that the result is the same mount,
// read-only.
func shortReadOnly(spec string) (string, bool) {
	ro, ok := rewriteReadOnly(spec)
	if !ok {
		return spec, false
	}
	before, err1 := ParseShortVolume(spec)
	after, err2 := ParseShortVolume(ro)
	if err1 != nil || err2 != nil || !after.ReadOnly || before.Source != after.Source || before.Target != after.Target {
		return spec, false
	}
	return ro, true
}

func rewriteReadOnly(spec string) (string, bool) {
	parts := splitShort(spec)
	switch len(parts) {
	case 2:
		return spec + ":ro", true
	case 3:
		opts := strings.Split(parts[2], ",")
		for i, o := range opts {
			switch o {
			case "ro":
				return spec, false
			case "rw":
				opts[i] = "ro"
				return parts[0] + ":" + parts[1] + ":" + strings.Join(opts, ","), true
			}
		}
		return spec + ",ro", true
	}
	return spec, false
}

// splitShort splits a short volume spec at the colons that separate its
// fields, not those inside ${...} or a Windows drive letter.
func splitShort(spec string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(spec); i++ {
		switch {
		case spec[i] == '$' && i+1 < len(spec) && spec[i+1] == '{':
			depth++
			i++
		case spec[i] == '}' && depth > 0:
			depth--
		case spec[i] == ':' && depth == 0:
			field := spec[last:i]
			if len(parts) == 0 && len(field) == 1 && isLetter(field[0]) && i+1 < len(spec) && (spec[i+1] == '\\' || spec[i+1] == '/') {
				continue // C:\ or C:/
			}
			parts = append(parts, field)
			last = i + 1
		}
	}
	return append(parts, spec[last:])
}

// ReadOnlyRootfsEdit returns the edit that adds read_only: true to the
// service's winning definition.
func (s *Service) ReadOnlyRootfsEdit() (Edit, bool) {
	if len(s.layers) == 0 {
		return Edit{}, false
	}
	ly := s.layers[len(s.layers)-1]
	f := ly.file()
	if _, v, err := s.project.budget.get(ly.node, "read_only"); err == nil && v != nil && ly.node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ly.node.Content); i += 2 {
			if ly.node.Content[i].Value == "read_only" {
				return f.replaceScalar(ly.node.Content[i+1], "true")
			}
		}
		return Edit{}, false // set through a merge key: not a one-line fix
	}
	if !blockMapping(ly.node) {
		return Edit{}, false
	}
	first := ly.node.Content[0]
	text, ok := f.line(first.Line)
	if !ok {
		return Edit{}, false
	}
	indent := strings.Repeat(" ", first.Column-1)
	return Edit{File: f.path, StartLine: first.Line, EndLine: first.Line,
		Text: indent + "read_only: true\n" + text + "\n"}, true
}

// ReadOnlyItemEdit returns the edit that appends ":ro" to a volumes_from
// entry (or turns its ":rw" into ":ro").
func (s *Service) ReadOnlyItemEdit(it Item) (Edit, bool) {
	f := s.project.sources[it.Loc.File]
	if f == nil || it.node == nil || it.node.Kind != yaml.ScalarNode {
		return Edit{}, false
	}
	raw := it.node.Value
	switch {
	case strings.HasSuffix(raw, ":ro"):
		return Edit{}, false
	case strings.HasSuffix(raw, ":rw"):
		raw = strings.TrimSuffix(raw, ":rw") + ":ro"
	default:
		raw += ":ro"
	}
	return f.replaceScalar(it.node, raw)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
