package checks

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a_b *c* [d](e) <f> g|h ~i~ &amp; `j` \\k", `a\_b \*c\* \[d\](e) \<f\> g\|h \~i\~ \&amp; \` + "`j\\`" + ` \\k`},
		{"two\nlines\r\n# not a heading", "two lines # not a heading"},
		{"bidi \u202Eexe.txt\u202C and NUL\x00", "bidi exe.txt and NUL"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		if got := text(tt.in, 1000); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := text("äöü", 5); got != "ä…" {
		t.Errorf("text cut = %q", got)
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"compose.yaml", "`compose.yaml`"},
		{"a`b", "``a`b``"},
		{"`start", "`` `start ``"},
		{"a``b`", "``` a``b` ```"},
		{"", "` `"},
		{"multi\nline", "`multi line`"},
	}
	for _, tt := range tests {
		if got := code(tt.in, 1000); got != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := cellCode("a|b", 100); got != `a\|b` {
		t.Errorf("cellCode with a pipe = %q", got)
	}
	if got := cellCode(`a\b`, 100); got != `a\\b` {
		t.Errorf("cellCode with a backslash = %q", got)
	}
	if got := cellCode("a/b", 100); got != "`a/b`" {
		t.Errorf("cellCode = %q", got)
	}
}

func TestClip(t *testing.T) {
	s := "a🐳b" // 1 + 4 + 1 bytes
	for n := 0; n <= len(s)+1; n++ {
		if got := cutBytes(s, n); !utf8.ValidString(got) || len(got) > n || !strings.HasPrefix(s, got) {
			t.Errorf("cutBytes(%q, %d) = %q", s, n, got)
		}
		if got := clip(s, n); !utf8.ValidString(got) || len(got) > n {
			t.Errorf("clip(%q, %d) = %q", s, n, got)
		}
	}
	if got := clip(s, 5); got != "a…" {
		t.Errorf("clip = %q", got)
	}
	if got := clip(s, 6); got != s {
		t.Errorf("clip of a string that fits = %q", got)
	}
}

func TestFitLines(t *testing.T) {
	const note = "\n_cut_\n"
	tests := []struct {
		name, doc string
		max       int
		want      string
	}{
		{"fits", "a\nb\n", 4, "a\nb\n"},
		{"whole lines", "| a |\n| b |\n| c |\n", 16, "| a |\n" + note},
		{"never mid-line", "| aaaa |\n| bbbb |\n", 16, "| aaaa |\n" + note},
		{"closes a code block", "x\n```go\ncode\nmore code here\n", 24, "x\n```go\ncode\n```\n" + note},
		{"closed block stays", "```\na\n```\nbbbbbbbb\n", 17, "```\na\n```\n" + note},
		{"a shorter fence does not close", "````\n```\nin\n````\nb\n", 18, "````\n````\n" + note},
		{"no line fits", "abcdefghijkl\n", 8, "_cut_\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitLines(tt.doc, tt.max, note)
			if got != tt.want {
				t.Errorf("fitLines = %q, want %q", got, tt.want)
			}
			if len(got) > tt.max && len(tt.want) <= tt.max {
				t.Errorf("%d bytes, max %d", len(got), tt.max)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"short", []string{"short"}},
		{"aaa bbb ccc", []string{"aaa", "bbb", "ccc"}},
		{"aaaaaaaa bb", []string{"aaaaa", "aaa", "bb"}},
		{"ääääää", []string{"äääää", "ä"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, 5); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
