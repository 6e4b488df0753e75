package diff

import (
	"slices"
	"strings"
	"testing"

	godiff "github.com/sourcegraph/go-diff/diff"
)

var seedPatches = []string{
	"",
	"@@ -0,0 +1,3 @@\n+services:\n+  web:\n+    image: nginx",
	"@@ -3,6 +3,7 @@ services:\n   web:\n     image: nginx\n     volumes:\n-      - ./html:/html\n+      - ./html:/html:ro\n+      - ./conf:/conf:ro\n     ports:\n       - 80:80",
	"@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -20,2 +20,4 @@ section\n x\n+y\n+z\n w",
	"@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n",
	"@@ -1,3 +1,4 @@\n a\n\n+b\n c",
	"@@ -4,2 +3,0 @@\n-a\n-b\n@@ -9 +7 @@\n-x\n+y",
	"@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+c\r\n",
	"@@ -1,2 +1,1 @@\n----\n services:",
	"@@ -1,1 +1,1 @@\n a\n b",
	"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b",
}

// FuzzParse checks that Parse never panics, that Added mode never allows
// more than Hunk mode, and that the numbering agrees with a plain reading of
// the patch text, independent of go-diff's hunk bodies.
func FuzzParse(f *testing.F) {
	for _, s := range seedPatches {
		f.Add(s, 1, 3)
	}
	f.Fuzz(func(t *testing.T, patch string, start, end int) {
		file, err := Parse(patch)
		if err != nil {
			return
		}
		added := file.Added()
		if strings.TrimSpace(patch) == "" {
			if len(added) > 0 || file.CanComment(1, Hunk) {
				t.Fatalf("an empty patch allows comments")
			}
			return
		}
		if !slices.IsSorted(added) || len(slices.Compact(slices.Clone(added))) != len(added) {
			t.Fatalf("Added() is not strictly increasing: %v", added)
		}
		for _, l := range added {
			if !file.CanComment(l, Added) {
				t.Fatalf("line %d is in Added() but CanComment(Added) is false", l)
			}
		}
		wantAdded, wantContext := oracle(t, patch)
		if !slices.Equal(added, wantAdded) {
			t.Fatalf("Added() = %v, reading the text gives %v", added, wantAdded)
		}
		last := 0
		if len(added) > 0 {
			last = added[len(added)-1]
		}
		if len(wantContext) > 0 {
			last = max(last, wantContext[len(wantContext)-1])
		}
		for l := 0; l <= last+1 && l < 10_000; l++ {
			a, h := file.CanComment(l, Added), file.CanComment(l, Hunk)
			if a && !h {
				t.Fatalf("line %d is commentable under Added but not under Hunk", l)
			}
			if h != (slices.Contains(wantAdded, l) || slices.Contains(wantContext, l)) {
				t.Fatalf("CanComment(%d, Hunk) = %v, disagreeing with the text", l, h)
			}
		}
		if file.CanCommentRange(start, end, Added) && !file.CanCommentRange(start, end, Hunk) {
			t.Fatalf("range %d..%d is commentable under Added but not under Hunk", start, end)
		}
		for _, m := range []Mode{Added, Hunk} {
			if file.CanCommentRange(start, end, m) && !(file.CanComment(start, m) && file.CanComment(end, m)) {
				t.Fatalf("range %d..%d allowed under %v though an end is not", start, end, m)
			}
		}
	})
}

// oracle numbers the new side by reading the patch line by line, taking only
// the hunks' start lines from go-diff.
func oracle(t *testing.T, patch string) (added, context []int) {
	hunks, err := godiff.ParseHunks([]byte(patch))
	if err != nil {
		t.Fatalf("Parse accepted a patch go-diff rejects: %v", err)
	}
	patch = strings.TrimSuffix(patch, "\n")
	n, next := -1, 0
	for _, line := range strings.Split(patch, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "@@") {
			n = int(hunks[next].NewStartLine)
			next++
			continue
		}
		switch {
		case strings.HasPrefix(line, "+"):
			added = append(added, n)
			n++
		case line == "" || strings.HasPrefix(line, " "):
			context = append(context, n)
			n++
		}
	}
	if next != len(hunks) {
		t.Fatalf("found %d hunk headers, go-diff %d", next, len(hunks))
	}
	return added, context
}
