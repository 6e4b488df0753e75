package diff

import (
	"slices"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"added", Added, false},
		{"diff", Hunk, false},
		{"", 0, true},
		{"Added", 0, true},
		{"hunk", 0, true},
		{" diff", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("ParseMode(%q).String() = %q", tt.in, got.String())
		}
	}
}

// lines of the patches below, as new-side line numbers: which are added and
// which are context.
type sides struct {
	added, context []int
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  sides
	}{
		{
			name:  "empty patch",
			patch: "",
			want:  sides{},
		},
		{
			name:  "whitespace only",
			patch: "\n",
			want:  sides{},
		},
		{
			name:  "new file",
			patch: "@@ -0,0 +1,3 @@\n+services:\n+  web:\n+    image: nginx",
			want:  sides{added: []int{1, 2, 3}},
		},
		{
			name: "modification with context",
			patch: "@@ -3,6 +3,7 @@ services:\n" +
				"   web:\n" + // 3
				"     image: nginx\n" + // 4
				"     volumes:\n" + // 5
				"-      - ./html:/usr/share/nginx/html\n" +
				"+      - ./html:/usr/share/nginx/html:ro\n" + // 6
				"+      - ./conf:/etc/nginx/conf.d:ro\n" + // 7
				"     ports:\n" + // 8
				"       - 80:80", // 9
			want: sides{added: []int{6, 7}, context: []int{3, 4, 5, 8, 9}},
		},
		{
			name: "removed lines do not count on the new side",
			patch: "@@ -10,5 +10,3 @@\n" +
				" a\n" + // 10
				"-b\n" +
				"-c\n" +
				" d\n" + // 11
				" e", // 12
			want: sides{context: []int{10, 11, 12}},
		},
		{
			name: "two hunks",
			patch: "@@ -1,3 +1,3 @@\n" +
				" a\n" + // 1
				"-b\n" +
				"+B\n" + // 2
				" c\n" + // 3
				"@@ -20,2 +20,4 @@ section\n" +
				" x\n" + // 20
				"+y\n" + // 21
				"+z\n" + // 22
				" w", // 23
			want: sides{added: []int{2, 21, 22}, context: []int{1, 3, 20, 23}},
		},
		{
			name: "no newline at the end of the new file",
			patch: "@@ -1,2 +1,2 @@\n" +
				" a\n" + // 1
				"-b\n" +
				"+c\n" + // 2
				"\\ No newline at end of file",
			want: sides{added: []int{2}, context: []int{1}},
		},
		{
			name: "no newline at the end of the old file",
			patch: "@@ -1,2 +1,3 @@\n" +
				" a\n" + // 1
				"-b\n" +
				"\\ No newline at end of file\n" +
				"+b\n" + // 2
				"+c", // 3
			want: sides{added: []int{2, 3}, context: []int{1}},
		},
		{
			name: "no newline on either side",
			patch: "@@ -1,2 +1,2 @@\n" +
				" a\n" + // 1
				"-b\n" +
				"\\ No newline at end of file\n" +
				"+c\n" + // 2
				"\\ No newline at end of file\n",
			want: sides{added: []int{2}, context: []int{1}},
		},
		{
			name: "context line without its space",
			patch: "@@ -1,3 +1,4 @@\n" +
				" a\n" + // 1
				"\n" + // 2
				"+b\n" + // 3
				" c", // 4
			want: sides{added: []int{3}, context: []int{1, 2, 4}},
		},
		{
			name:  "pure deletion hunk has no new side",
			patch: "@@ -4,2 +3,0 @@\n-a\n-b\n@@ -9 +7 @@\n-x\n+y",
			want:  sides{added: []int{7}},
		},
		{
			name:  "deleted file",
			patch: "@@ -1,2 +0,0 @@\n-a\n-b",
			want:  sides{},
		},
		{
			name:  "counts omitted in the header",
			patch: "@@ -5 +5 @@\n-old\n+new",
			want:  sides{added: []int{5}},
		},
		{
			name:  "CRLF line endings",
			patch: "@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+c\r\n",
			want:  sides{added: []int{2}, context: []int{1}},
		},
		{
			name:  "removed YAML document marker",
			patch: "@@ -1,2 +1,1 @@\n----\n services:",
			want:  sides{context: []int{1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.patch)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := f.Added(); !slices.Equal(got, tt.want.added) {
				t.Errorf("Added() = %v, want %v", got, tt.want.added)
			}
			for line := -1; line <= 30; line++ {
				isAdded := slices.Contains(tt.want.added, line)
				inHunk := isAdded || slices.Contains(tt.want.context, line)
				if got := f.CanComment(line, Added); got != isAdded {
					t.Errorf("CanComment(%d, Added) = %v, want %v", line, got, isAdded)
				}
				if got := f.CanComment(line, Hunk); got != inHunk {
					t.Errorf("CanComment(%d, Hunk) = %v, want %v", line, got, inHunk)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		patch string
	}{
		{"file headers", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b"},
		{"no hunk header", "+a\n+b"},
		{"bad header", "@@ -1,2 +1,2\n a\n b"},
		{"body shorter than header", "@@ -1,3 +1,3 @@\n a\n b"},
		{"body longer than header", "@@ -1,1 +1,1 @@\n a\n b"},
		{"added lines beyond the count", "@@ -1,1 +1,1 @@\n a\n+b"},
		{"bad line", "@@ -1,2 +1,2 @@\n a\n*b"},
		{"new side from line 0", "@@ -0,0 +0,1 @@\n+a"},
		{"negative start", "@@ -1,1 +-3,1 @@\n a"},
		{"overlapping hunks", "@@ -1,3 +1,3 @@\n a\n b\n c\n@@ -3,1 +3,1 @@\n c"},
		{"hunks out of order", "@@ -10,1 +10,1 @@\n a\n@@ -1,1 +1,1 @@\n b"},
		{"newline missing in the middle", "@@ -1,2 +1,2 @@\n+a\n\\ No newline at end of file\n+b"},
		// go-diff joins " 00" to the line before the marker, and the
		// header's counts then match the joined body.
		{"marker hiding a line", "@@ -0,2 +1,2 @@\n \n \n\\ No newline at end of file\n 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.patch)
			if err == nil {
				t.Fatalf("Parse succeeded, added lines %v; want an error", f.Added())
			}
		})
	}
}

func TestCanCommentRange(t *testing.T) {
	// New side: 1 a, 2 +b, 3 +c, 4 d, 5 +e | 10 +x, 11 +y, 12 z
	patch := "@@ -1,2 +1,5 @@\n a\n+b\n+c\n d\n+e\n@@ -8,1 +10,3 @@\n+x\n+y\n z"
	f, err := Parse(patch)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		start, end    int
		added, inHunk bool
	}{
		{2, 3, true, true},    // added lines of one hunk
		{1, 3, false, true},   // starts on context
		{2, 5, false, true},   // context line 4 in the middle
		{1, 5, false, true},   // the whole first hunk
		{5, 10, false, false}, // two hunks
		{4, 11, false, false}, // two hunks, with the gap between them
		{10, 11, true, true},  // second hunk
		{10, 12, false, true}, // ends on context
		{12, 13, false, false},
		{0, 1, false, false},
		{3, 2, false, false}, // reversed
		{2, 2, true, true},   // one line
		{4, 4, false, true},
		{6, 6, false, false},
	}
	for _, tt := range tests {
		if got := f.CanCommentRange(tt.start, tt.end, Added); got != tt.added {
			t.Errorf("CanCommentRange(%d, %d, Added) = %v, want %v", tt.start, tt.end, got, tt.added)
		}
		if got := f.CanCommentRange(tt.start, tt.end, Hunk); got != tt.inHunk {
			t.Errorf("CanCommentRange(%d, %d, Hunk) = %v, want %v", tt.start, tt.end, got, tt.inHunk)
		}
		if f.CanCommentRange(tt.start, tt.end, 0) {
			t.Errorf("CanCommentRange(%d, %d, 0) = true for an unknown mode", tt.start, tt.end)
		}
	}
}

func TestNilAndEmptyFile(t *testing.T) {
	var nilFile *File
	empty, err := Parse("")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*File{nilFile, empty} {
		for _, m := range []Mode{Added, Hunk} {
			if f.CanComment(1, m) || f.CanCommentRange(1, 2, m) {
				t.Errorf("%v file allows a comment in mode %v", f, m)
			}
		}
		if a := f.Added(); len(a) != 0 {
			t.Errorf("Added() = %v, want none", a)
		}
	}
}

func TestUnknownMode(t *testing.T) {
	f, err := Parse("@@ -0,0 +1 @@\n+a")
	if err != nil {
		t.Fatal(err)
	}
	if f.CanComment(1, 0) || f.CanComment(1, Mode(7)) {
		t.Error("an unknown mode allows a comment")
	}
}

// TestLargeLineNumbers checks that the numbering does not depend on the
// hunk starting near the top of the file.
func TestLargeLineNumbers(t *testing.T) {
	f, err := Parse("@@ -99998,3 +100000,4 @@\n a\n+b\n b\n+c\n-d\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Added(), []int{100001, 100003}; !slices.Equal(got, want) {
		t.Errorf("Added() = %v, want %v", got, want)
	}
}
