package mdsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestInline(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain text, with: punctuation (ok).", "plain text, with: punctuation (ok)."},
		{"read_only: true and my_app_data", "read_only: true and my_app_data"},
		{"/srv/_data_/x and _it_", `/srv/\_data\_/x and \_it\_`},
		{"<!-- hidden -->", "&lt;!-- hidden --&gt;"},
		{"a & b", "a &amp; b"},
		{"&lt;", "&amp;lt;"},
		{"```sh", "\\`\\`\\`sh"},
		{"~~~", `\~\~\~`},
		{`back\slash`, `back\\slash`},
		{"*bold* [link](x) a|b", `\*bold\* \[link\](x) a\|b`},
		{"> quote", "&gt; quote"},
		{"# heading", `\# heading`},
		{"- item\n+ item\n= x\n---", "\\- item\n\\+ item\n\\= x\n\\---"},
		{"12. item\n3) item\n2024 was", "12\\. item\n3\\) item\n2024 was"},
		{"    indented code", "indented code"},
		{"one\n\n\ntwo\r\nthree", "one\ntwo\nthree"},
		{"cc @octocat and @org/team", "cc @\u200boctocat and @\u200borg/team"},
		{"user@example.com", "user@example.com"},
		{"see #12, issue#3, # mountguard: allow", "see #\u200b12, issue#3, # mountguard: allow"},
		{"tab\there\x00bell\x07", "tab here\uFFFDbell\uFFFD"},
		{"lone\rreturn\x7f", "lone\uFFFDreturn\uFFFD"},
		{"${SRC:-./a}:${DST}", "<span>$</span>{SRC:-./a}:<span>$</span>{DST}"},
		{" \t\n \r\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Inline(tt.in, 0); got != tt.want {
			t.Errorf("Inline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFlat shows where Flat and FlatJoined part: only in guarding the
// start of a line that was not the first.
func TestFlat(t *testing.T) {
	tests := []struct {
		in, flat, joined string
	}{
		{"one line", "one line", "one line"},
		{"# heading", `\# heading`, `\# heading`},
		{"1. item", `1\. item`, `1\. item`},
		{"a\nb\r\n\nc", "a b c", "a b c"},
		{"a\n# b", `a \# b`, "a # b"},
		{"a\n- b\n+ c\n= d", `a \- b \+ c \= d`, "a - b + c = d"},
		{"- a\n2) b", `\- a 2\) b`, `\- a 2) b`},
		{"x_\n_y", `x\_ \_y`, `x\_ \_y`},
		{"a\n@b\n#1", "a @\u200bb \\#\u200b1", "a @\u200bb #\u200b1"},
		{"<!--\n-->", "&lt;!-- \\--&gt;", "&lt;!-- --&gt;"},
		{"\n\n", "", ""},
	}
	for _, tt := range tests {
		if got := Flat(tt.in, 0); got != tt.flat {
			t.Errorf("Flat(%q) = %q, want %q", tt.in, got, tt.flat)
		}
		if got := FlatJoined(tt.in, 0); got != tt.joined {
			t.Errorf("FlatJoined(%q) = %q, want %q", tt.in, got, tt.joined)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"ééééé", 3, "ééé…"},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"abc", 0, "abc"},
		{"abc", -1, "abc"},
		{"", 1, ""},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.limit); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
	// Each escaping function cuts before escaping.
	if got := Inline("ééééé", 3); got != "ééé…" {
		t.Errorf("Inline = %q", got)
	}
	if got := Inline("abc", 3); got != "abc" {
		t.Errorf("Inline = %q", got)
	}
	if got := Flat("<<<<", 2); got != "&lt;&lt;…" {
		t.Errorf("Flat = %q", got)
	}
	if got := FlatJoined("a\nbcd", 3); got != "a b…" { // the line break counts
		t.Errorf("FlatJoined = %q", got)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"# not a block here", "# not a block here"},
		{"- 1. +", "- 1. +"},
		{"a_b _c d_ _", `a_b \_c d\_ \_`},
		{"é_ü", "é_ü"},
		{"x@y @ @1 (@z)", "x@y @ @\u200b1 (@\u200bz)"},
		{"_@a _#1 a#1 #a", "\\_@a \\_#1 a#1 #a"},
		{"<span>$</span>", "&lt;span&gt;<span>$</span>&lt;/span&gt;"},
		{"`~*[]|\\", "\\`\\~\\*\\[\\]\\|\\\\"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"compose.yaml", 0, "`compose.yaml`"},
		{"a`b", 0, "``a`b``"},
		{"`a", 0, "`` `a ``"},
		{"a``", 0, "``` a`` ```"},
		{" a ", 0, "`  a  `"},
		{"   ", 0, "`   `"},
		{"line\nbreak", 0, "`line break`"},
		{"tab\tcr\rnul\x00", 0, "`tab cr nul\uFFFD`"},
		{"", 0, "` `"},
		{"<!-- x -->", 0, "`<!-- x -->`"},
		{"@octocat #1", 0, "`@octocat #1`"},
		{"abcdef", 3, "`abc…`"},
		{"ab`cd", 3, "``ab`…``"},
		{"``a", 2, "``` ``… ```"},
		{"abc", 3, "`abc`"},
	}
	for _, tt := range tests {
		if got := CodeSpan(tt.in, tt.limit); got != tt.want {
			t.Errorf("CodeSpan(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestLongestRun(t *testing.T) {
	tests := []struct {
		in   string
		c    byte
		want int
	}{
		{"", '`', 0},
		{"abc", '`', 0},
		{"a`b``c`", '`', 2},
		{"````", '`', 4},
		{"~~ ~~~", '~', 3},
	}
	for _, tt := range tests {
		if got := LongestRun(tt.in, tt.c); got != tt.want {
			t.Errorf("LongestRun(%q, %q) = %d, want %d", tt.in, tt.c, got, tt.want)
		}
	}
}

func TestFences(t *testing.T) {
	body := "a\n```go\nx\n~~~\n```\n> ```\nb\n````\n```\n`````\n~~~ x\n    ~~~\n  ~~~\n``` `x`\n    ```\n" +
		"```\r\n```  \t\r\n   ~~~\n    ~~~\n ~~~~\n> x\n"
	want := []LineKind{PlainLine, OpenLine, CodeLine, CodeLine, CloseLine, QuotedLine, PlainLine, OpenLine, CodeLine, CloseLine,
		OpenLine, CodeLine, CloseLine, PlainLine, PlainLine,
		OpenLine, CloseLine, OpenLine, CodeLine, CloseLine, QuotedLine}
	var next, plain Fences
	i := 0
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		got := next.Next(line)
		if got != want[i] {
			t.Errorf("line %d %q: kind %d, want %d", i+1, line, got, want[i])
		}
		if p := plain.Plain(line); p != (want[i] == PlainLine) {
			t.Errorf("line %d %q: Plain = %v", i+1, line, p)
		}
		if next != plain {
			t.Errorf("line %d %q: Next and Plain left different states", i+1, line)
		}
		i++
	}
	if i != len(want) {
		t.Fatalf("%d lines, %d kinds", i, len(want))
	}
	if next.Open() || next.Closing() != "" {
		t.Errorf("open after the last fence closed: %+v", next)
	}
	var f Fences
	f.Next("  ~~~~~ yaml")
	if !f.Open() || f.Closing() != "~~~~~" {
		t.Errorf("Open = %v, Closing = %q", f.Open(), f.Closing())
	}
}

func TestCloseFences(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"x\n```yaml\ny", "x\n```yaml\ny\n```"},
		{"x\n~~~~\n", "x\n~~~~\n~~~~"},
		{"x\n```\ny\n```", "x\n```\ny\n```"},
		{"> ```\nx", "> ```\nx"},
		{"````\n```\n", "````\n```\n````"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CloseFences(tt.in); got != tt.want {
			t.Errorf("CloseFences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// unescape reads escaped text back as markdown would show it: backslash
// escapes of ASCII punctuation, the entities and the span Escape writes.
// Zero-width spaces are dropped, as they are on both sides of a
// comparison (Escape inserts them, and a reader does not see them).
func unescape(s string) string {
	var b strings.Builder
	for s != "" {
		switch {
		case strings.HasPrefix(s, "<span>$</span>"):
			b.WriteByte('$')
			s = s[len("<span>$</span>"):]
		case strings.HasPrefix(s, "&amp;"):
			b.WriteByte('&')
			s = s[len("&amp;"):]
		case strings.HasPrefix(s, "&lt;"):
			b.WriteByte('<')
			s = s[len("&lt;"):]
		case strings.HasPrefix(s, "&gt;"):
			b.WriteByte('>')
			s = s[len("&gt;"):]
		case len(s) > 1 && s[0] == '\\' && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[1]) >= 0:
			b.WriteByte(s[1])
			s = s[2:]
		default:
			r, n := utf8.DecodeRuneInString(s)
			b.WriteRune(r)
			s = s[n:]
		}
	}
	return invisible(b.String())
}

func invisible(s string) string { return strings.ReplaceAll(s, "\u200B", "") }

// checkSafe fails if out (escaped text) could do anything but read as
// text: HTML, a formula, a fence, a mention, or a line that opens a block.
func checkSafe(t *testing.T, name, in, out string) {
	t.Helper()
	rest := strings.ReplaceAll(out, "<span>$</span>", "")
	if strings.Contains(out, "\r") || strings.Contains(out, "\n\n") {
		t.Fatalf("%s(%q) = %q: a carriage return or a blank line", name, in, out)
	}
	for _, bad := range []string{"$", "<", ">", "```", "~~~"} {
		if strings.Contains(rest, bad) {
			t.Fatalf("%s(%q) = %q: contains %q", name, in, out, bad)
		}
	}
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		if l == "" || strings.HasPrefix(l, " ") || strings.ContainsAny(l[:1], "#-+=>|") {
			t.Fatalf("%s(%q) = %q: line %q could start a block", name, in, out, l)
		}
		digits := strings.TrimLeft(l, "0123456789")
		if len(digits) < len(l) && digits != "" && strings.ContainsAny(digits[:1], ".)") {
			t.Fatalf("%s(%q) = %q: line %q could start a list", name, in, out, l)
		}
	}
	rs := []rune(out)
	for i, r := range rs {
		if (r == '@' || r == '#') && i+1 < len(rs) && rs[i+1] != '\u200B' && (i == 0 || !isWord(rs[i-1])) &&
			(r == '@' && isAlnum(rs[i+1]) || r == '#' && rs[i+1] >= '0' && rs[i+1] <= '9') {
			t.Fatalf("%s(%q) = %q: a mention or issue link", name, in, out)
		}
	}
}

// isAlnum and isWord are the test's own, so that a change to alnum or word
// cannot quietly weaken the check. They follow FuzzRender in review/comment.
func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isWord(r rune) bool { return isAlnum(r) || r == '_' }

// FuzzEscape checks that escaped text is safe, and reads back as written:
// Inline keeps each non-blank line (trimmed, control characters made
// visible), Flat and FlatJoined keep the same words on one line, and all
// respect the limit.
func FuzzEscape(f *testing.F) {
	f.Add("plain", 0)
	f.Add("<!-- x -->\n```sh\n~~~\n# h\n- l\n12. i\n3) j\n=\n> q", 0)
	f.Add("cc @octocat #12 _x_ a_b ${SRC}:${DST} | \\ * [l](u)", 5)
	f.Add("\t\x00\r\n\x7f@\u200Bx", 2)
	f.Add("ééé\n\n\n-é", 4)
	f.Add("ééé\n$\n0é", 13)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if !utf8.ValidString(s) {
			return // not text a YAML parser hands over
		}
		limit %= 200
		cut := Truncate(s, limit)
		if limit > 0 && utf8.RuneCountInString(cut) > limit+1 ||
			!strings.HasPrefix(s, strings.TrimSuffix(cut, "…")) {
			t.Fatalf("Truncate(%q, %d) = %q", s, limit, cut)
		}
		var want []string
		for l := range strings.SplitSeq(strings.ReplaceAll(cut, "\r\n", "\n"), "\n") {
			if l = strings.TrimSpace(strings.Map(printable, l)); l != "" {
				want = append(want, invisible(l))
			}
		}

		in := Inline(s, limit)
		if in != "" {
			checkSafe(t, "Inline", s, in)
		}
		var got []string
		if in != "" {
			for l := range strings.SplitSeq(in, "\n") {
				got = append(got, unescape(l))
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("Inline(%q) = %q reads as %q, want %q", s, in, got, want)
		}

		joined := strings.Join(want, " ")
		for name, fn := range map[string]func(string, int) string{"Flat": Flat, "FlatJoined": FlatJoined} {
			out := fn(s, limit)
			if out != "" {
				checkSafe(t, name, s, out)
			}
			if strings.Contains(out, "\n") || unescape(out) != joined {
				t.Fatalf("%s(%q) = %q reads as %q, want %q", name, s, out, unescape(out), joined)
			}
		}
		if len(want) <= 1 && Flat(s, limit) != FlatJoined(s, limit) {
			t.Fatalf("Flat and FlatJoined differ on one line %q", s)
		}
		if e := Escape(strings.Map(printable, s)); unescape(e) != invisible(strings.Map(printable, s)) {
			t.Fatalf("Escape(%q) = %q reads as %q", s, e, unescape(e))
		}
	})
}

// FuzzCodeSpan checks that a code span is one line, that its delimiters
// cannot be closed early, and that it shows the text as written (cut to
// the limit, with line breaks and tabs as spaces).
func FuzzCodeSpan(f *testing.F) {
	f.Add("compose.yaml", 0)
	f.Add("`a``b```", 0)
	f.Add(" ` ", 0)
	f.Add("  ", 0)
	f.Add("a\nb\r\tc\x00", 3)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if !utf8.ValidString(s) {
			return
		}
		limit %= 200
		out := CodeSpan(s, limit)
		if strings.ContainsAny(out, "\r\n") {
			t.Fatalf("CodeSpan(%q) = %q: a line break", s, out)
		}
		n := leadingRun(out, '`')
		if n == 0 || len(out) < 2*n+1 || !strings.HasSuffix(out, out[:n]) {
			t.Fatalf("CodeSpan(%q) = %q: bad delimiters", s, out)
		}
		inner := out[n : len(out)-n]
		if strings.HasSuffix(inner, "`") || LongestRun(inner, '`') >= n {
			t.Fatalf("CodeSpan(%q) = %q: the span closes early", s, out)
		}
		// As CommonMark reads it: one space off each side if both are
		// spaces and the content is not all spaces.
		if len(inner) >= 2 && inner[0] == ' ' && inner[len(inner)-1] == ' ' && strings.Trim(inner, " ") != "" {
			inner = inner[1 : len(inner)-1]
		}
		want := strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return printable(r)
		}, Truncate(s, limit))
		if want == "" {
			want = " "
		}
		if inner != want {
			t.Fatalf("CodeSpan(%q, %d) = %q shows %q, want %q", s, limit, out, inner, want)
		}
	})
}

