package githubtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// minimalUpTo is the size of the largest change (additions plus
// deletions of a shortest diff) that go-udiff always writes as a shortest
// diff: its search stops at 50 steps from each end. Past that a diff may
// remove and add back lines that are in fact unchanged.
const minimalUpTo = 100

// compose is the file the hand-checked cases edit; its line numbers matter.
const compose = `services:
  web:
    image: nginx
    volumes:
      - ./a:/a
      - ./b:/b
  db:
    image: postgres
    volumes:
      - data:/var
volumes:
  data: {}
`

// TestPatchByHand checks patches worked out by hand, for changes that can
// be written only one way.
func TestPatchByHand(t *testing.T) {
	numbered := func(n int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			b.WriteString("l" + strconv.Itoa(i) + "\n")
		}
		return b.String()
	}
	twenty := numbered(20)
	tests := []struct {
		name, old, new, want string
	}{{
		// Line 2 changes: context is cut at the top of the file, so the
		// hunk starts at line 1 with one line before and three after.
		name: "change near the start",
		old:  compose,
		new:  strings.Replace(compose, "  web:", "  app:", 1),
		want: "@@ -1,5 +1,5 @@\n services:\n-  web:\n+  app:\n     image: nginx\n     volumes:\n       - ./a:/a",
	}, {
		// Line 10 of 12 changes: three lines before (7-9), two after
		// (11-12). No function-context text follows the header.
		name: "change near the end",
		old:  compose,
		new:  strings.Replace(compose, "- data:/var", "- ./db:/var/lib/postgresql/data", 1),
		want: "@@ -7,6 +7,6 @@\n   db:\n     image: postgres\n     volumes:\n-      - data:/var\n+      - ./db:/var/lib/postgresql/data\n volumes:\n   data: {}",
	}, {
		name: "last line without newline",
		old:  "a\nb",
		new:  "a\nc",
		want: "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file",
	}, {
		name: "final newline added",
		old:  "a",
		new:  "a\n",
		want: "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a",
	}, {
		name: "final newline removed",
		old:  "a\nb\n",
		new:  "a\nb",
		want: "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file",
	}, {
		// An unchanged last line without newline is context, marker
		// included.
		name: "unchanged last line without newline",
		old:  "a\nb\nc",
		new:  "A\nb\nc",
		want: "@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n\\ No newline at end of file",
	}, {
		// An added file: the old range is empty and printed as 0,0.
		name: "added file",
		old:  "",
		new:  "a\nb\nc\n",
		want: "@@ -0,0 +1,3 @@\n+a\n+b\n+c",
	}, {
		name: "removed file",
		old:  "a\nb\n",
		new:  "",
		want: "@@ -1,2 +0,0 @@\n-a\n-b",
	}, {
		// A count of 1 is left out.
		name: "one-line file",
		old:  "x\n",
		new:  "y\n",
		want: "@@ -1 +1 @@\n-x\n+y",
	}, {
		// Lines 3 and 10 change with six unchanged lines between them:
		// at most 2×3 apart, so one hunk, lines 1-13.
		name: "changes six lines apart share a hunk",
		old:  twenty,
		new:  strings.Replace(strings.Replace(twenty, "l3\n", "L3\n", 1), "l10\n", "L10\n", 1),
		want: "@@ -1,13 +1,13 @@\n l1\n l2\n-l3\n+L3\n l4\n l5\n l6\n l7\n l8\n l9\n-l10\n+L10\n l11\n l12\n l13",
	}, {
		// Lines 3 and 11: seven apart, two hunks; line 7 is in neither.
		name: "changes seven lines apart do not",
		old:  twenty,
		new:  strings.Replace(strings.Replace(twenty, "l3\n", "L3\n", 1), "l11\n", "L11\n", 1),
		want: "@@ -1,6 +1,6 @@\n l1\n l2\n-l3\n+L3\n l4\n l5\n l6\n@@ -8,7 +8,7 @@\n l8\n l9\n l10\n-l11\n+L11\n l12\n l13\n l14",
	}, {
		// Two lines inserted after line 5 and line 16 removed: the
		// new-side numbers of the second hunk are shifted by two.
		name: "insertion shifts later hunks",
		old:  twenty,
		new:  strings.Replace(strings.Replace(twenty, "l5\n", "l5\nx\ny\n", 1), "l16\n", "", 1),
		want: "@@ -3,6 +3,8 @@\n l3\n l4\n l5\n+x\n+y\n l6\n l7\n l8\n@@ -13,7 +15,6 @@\n l13\n l14\n l15\n-l16\n l17\n l18\n l19",
	}, {
		name: "CRLF lines keep their CR",
		old:  "a\r\nb\r\n",
		new:  "a\r\nc\r\n",
		want: "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r",
	}, {
		name: "identical",
		old:  compose,
		new:  compose,
		want: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderPatch(diffHunks(tt.old, tt.new, contextLines)); got != tt.want {
				t.Errorf("patch:\n%s\nwant:\n%s", got, tt.want)
			}
			checkPatch(t, tt.old, tt.new, contextLines)
		})
	}
}

