package githubtest

import (
	"fmt"
	"strconv"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// This file turns two versions of a file into the text GitHub puts in a
// pull request file's `patch`: unified diff hunks with three lines of
// context, from the first "@@" line on, without the file headers and
// without the final newline.
//
// The line diff and the hunks are go-udiff's (github.com/aymanbagabas/go-udiff,
// BSD-3-Clause, a copy of golang.org/x/tools/internal/diff): Myers'
// algorithm, changes at most 2×context unchanged lines apart sharing a
// hunk. When a change can be written several ways (an inserted line next
// to an equal one may be either of them) go-udiff need not pick what git,
// and so GitHub, shows, and past about a hundred changed lines its diff
// settles for a common subsequence that is not always the longest, so
// additions and deletions may then count more than GitHub's. What a client
// relies on holds for every patch: it is valid, and its line numbers are
// exact, so the hunks tell exactly which lines a review comment may sit on
// (patch_test.go applies patches to check this). The headers carry no
// function-context text after the second "@@".

// contextLines is GitHub's (and diff -u's) three lines of context.
const contextLines = 3

// noNewline is the marker printed after a line without a final newline.
const noNewline = `\ No newline at end of file`

// diffLine is one line of a hunk.
type diffLine struct {
	// Kind is ' ' (context), '-' (only in the old file) or '+' (only in
	// the new file).
	Kind byte
	// Old and New are the line's 1-based numbers in the old and new file;
	// 0 on the side the line is not on.
	Old, New int
	// Text is the line without its newline.
	Text string
	// NoEOL marks the last line of a file that does not end in a newline.
	NoEOL bool
}

// hunk is one "@@" section of a patch.
type hunk struct {
	// OldStart and NewStart are the first line of the hunk in each file;
	// for an empty range, the line the hunk comes before.
	OldStart, OldCount int
	NewStart, NewCount int
	Lines              []diffLine
}

// header renders the "@@ -a,b +c,d @@" line of the unified format: a count
// of 1 is left out, and an empty range is given by the line before it
// ("-0,0" for an empty file).
func (h hunk) header() string {
	var b strings.Builder
	b.WriteString("@@ -")
	writeRange(&b, h.OldStart, h.OldCount)
	b.WriteString(" +")
	writeRange(&b, h.NewStart, h.NewCount)
	b.WriteString(" @@")
	return b.String()
}

func writeRange(b *strings.Builder, start, count int) {
	if count == 0 {
		start--
	}
	b.WriteString(strconv.Itoa(start))
	if count != 1 {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(count))
	}
}

// renderPatch renders hunks as GitHub's `patch` field, which has no
// trailing newline.
func renderPatch(hunks []hunk) string {
	var b strings.Builder
	for _, h := range hunks {
		b.WriteString(h.header())
		b.WriteByte('\n')
		for _, l := range h.Lines {
			b.WriteByte(l.Kind)
			b.WriteString(l.Text)
			b.WriteByte('\n')
			if l.NoEOL {
				b.WriteString(noNewline)
				b.WriteByte('\n')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// isBinary tells a binary file the way git and GitHub do: a NUL byte in
// the first 8000 bytes. GitHub leaves the patch out for such files.
func isBinary(s string) bool {
	if len(s) > 8000 {
		s = s[:8000]
	}
	return strings.IndexByte(s, 0) >= 0
}

// diffHunks computes the hunks that turn old into new, with ctx lines of
// context. Lines are compared with their newline, so a last line that
// gains or loses its newline is changed. Identical inputs give no hunks.
func diffHunks(old, new string, ctx int) []hunk {
	if old == new {
		return nil
	}
	u, err := udiff.ToUnifiedDiff("", "", old, udiff.Lines(old, new), ctx)
	if err != nil {
		// go-udiff's own line edits of old are always consistent.
		panic(fmt.Sprintf("githubtest: go-udiff: %v", err))
	}
	hunks := make([]hunk, 0, len(u.Hunks))
	for _, uh := range u.Hunks {
		h := hunk{OldStart: uh.FromLine, NewStart: uh.ToLine, Lines: make([]diffLine, 0, len(uh.Lines))}
		o, n := uh.FromLine, uh.ToLine
		for _, l := range uh.Lines {
			switch l.Kind {
			case udiff.Equal:
				h.Lines = append(h.Lines, makeLine(' ', o, n, l.Content))
				o++
				n++
			case udiff.Delete:
				h.Lines = append(h.Lines, makeLine('-', o, 0, l.Content))
				o++
			case udiff.Insert:
				h.Lines = append(h.Lines, makeLine('+', 0, n, l.Content))
				n++
			}
		}
		h.OldCount, h.NewCount = o-h.OldStart, n-h.NewStart
		hunks = append(hunks, h)
	}
	return hunks
}

// makeLine makes a diff line of a line that still has its newline, if
// any.
func makeLine(kind byte, old, new int, line string) diffLine {
	l := diffLine{Kind: kind, Old: old, New: new}
	if text, ok := strings.CutSuffix(line, "\n"); ok {
		l.Text = text
	} else {
		l.Text = line
		l.NoEOL = true
	}
	return l
}

// lineCount is the number of lines of s, a last line without a newline
// included.
func lineCount(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}
