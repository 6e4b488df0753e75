// Package mdsafe makes hostile text safe to place in the markdown of a
// comment the App signs, and follows fenced code blocks through a body.
//
// The text comes from the compose file of a pull request (paths, keys,
// service names, messages, justifications), whose author may be the very
// person the comment is about. Rendered, escaped text reads exactly as
// written, but it cannot change the comment's structure: it cannot open a
// code block, an HTML comment or tag, a heading, list, quote, table or
// formula, nor forge a marker of ours, and it mentions no one.
//
// review/comment and review/exception both use it; a fix here is a fix in
// both.
package mdsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Inline makes s safe to place in a markdown paragraph, after cutting it
// to at most limit runes (no limit if limit <= 0; see Truncate). Line
// breaks are kept, as GitHub shows them in comments, but blank lines are
// dropped so that the text stays one paragraph. Each line is trimmed,
// escaped (see Escape) and guarded against starting a block.
func Inline(s string, limit int) string {
	var lines []string
	for _, line := range textLines(s, limit) {
		lines = append(lines, blockSafe(Escape(line)))
	}
	return strings.Join(lines, "\n")
}

// Flat is Inline on a single line, for list items: the lines Inline would
// keep are joined with spaces. Each of them is still guarded as the start
// of a line, so "a\n# b" becomes `a \# b`.
func Flat(s string, limit int) string {
	return strings.ReplaceAll(Inline(s, limit), "\n", " ")
}

// FlatJoined is Flat, except that the lines of s are joined with spaces
// before escaping, so that only the start of the result is guarded against
// starting a block: "a\n# b" becomes "a # b", which is just as safe inside
// a line and reads more cleanly in the raw text. Within lines the two are
// identical. (review/exception has always used this form; review/comment
// the other. Both are kept so that neither's output changes.)
func FlatJoined(s string, limit int) string {
	return blockSafe(Escape(strings.Join(textLines(s, limit), " ")))
}

// textLines truncates s and returns its non-blank lines, trimmed, with
// control characters made visible.
func textLines(s string, limit int) []string {
	s = Truncate(s, limit)
	var lines []string
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(strings.Map(printable, line)); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// printable replaces control characters, which GitHub may reject or render
// as nothing, with a visible stand-in, and a tab with a space. Callers
// deal with line breaks before.
func printable(r rune) rune {
	switch {
	case r == '\t':
		return ' '
	case r < 0x20 || r == 0x7f:
		return '\uFFFD'
	}
	return r
}

// Truncate cuts s to at most limit runes, marking the cut with "…" (which
// is not counted). A limit <= 0 means no limit.
func Truncate(s string, limit int) string {
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

// Escape neutralises what is markdown, HTML or a mention inside one line
// (which must hold no line break). It does not guard the start of the line
// against being read as a block: Inline, Flat and FlatJoined do.
func Escape(line string) string {
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
		// (a marker parser included) can mistake them for a comment.
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
// fences, HTML and tables are already disarmed by Escape.)
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

// CodeSpan shows s verbatim as inline code, after cutting it to at most
// limit runes (no limit if limit <= 0; see Truncate): nothing inside is
// markdown, HTML or a mention. Line breaks and tabs become spaces, other
// control characters a visible stand-in. The delimiter is longer than any
// backtick run in s.
func CodeSpan(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return printable(r)
	}, Truncate(s, limit))
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", LongestRun(s, '`')+1)
	if s[0] == '`' || s[len(s)-1] == '`' || (s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "") {
		// Markdown strips one space from each side of a code span.
		s = " " + s + " "
	}
	return fence + s + fence
}

// LongestRun is the length of the longest run of the byte c in s: a code
// span or fenced block around s needs a longer one.
func LongestRun(s string, c byte) int {
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