// TestPatchFixtures checks the patches of realistic compose edits
// (testdata/patches/*/old and new): CRLF, missing final newlines, added
// and removed files and services, a moved block, duplicate lines. Several
// of them can be written more than one way, so the patch text is not
// compared; it must apply, and its numbers of hunks, additions and
// deletions must be those of git's own patches of these files.
func TestPatchFixtures(t *testing.T) {
	want := map[string]struct{ hunks, additions, deletions int }{
		"add-final-newline":    {1, 1, 1},
		"add-mount":            {1, 1, 0},
		"add-service":          {1, 5, 0},
		"added-file":           {1, 3, 0},
		"change-near-end":      {1, 2, 1},
		"change-near-start":    {1, 1, 1},
		"crlf":                 {1, 1, 1},
		"duplicate-lines":      {1, 1, 0},
		"long-line":            {1, 1, 1},
		"many-hunks":           {3, 2, 3},
		"merged-hunks":         {1, 2, 2},
		"move-block":           {2, 5, 5},
		"no-newline-change":    {1, 1, 1},
		"one-line":             {1, 1, 1},
		"remove-final-newline": {1, 1, 1},
		"remove-service":       {1, 0, 8},
		"removed-file":         {1, 0, 3},
		"two-hunks":            {2, 2, 2},
	}
	dirs, err := filepath.Glob("testdata/patches/*")
	if err != nil || len(dirs) != len(want) {
		t.Fatalf("want %d fixtures, found %d: %v", len(want), len(dirs), err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			read := func(file string) string {
				b, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			old, new := read("old"), read("new")
			hunks := checkPatch(t, old, new, contextLines)
			checkMapLine(t, old, new, hunks, false)
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for fixture %s", name)
			}
			add, del := changeCounts(hunks)
			if len(hunks) != w.hunks || add != w.additions || del != w.deletions {
				t.Errorf("%d hunks, +%d -%d; want %d hunks, +%d -%d\n%s", len(hunks), add, del, w.hunks, w.additions, w.deletions, renderPatch(hunks))
			}
		})
	}
}

// TestPatchRandomEdits diffs thousands of random edits of YAML-like files
// (seeded, so every run checks the same cases): each patch must apply
// strictly to the old file and give the new one, with GitHub's hunk shape
// (checkPatch), and the diff without context must agree with it and with
// mapLine. Small edits must also be minimal, as git's are, so additions
// and deletions count what GitHub counts.
func TestPatchRandomEdits(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		old, new := randomEdit(r)
		ok := t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
			hunks := checkPatch(t, old, new, contextLines)
			checkPatch(t, old, new, 0)
			checkMapLine(t, old, new, hunks, true)
			// Any diff is a shortest one plus lines removed and added back.
			add, del := changeCounts(hunks)
			minAdd, minDel := minimalCounts(old, new)
			if add-minAdd != del-minDel || add < minAdd || minAdd+minDel <= minimalUpTo && add != minAdd {
				t.Errorf("+%d -%d, a minimal diff has +%d -%d", add, del, minAdd, minDel)
			}
		})
		if !ok {
			t.Fatalf("case %d failed\nold: %q\nnew: %q\npatch:\n%s", i, old, new, renderPatch(diffHunks(old, new, contextLines)))
		}
	}
}

