package comment

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

// FuzzParseMarker feeds arbitrary bodies to ParseMarker and MarkFixed:
// neither may panic, MarkFixed must be idempotent, and marking one of our
// open comments fixed must keep its fingerprints and record the commit.
func FuzzParseMarker(f *testing.F) {
	f.Add(marker1, "3f9c2a1b7e4d5c6f8a9b0c1d2e3f4a5b6c7d8e9f")
	f.Add("text\n```\n"+marker1+"\n```\n"+marker1, "abc")
	f.Add("> "+marker1, "abc")
	f.Add(marker1+"\n````\ncode", "abc")
	f.Add("x\n\n````suggestion\n```\n````\n\n"+marker1, "abc")
	f.Add(`<!-- mountguard: {"v":1,"fingerprints":null,"fixed_in":"x"} -->`, "")
	f.Add(Render(cacheEntry(), Options{Source: []byte(source), ExceptionHelp: help}).Body, "0123456789abcdef0123456789abcdef01234567")
	f.Fuzz(func(t *testing.T, body, sha string) {
		m, ok := ParseMarker(body)
		fixed := MarkFixed(body, sha)
		if again := MarkFixed(fixed, sha); again != fixed {
			t.Fatalf("MarkFixed is not idempotent:\n%q\nthen\n%q", fixed, again)
		}
		if !ok || m.FixedIn != "" || !isSHA(sha) {
			if fixed != body {
				t.Fatalf("MarkFixed changed a body it should leave alone")
			}
			return
		}
		m2, ok2 := ParseMarker(fixed)
		if !ok2 || m2.FixedIn != sha || !slices.Equal(m2.Fingerprints, orEmpty(m.Fingerprints)) {
			t.Fatalf("after MarkFixed the marker says %+v, %v; want %v fixed in %q\n%s", m2, ok2, m.Fingerprints, sha, fixed)
		}
	})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FuzzRender renders an entry whose text all comes from the fuzzer, as it
// would from a hostile compose file. Whatever the text, the body must carry
// exactly our marker, with the entry's fingerprints; outside the suggestion
// there must be no HTML, no code fence and no mention; and the suggestion
// must be exactly the entry's lines with the fix applied.
func FuzzRender(f *testing.F) {
	f.Add(hostileMessage, "-->```\n<details>", "      - ./x:/x:ro # ```\n", "      - ./x:/x # ```", "See <!-- ```")
	f.Add("plain", "", "", "", "")
	f.Add("@a #1 _x_ 1. - # >", "\\", "````\n", "~~~", "~~~")
	f.Fuzz(func(t *testing.T, message, justification, fixText, line, help string) {
		src := "services:\n  s:\n    volumes:\n" + strings.ReplaceAll(line, "\n", " ") + "\n    image: x\n"
		fs := []rules.Finding{
			{Rule: rules.WritableBindMount, Severity: rules.Warning, Message: message, Justification: justification, Fingerprint: "fp1",
				Fix: &rules.Fix{Description: message, Edit: compose.Edit{File: "c.yaml", StartLine: 4, EndLine: 4, Text: fixText}}},
			{Rule: rules.OutsideProject, Severity: rules.Error, Message: justification, Justification: message, Fingerprint: "fp2"},
		}
		c := Render(Entry{File: "c.yaml", Line: 4, EndLine: 5, Findings: fs}, Options{Source: []byte(src), ExceptionHelp: help})
		if c.StartLine != 4 || c.Line != 5 {
			t.Fatalf("comment covers %d..%d", c.StartLine, c.Line)
		}
		m, ok := ParseMarker(c.Body)
		if !ok || !slices.Equal(m.Fingerprints, []string{"fp1", "fp2"}) || m.FixedIn != "" {
			t.Fatalf("ParseMarker = %+v, %v\n%s", m, ok, c.Body)
		}
		if !strings.HasSuffix(c.Body, "\n"+markerLine([]string{"fp1", "fp2"}, "")+"\n") {
			t.Fatalf("the marker is not the last line:\n%s", c.Body)
		}

		// What GitHub would render as text, our own marker aside.
		helpPart := exceptionHelp(help)
		text := strings.TrimSuffix(c.Body, markerLine([]string{"fp1", "fp2"}, "")+"\n")
		if helpPart != "" {
			text = strings.TrimSuffix(text, helpPart+"\n\n")
		}
		var fc mdsafe.Fences
		var outside strings.Builder
		suggestions := 0
		var got strings.Builder
		inSuggestion := false
		for l := range strings.Lines(text) {
			switch fc.Next(strings.TrimSuffix(l, "\n")) {
			case mdsafe.OpenLine:
				if !strings.HasSuffix(strings.TrimSuffix(l, "\n"), "suggestion") {
					t.Fatalf("a code block other than the suggestion: %q\n%s", l, c.Body)
				}
				suggestions++
				inSuggestion = true
			case mdsafe.CodeLine:
				got.WriteString(l)
			case mdsafe.CloseLine:
				inSuggestion = false
			default:
				outside.WriteString(l)
			}
		}
		if inSuggestion {
			t.Fatalf("the suggestion is not closed:\n%s", c.Body)
		}
		if suggestions > 1 {
			t.Fatalf("%d suggestions", suggestions)
		}
		if suggestions == 1 {
			want := strings.ReplaceAll(fixText, "\r\n", "\n")
			if want != "" && !strings.HasSuffix(want, "\n") {
				want += "\n"
			}
			want += "    image: x\n"
			if got.String() != want {
				t.Fatalf("suggestion %q, want %q", got.String(), want)
			}
		}
		// Our only HTML: the span that keeps a dollar sign from starting a
		// formula.
		rest := strings.ReplaceAll(outside.String(), "<span>$</span>", "")
		if strings.Contains(rest, "$") {
			t.Fatalf("a bare dollar sign outside the suggestion:\n%s", rest)
		}
		for _, bad := range []string{"<", ">", "```", "~~~"} {
			if strings.Contains(rest, bad) {
				t.Fatalf("%q outside the suggestion:\n%s", bad, rest)
			}
		}
		for l := range strings.Lines(rest) {
			l = strings.TrimSuffix(l, "\n")
			if l != "" && (strings.HasPrefix(l, " ") || strings.ContainsAny(l[:1], "#-+=>|")) {
				t.Fatalf("line %q could start a block", l)
			}
		}
		rs := []rune(rest)
		for i, r := range rs {
			if r == '@' && i+1 < len(rs) && alnum(rs[i+1]) && (i == 0 || !word(rs[i-1])) {
				t.Fatalf("a mention in %q", rest)
			}
		}
	})
}

// alnum and word say what GitHub takes for a mention: "@" not after a word
// character, then a letter or digit. They are the test's own, not
// mdsafe's, so that a change there cannot quietly weaken FuzzRender.
func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func word(r rune) bool { return alnum(r) || r == '_' }
