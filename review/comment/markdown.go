package comment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// inline makes text taken from the file under review (messages carry its
// paths, keys and service names; justifications are its comments) safe to
// place in a markdown paragraph of a comment the App signs. Rendered, it
// reads exactly as written; it cannot open a code block, an HTML comment or
// tag, a heading, list, quote, table or formula, nor forge our marker, and
// it mentions no one. Line breaks are kept, as GitHub shows them in comments,
// but blank lines are dropped so the text stays one paragraph.
func inline(s string, limit int) string {
	s = truncate(s, limit)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(strings.Map(printable, line))
		if line == "" {
			continue
		}
		lines = append(lines, blockSafe(escape(line)))
	}
	return strings.Join(lines, "\n")
}

// flat is inline on a single line, for list items.
func flat(s string, limit int) string {
	return strings.ReplaceAll(inline(s, limit), "\n", " ")
}

// printable replaces control characters, which GitHub may reject or render
// as nothing, with a visible stand-in.
func printable(r rune) rune {
	switch {
	case r == '\t':
		return ' '
	case r == '\n':
		return r
	case r < 0x20 || r == 0x7f || r == '\r':
		return '\uFFFD'
	}
	return r
}

// truncate cuts s to at most limit runes, marking the cut.
func truncate(s string, limit int) string {
	if limit <= 0 || utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// escape neutralises what is markdown or HTML inside a line.
func escape(line string) string {
	var b strings.Builder
	rs := []rune(line)
	for i, r := range rs {
		var prev, next rune
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch r {
		// Entities rather than backslashes: then "<!--" and "-->" do not
		// appear in the raw body at all, so no reader of the raw text
		// (ParseMarker included) can mistake them for a comment.
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '$':
			// GitHub renders $...$ as math, so "${SRC}:${DST}" would come
			// out as a formula. A backslash does not stop it; GitHub's
			// documentation suggests wrapping the dollar sign in a span.
			b.WriteString("<span>$</span>")
		case '\\', '`', '*', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			// Inside a word (read_only) it cannot emphasise anything, and
			// escaping it there would only clutter the raw text.
			if !(alnum(prev) && alnum(next)) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '@', '#':
			// GitHub links @user (notifying them) and #123 after markdown is
			// parsed, so a backslash does not stop it; a zero-width space
			// does, and is invisible.
			b.WriteRune(r)
			if !word(prev) && (r == '@' && alnum(next) || r == '#' && unicode.IsDigit(next)) {
				b.WriteRune('\u200B')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func word(r rune) bool { return alnum(r) || r == '_' }

// blockSafe escapes the start of a line that markdown would read as a block:
// a heading, a list item, a setext underline or a thematic break. (Quotes,
// fences, HTML and tables are already disarmed by escape.)
func blockSafe(line string) string {
	if line == "" {
		return line
	}
	switch line[0] {
	case '#', '-', '+', '=':
		return `\` + line
	}
	digits := 0
	for digits < len(line) && line[digits] >= '0' && line[digits] <= '9' {
		digits++
	}
	if digits > 0 && digits < len(line) && (line[digits] == '.' || line[digits] == ')') {
		return line[:digits] + `\` + line[digits:]
	}
	return line
}

// codeSpan shows s verbatim as inline code: nothing inside is markdown,
// HTML or a mention. The delimiter is longer than any backtick run in s.
func codeSpan(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return printable(r)
	}, s)
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[len(s)-1] == '`' || (s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "") {
		// Markdown strips one space from each side of a code span.
		s = " " + s + " "
	}
	return fence + s + fence
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// fences follows fenced code blocks through a body, line by line, the way
// CommonMark does at the top level, so that markers, suggestions and
// appended text are recognised only where GitHub would render them as
// such.
type fences struct {
	char byte // '`' or '~' while inside a fenced block, 0 outside
	n    int  // length of the opening fence
}

// lineKind is what a line is, for the purposes of this package.
type lineKind int

const (
	plainLine  lineKind = iota // top-level text, outside any code block
	quotedLine                 // a "> " line: someone quoting, not us
	openLine                   // opens a fenced block
	codeLine                   // inside a fenced block
	closeLine                  // closes a fenced block
)

// next classifies line (without its newline) and advances the state.
func (f *fences) next(line string) lineKind {
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
				return closeLine
			}
		}
		return codeLine
	}
	if indent >= 4 {
		return plainLine
	}
	if strings.HasPrefix(rest, ">") {
		return quotedLine
	}
	for _, c := range []byte{'`', '~'} {
		n := leadingRun(rest, c)
		if n < 3 {
			continue
		}
		if c == '`' && strings.IndexByte(rest[n:], '`') >= 0 {
			return plainLine // not a fence: backticks in the info string
		}
		f.char, f.n = c, n
		return openLine
	}
	return plainLine
}

// open reports whether the state is inside a fenced block.
func (f *fences) open() bool { return f.char != 0 }

// closing returns the line that closes the open block.
func (f *fences) closing() string { return strings.Repeat(string(f.char), f.n) }

func leadingRun(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// closeFences returns md with a fence appended if md leaves one open, so
// that text placed after it (our marker above all) is not swallowed.
func closeFences(md string) string {
	var f fences
	for line := range strings.Lines(md) {
		f.next(strings.TrimSuffix(line, "\n"))
	}
	if !f.open() {
		return md
	}
	if !strings.HasSuffix(md, "\n") {
		md += "\n"
	}
	return md + f.closing()
}