// TestApplyPatchIsStrict checks that the test's own applier rejects
// patches that are wrong only in their numbers or markers.
func TestApplyPatchIsStrict(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm"
	good := "@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n d\n@@ -10,4 +10,5 @@\n j\n k\n+K\n l\n m\n\\ No newline at end of file"
	if got, _, err := applyPatch(old, good); err != nil || got != "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nK\nl\nm" {
		t.Fatalf("the good patch gives %q, %v", got, err)
	}
	for _, bad := range []string{
		strings.Replace(good, "-1,4 +1,4", "-1,3 +1,4", 1),     // old count
		strings.Replace(good, "-1,4 +1,4", "-1,4 +1,5", 1),     // new count
		strings.Replace(good, "-10,4 +10,5", "-10,4 +11,5", 1), // new start
		strings.Replace(good, "-10,4 +10,5", "-11,4 +11,5", 1), // old start
		strings.Replace(good, "-10,4 +10,5", "-3,4 +3,5", 1),   // overlapping hunks
		strings.Replace(good, " c\n", " x\n", 1),               // context
		strings.Replace(good, "-b\n", "-x\n", 1),               // removed line
		strings.TrimSuffix(good, "\n\\ No newline at end of file"),
		strings.Replace(good, " d\n", " d\n\\ No newline at end of file\n", 1),
		"@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n d\n",
		"@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n\n d",
		"diff --git a/f b/f\n" + good,
	} {
		if got, _, err := applyPatch(old, bad); err == nil {
			t.Errorf("applied, giving %q:\n%s", got, bad)
		}
	}
}

func TestBinaryDetection(t *testing.T) {
	if !isBinary("PNG\x00\x01") || isBinary(strings.Repeat("a", 9000)+"\x00") {
		t.Error("a NUL byte in the first 8000 bytes, and only there, makes a file binary")
	}
}

// yamlLines are the lines random files are made of: few, so that lines
// repeat and most edits can be written several ways, with blank lines,
// CRLF, tabs, trailing spaces and non-ASCII text.
var yamlLines = []string{"services:", "  web:", "    image: nginx", "    volumes:", "      - ./data:/data",
	"      - /var/run/docker.sock:/var/run/docker.sock", "", "  db:", "volumes:", "  data: {}", "x",
	"# comment", "\tTab: 1", "crlf: 1\r", "élan: 2", "key:   ", "  ", "    environment:", "      A: 1"}

func randomLines(r *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = yamlLines[r.IntN(len(yamlLines))] + "\n"
	}
	return out
}

// randomEdit returns a random file and an edit of it: lines deleted,
// inserted, replaced, moved and duplicated, a final newline dropped or
// added. One case in twenty is large, up to 400 lines with up to 80
// edits, which takes go-udiff past the point where it stops looking for
// the shortest diff.
func randomEdit(r *rand.Rand) (old, new string) {
	size, edits := r.IntN(30), 1+r.IntN(5)
	switch r.IntN(20) {
	case 0:
		size, edits = 100+r.IntN(300), 10+r.IntN(70)
	case 1:
		size, edits = 0, 1
	}
	a := randomLines(r, size)
	b := append([]string(nil), a...)
	for range edits {
		j := r.IntN(len(b) + 1)
		k := min(j+1+r.IntN(4), len(b))
		switch r.IntN(6) {
		case 0: // delete lines j..k
			b = append(b[:j], b[k:]...)
		case 1, 2: // insert lines before j
			b = append(b[:j], append(randomLines(r, 1+r.IntN(4)), b[j:]...)...)
		case 3: // replace line j
			if j < len(b) {
				b[j] = yamlLines[r.IntN(len(yamlLines))] + "\n"
			}
		case 4: // move lines j..k elsewhere
			block := append([]string(nil), b[j:k]...)
			b = append(b[:j], b[k:]...)
			at := r.IntN(len(b) + 1)
			b = append(b[:at], append(block, b[at:]...)...)
		default: // duplicate lines j..k right after them
			block := append([]string(nil), b[j:k]...)
			b = append(b[:k], append(block, b[k:]...)...)
		}
	}
	old, new = strings.Join(a, ""), strings.Join(b, "")
	if r.IntN(6) == 0 {
		old = strings.TrimSuffix(old, "\n")
	}
	if r.IntN(6) == 0 {
		new = strings.TrimSuffix(new, "\n")
	}
	if r.IntN(30) == 0 {
		new = ""
	}
	return old, new
}

