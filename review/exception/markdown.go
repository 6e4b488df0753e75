package exception

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text in the record comment comes from three places. The record's
// structure is ours. Labels, logins and team names come from GitHub and
// the repository's configuration. Everything about a finding (paths,
// service names, messages, justifications) comes from the compose file of
// the pull request, whose author is the very person who needs the
// exception: it is hostile, and must not be able to change the comment's
// structure, hide or forge the record marker, or mention anyone.
//
// The helpers below are a minimal copy of review/comment's unexported
// escaping (inline, codeSpan and the fence tracker): that package may only
// grow SetException, and sharing them would mean exporting them there.
// Keep the two in step.

// flat makes text from the file under review safe inside one line of a
// list item: rendered, it reads as written, but it cannot open a code
// block, an HTML comment or tag, a heading, list, quote, table or formula,
// nor forge our marker, and it mentions no one.
func flat(s string, limit int) string {
	s = truncate(s, limit)
	var parts []string
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(strings.Map(printable, line)); line != "" {
			parts = append(parts, line)
		}
	}
	return blockSafe(escape(strings.Join(parts, " ")))
}

// printable replaces control characters, which GitHub may reject or render
// as nothing, with a visible stand-in.
func printable(r rune) rune {
	switch {
	case r == '\t':
		return ' '
	case r < 0x20 || r == 0x7f:
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
		// Entities rather than backslashes: "<!--" and "-->" then never
		// appear in the raw body, where the marker parser could see them.
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '$':
			// GitHub renders $...$ as math; a backslash does not stop it.
			b.WriteString("<span>$</span>")
		case '\\', '`', '*', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			if !(alnum(prev) && alnum(next)) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '@', '#':
			// GitHub links @user and #123 after parsing markdown, so only
			// a zero-width space stops it.
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

// blockSafe escapes the start of a line that markdown would read as a
// block: a heading, a list item, a setext underline or a thematic break.
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
func codeSpan(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return printable(r)
	}, truncate(s, limit))
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

// login matches a GitHub login (and an App's bot account, "name[bot]").
var login = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$`)

// teamName matches "org/team-slug".
var teamName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)

// userRef names a user with a link to their profile but without an
// @-mention: the record and the notes are edited on every run, and naming
// approvers must not notify them each time. Anything that is not a login
// (a record edited by hand) is shown as code.
func userRef(user string) string {
	if user == "" {
		return "_someone unknown_"
	}
	if login.MatchString(user) && !strings.HasSuffix(user, "[bot]") {
		return "[" + user + "](https://github.com/" + user + ")"
	}
	return codeSpan(user, 60)
}

// mention names a user with an @-mention, which notifies them: used once,
// for the person whose label was refused.
func mention(user string) string {
	if login.MatchString(user) && !strings.HasSuffix(user, "[bot]") {
		return "@" + user
	}
	return userRef(user)
}

// teamRef links a team ("org/slug") without mentioning it.
func teamRef(team string) string {
	if teamName.MatchString(team) {
		org, slug, _ := strings.Cut(team, "/")
		return "[" + team + "](https://github.com/orgs/" + org + "/teams/" + slug + ")"
	}
	return codeSpan(team, 150)
}

// fences follows fenced code blocks through a body, line by line, the way
// CommonMark does at the top level, so that a marker counts only where
// GitHub would render it as an HTML comment of ours.
type fences struct {
	char byte // '`' or '~' while inside a fenced block, 0 outside
	n    int  // length of the opening fence
}

// plain reports whether line (without its newline) is top-level text:
// outside any code block and not quoted. It advances the state.
func (f *fences) plain(line string) bool {
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
			}
		}
		return false
	}
	if indent >= 4 {
		return true // indented code: never equal to a marker line anyway
	}
	if strings.HasPrefix(rest, ">") {
		return false
	}
	for _, c := range []byte{'`', '~'} {
		n := leadingRun(rest, c)
		if n < 3 {
			continue
		}
		if c == '`' && strings.IndexByte(rest[n:], '`') >= 0 {
			return true // not a fence: backticks in the info string
		}
		f.char, f.n = c, n
		return false
	}
	return true
}

func leadingRun(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}
