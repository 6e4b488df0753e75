package checks

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Most of what a run shows comes from the files under review (paths,
// service names, messages that quote values, justification comments), so
// it is written by whoever opened the pull request. These helpers make such
// text inert: it cannot break a table, open a link or an HTML tag, hide
// characters, or split a multi-byte character when it is cut.

// sanitize makes s valid UTF-8 and removes characters that have no business
// in a report: control characters other than tab and newline (a NUL is
// rejected by GitHub's API), and the bidirectional controls that can make
// text read differently from what it is ("Trojan Source"). Line endings
// become "\n".
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r):
			return -1
		case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F':
			return -1
		}
		return r
	}, s)
}

// oneLine sanitizes s and folds it onto one line: a newline inside a table
// cell or a list item would end it, and a line of user text starting with
// "#" or "-" would become a heading or a list.
func oneLine(s string) string {
	return strings.Join(strings.Fields(sanitize(s)), " ")
}

// mdEscaped are the characters that would give user text markdown or HTML
// meaning inside a line: emphasis, code, links, tags, entities, table cell
// separators and strikethrough. GitHub's markdown (CommonMark) accepts a
// backslash before any ASCII punctuation.
const mdEscaped = "\\`*_[]<>|~&"

// text renders user text as plain inline markdown on one line, at most max
// bytes before escaping.
func text(s string, max int) string {
	s = clip(oneLine(s), max)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(mdEscaped, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// code renders user text as an inline code span on one line, at most max
// bytes. The fence is one backtick longer than the longest run inside, so a
// backtick in a file name cannot end the span early.
func code(s string, max int) string {
	s = clip(oneLine(s), max)
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	// A space keeps a leading or trailing backtick from joining the fence;
	// CommonMark strips one space on each side again.
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cellCode renders user text for a table cell: as a code span, or as
// escaped text when it holds "|" or a backslash. GitHub splits cells at a
// "|" even inside a code span, and a backslash written before it to prevent
// that would itself be read as escaped; outside a code span both characters
// can be escaped.
func cellCode(s string, max int) string {
	if strings.ContainsAny(s, "|\\") {
		return text(s, max)
	}
	return code(s, max)
}

// cutBytes returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ellipsis marks text that was cut.
const ellipsis = "…"

// clip cuts s to at most max bytes at a character boundary, ending with an
// ellipsis when it had to cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < len(ellipsis) {
		return cutBytes(s, max)
	}
	return cutBytes(s, max-len(ellipsis)) + ellipsis
}

// fitLines returns doc unchanged when it has at most max bytes. Otherwise
// it keeps whole lines, closes a fenced code block the cut left open (it
// would swallow everything after it), and ends with note, which should
// start with a blank line so that it cannot be read as a table row.
// Whole-line cuts never split a table row or a character.
func fitLines(doc string, max int, note string) string {
	if len(doc) <= max {
		return doc
	}
	if len(note) > max {
		note = clip(note, max)
	}
	end := max - len(note)
	for end > 0 {
		cut := strings.LastIndexByte(doc[:end], '\n')
		if cut < 0 {
			break
		}
		kept := doc[:cut+1]
		closer := ""
		if open := openFence(kept); open != "" {
			closer = open + "\n"
		}
		if len(kept)+len(closer)+len(note) <= max {
			return kept + closer + note
		}
		end = cut
	}
	return strings.TrimPrefix(note, "\n")
}

// openFence returns the fence of a fenced code block that doc leaves open,
// or "" when every block is closed.
func openFence(doc string) string {
	open := ""
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		trimmed := strings.TrimLeft(line, " ")
		if len(line)-len(trimmed) > 3 || len(trimmed) < 3 {
			continue
		}
		c := trimmed[0]
		if c != '`' && c != '~' {
			continue
		}
		n := len(trimmed) - len(strings.TrimLeft(trimmed, string(c)))
		if n < 3 {
			continue
		}
		switch {
		case open == "":
			open = trimmed[:n]
		case c == open[0] && n >= len(open) && strings.TrimSpace(trimmed[n:]) == "":
			open = ""
		}
	}
	return open
}

// plural writes "1 file", "3 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// isAre agrees a verb with a count.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
