package mdsafe

import "strings"

// Fences follows fenced code blocks through a body, line by line, the way
// CommonMark does at the top level, so that markers, suggestions and
// appended text are recognised only where GitHub would render them as
// such. Feed it every line of the body in order, through Next or Plain.
// The zero value is outside any block.
type Fences struct {
	char byte // '`' or '~' while inside a fenced block, 0 outside
	n    int  // length of the opening fence
}

// LineKind is what a line is, as far as Fences can tell.
type LineKind int

const (
	PlainLine  LineKind = iota // top-level text, outside any fenced block (indented code included)
	QuotedLine                 // a ">" line outside a block: someone quoting
	OpenLine                   // opens a fenced block
	CodeLine                   // inside a fenced block
	CloseLine                  // closes a fenced block
)

// Next classifies line (without its newline; a trailing "\r" is ignored)
// and advances the state.
func (f *Fences) Next(line string) LineKind {
	line = strings.TrimSuffix(line, "\r")
	indent := 0
	for indent < len(line) && indent < 4 && line[indent] == ' ' {
		indent++
	}
	rest := line[indent:]
	if f.char != 0 {
		if indent < 4 {
			n := leadingRun(rest, f.char)
			if n >= f.n && strings.TrimRight(rest[n:], " \t") == "" {
				f.char, f.n = 0, 0
				return CloseLine
			}
		}
		return CodeLine
	}
	if indent >= 4 {
		return PlainLine // indented code: never equal to a marker line anyway
	}
	if strings.HasPrefix(rest, ">") {
		return QuotedLine
	}
	for _, c := range []byte{'`', '~'} {
		n := leadingRun(rest, c)
		if n < 3 {
			continue
		}
		if c == '`' && strings.IndexByte(rest[n:], '`') >= 0 {
			return PlainLine // not a fence: backticks in the info string
		}
		f.char, f.n = c, n
		return OpenLine
	}
	return PlainLine
}

// Plain reports whether line (without its newline) is top-level text:
// outside any fenced block and not quoted. It advances the state, exactly
// as Next does.
func (f *Fences) Plain(line string) bool { return f.Next(line) == PlainLine }

// Open reports whether the state is inside a fenced block.
func (f *Fences) Open() bool { return f.char != 0 }

// Closing returns the shortest line that closes the open block (the
// opening fence's characters, as many of them); "" outside a block.
func (f *Fences) Closing() string { return strings.Repeat(string(f.char), f.n) }

func leadingRun(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// CloseFences returns md with a fence appended if md leaves one open, so
// that text placed after it (a marker above all) is not swallowed.
func CloseFences(md string) string {
	var f Fences
	for line := range strings.Lines(md) {
		f.Next(strings.TrimSuffix(line, "\n"))
	}
	if !f.Open() {
		return md
	}
	if !strings.HasSuffix(md, "\n") {
		md += "\n"
	}
	return md + f.Closing()
}