// checkPatch diffs old and new with ctx lines of context and checks the
// rendered patch with applyPatch (it must turn old into new, with exact
// line numbers), its shape (checkShape) and that the hunks' line numbers,
// which review comments use, are the ones the patch text gives.
func checkPatch(t *testing.T, old, new string, ctx int) []hunk {
	t.Helper()
	hunks := diffHunks(old, new, ctx)
	patch := renderPatch(hunks)
	if (old == new) != (patch == "") {
		t.Fatalf("old == new is %v, but the patch is %q", old == new, patch)
	}
	got, parsed, err := applyPatch(old, patch)
	if err != nil {
		t.Fatalf("context %d: %v\npatch:\n%s", ctx, err, patch)
	}
	if got != new {
		t.Fatalf("context %d: the patch gives %q, want %q\npatch:\n%s", ctx, got, new, patch)
	}
	if err := checkShape(parsed, lineCount(old), ctx); err != nil {
		t.Fatalf("context %d: %v\npatch:\n%s", ctx, err, patch)
	}
	if len(parsed) != len(hunks) {
		t.Fatalf("context %d: %d hunks parsed, %d computed", ctx, len(parsed), len(hunks))
	}
	for i, h := range hunks {
		p := parsed[i]
		if h.OldStart != p.OldStart || h.OldCount != p.OldCount || h.NewStart != p.NewStart || h.NewCount != p.NewCount || len(h.Lines) != len(p.Lines) {
			t.Fatalf("context %d: hunk %d is %+v, the patch says %+v", ctx, i, h, p)
		}
		for j := range h.Lines {
			if h.Lines[j] != p.Lines[j] {
				t.Fatalf("context %d: hunk %d line %d is %+v, the patch says %+v", ctx, i, j, h.Lines[j], p.Lines[j])
			}
		}
	}
	return hunks
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(?: .*)?$`)

// applyPatch applies a patch in GitHub's form (hunks only, no final
// newline) to old, strictly: hunks in order and apart, each header's start
// right where the lines before it put each side, its counts those of its
// lines, every context and removed line equal to the old file's line, the
// "\ No newline" marker on the last line of a side and only there. It
// returns the result and the hunks it read, with each line's numbers; a
// hunk's start is, for an empty range, the line it comes before.
func applyPatch(old, patch string) (string, []hunk, error) {
	if patch == "" {
		return old, nil, nil
	}
	if strings.HasSuffix(patch, "\n") {
		return "", nil, fmt.Errorf("the patch ends in a newline")
	}
	src := splitAfterLines(old)
	var out []string
	var hunks []hunk
	pos := 0 // old lines consumed
	lines := strings.Split(patch, "\n")
	for i := 0; i < len(lines); {
		m := hunkHeader.FindStringSubmatch(lines[i])
		if m == nil {
			return "", nil, fmt.Errorf("line %d: %q is not a hunk header", i+1, lines[i])
		}
		num := func(s string) int {
			if s == "" {
				return 1
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		h := hunk{OldStart: num(m[1]), OldCount: num(m[2]), NewStart: num(m[3]), NewCount: num(m[4])}
		// An empty range names the line before it.
		if h.OldCount == 0 {
			h.OldStart++
		}
		if h.NewCount == 0 {
			h.NewStart++
		}
		if h.OldStart-1 < pos {
			return "", nil, fmt.Errorf("line %d: hunk %q starts before the end of the previous one (old line %d)", i+1, lines[i], pos)
		}
		if h.OldStart-1 > len(src) {
			return "", nil, fmt.Errorf("line %d: hunk %q starts past the old file's %d lines", i+1, lines[i], len(src))
		}
		out = append(out, src[pos:h.OldStart-1]...)
		pos = h.OldStart - 1
		if len(out) != h.NewStart-1 {
			return "", nil, fmt.Errorf("line %d: hunk %q: the new file is at line %d here", i+1, lines[i], len(out)+1)
		}
		i++
		oldN, newN := 0, 0
		for ; i < len(lines) && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			if l == "" || !strings.ContainsRune(" +-", rune(l[0])) {
				return "", nil, fmt.Errorf("line %d: %q is not a diff line", i+1, l)
			}
			rec, noEOL := l[1:]+"\n", false
			if i+1 < len(lines) && lines[i+1] == noNewline {
				rec, noEOL = l[1:], true
				i++
			}
			dl := diffLine{Kind: l[0], Text: l[1:], NoEOL: noEOL}
			if dl.Kind != '+' {
				if pos >= len(src) || src[pos] != rec {
					return "", nil, fmt.Errorf("line %d: %q does not match old line %d", i+1, l, pos+1)
				}
				pos++
				oldN++
				dl.Old = pos
			}
			if dl.Kind != '-' {
				if n := len(out); n > 0 && !strings.HasSuffix(out[n-1], "\n") {
					return "", nil, fmt.Errorf("line %d: a line follows new line %d, which has no newline", i+1, n)
				}
				out = append(out, rec)
				newN++
				dl.New = len(out)
			}
			h.Lines = append(h.Lines, dl)
		}
		if oldN != h.OldCount || newN != h.NewCount {
			return "", nil, fmt.Errorf("hunk %d has -%d +%d lines, its header says -%d +%d", len(hunks)+1, oldN, newN, h.OldCount, h.NewCount)
		}
		hunks = append(hunks, h)
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), hunks, nil
}

// checkShape checks hunks read by applyPatch against GitHub's form: each
// has a change, exactly ctx lines of context before its first change and
// after its last one unless the file starts or ends first, at most 2×ctx
// unchanged lines between two changes, and at least one unchanged line
// that is in no hunk between two hunks (else they would be one).
func checkShape(hunks []hunk, oldLines, ctx int) error {
	prevEnd := 0 // last old line of the previous hunk
	for i, h := range hunks {
		first, last := -1, -1
		for j, l := range h.Lines {
			if l.Kind != ' ' {
				if first < 0 {
					first = j
				}
				last = j
			}
		}
		if first < 0 {
			return fmt.Errorf("hunk %d has no change", i+1)
		}
		start := h.OldStart
		if i > 0 && start <= prevEnd+1 {
			return fmt.Errorf("hunk %d starts at old line %d, right after or inside hunk %d (to line %d)", i+1, start, i, prevEnd)
		}
		prevEnd = start + h.OldCount - 1
		if lead := first; lead > ctx || lead < ctx && start != 1 {
			return fmt.Errorf("hunk %d has %d lines of context before its first change, want %d", i+1, lead, ctx)
		}
		if trail := len(h.Lines) - 1 - last; trail > ctx || trail < ctx && prevEnd != oldLines {
			return fmt.Errorf("hunk %d has %d lines of context after its last change, want %d", i+1, trail, ctx)
		}
		run := 0
		for _, l := range h.Lines[first : last+1] {
			if l.Kind != ' ' {
				run = 0
			} else if run++; run > 2*ctx {
				return fmt.Errorf("hunk %d has more than %d unchanged lines between two changes", i+1, 2*ctx)
			}
		}
	}
	return nil
}

// checkMapLine checks mapLine against the patch: an old line that is
// context in a hunk maps to its new line there, a removed one to 0, and
// every other old line to a new line with the same text, in order. Each
// call diffs the files again, so when sampled is set only about 12 evenly
// spaced lines of a longer file are checked.
func checkMapLine(t *testing.T, old, new string, hunks []hunk, sampled bool) {
	t.Helper()
	a, b := splitAfterLines(old), splitAfterLines(new)
	step := (len(a) + 11) / 12 // at most 12 lines checked
	if step == 0 || !sampled {
		step = 1
	}
	checked := func(line int) bool { return line%step == 0 }
	removed := 0
	for _, h := range hunks {
		for _, l := range h.Lines {
			if l.Kind == '-' {
				removed++
			}
			if l.Kind == '+' || !checked(l.Old) {
				continue
			}
			if got := mapLine(old, new, l.Old); got != l.New {
				t.Fatalf("mapLine(%d) = %d, the patch has it as new line %d", l.Old, got, l.New)
			}
		}
	}
	mapped, prev := 0, 0
	for i := step; i <= len(a); i += step {
		j := mapLine(old, new, i)
		if j == 0 {
			continue
		}
		if j <= prev || j > len(b) || a[i-1] != b[j-1] {
			t.Fatalf("mapLine(%d) = %d (after %d): not a later line with the same text", i, j, prev)
		}
		mapped, prev = mapped+1, j
	}
	if step == 1 && mapped != len(a)-removed {
		t.Fatalf("%d of %d old lines mapped, %d removed", mapped, len(a), removed)
	}
	if mapLine(old, new, 0) != 0 || mapLine(old, new, len(a)+1) != 0 {
		t.Fatal("mapLine maps a line that is not in the old file")
	}
}

// splitAfterLines splits s into lines that keep their newline.
func splitAfterLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func changeCounts(hunks []hunk) (additions, deletions int) {
	for _, h := range hunks {
		for _, l := range h.Lines {
			switch l.Kind {
			case '+':
				additions++
			case '-':
				deletions++
			}
		}
	}
	return additions, deletions
}

// minimalCounts returns the additions and deletions of a shortest diff,
// from the length of a longest common subsequence of the lines.
func minimalCounts(old, new string) (additions, deletions int) {
	a, b := splitAfterLines(old), splitAfterLines(new)
	row := make([]int, len(b)+1)
	for i := range a {
		diag := 0
		for j := range b {
			up := row[j+1]
			if a[i] == b[j] {
				row[j+1] = diag + 1
			} else {
				row[j+1] = max(row[j+1], row[j])
			}
			diag = up
		}
	}
	lcs := row[len(b)]
	return len(b) - lcs, len(a) - lcs
}