// FuzzFences checks that Plain agrees with Next, that kinds follow the
// state, and that CloseFences leaves nothing open, only appends, and is
// idempotent.
func FuzzFences(f *testing.F) {
	f.Add("a\n```go\nx\n~~~\n```\n> ```\nb\n````\n```\n`````\n~~~ x\n    ~~~\n  ~~~\n``` `x`\n    ```\n")
	f.Add("x\n~~~~\r\n ~~~~~ \t\r\ny")
	f.Add("```")
	f.Fuzz(func(t *testing.T, body string) {
		var next, plain Fences
		for line := range strings.Lines(body) {
			line = strings.TrimSuffix(line, "\n")
			wasOpen := next.Open()
			kind := next.Next(line)
			if plain.Plain(line) != (kind == PlainLine) || plain != next {
				t.Fatalf("Plain and Next disagree on %q", line)
			}
			switch kind {
			case CodeLine, CloseLine:
				if !wasOpen {
					t.Fatalf("%q: kind %d outside a block", line, kind)
				}
			default:
				if wasOpen {
					t.Fatalf("%q: kind %d inside a block", line, kind)
				}
			}
			if next.Open() != (kind == OpenLine || kind == CodeLine) {
				t.Fatalf("%q: kind %d, Open = %v", line, kind, next.Open())
			}
			if next.Open() != (next.Closing() != "") {
				t.Fatalf("%q: Open = %v, Closing = %q", line, next.Open(), next.Closing())
			}
		}
		closed := CloseFences(body)
		if !strings.HasPrefix(closed, body) || CloseFences(closed) != closed {
			t.Fatalf("CloseFences(%q) = %q", body, closed)
		}
		var g Fences
		for line := range strings.Lines(closed) {
			g.Next(strings.TrimSuffix(line, "\n"))
		}
		if g.Open() {
			t.Fatalf("CloseFences(%q) = %q leaves a block open", body, closed)
		}
		if next.Open() == (closed == body) {
			t.Fatalf("CloseFences(%q) = %q, but Open was %v", body, closed, next.Open())
		}
	})
}
