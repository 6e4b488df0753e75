// Package diff reads the patch GitHub gives for one file of a pull request
// and says on which new-side lines a review comment may sit.
//
// GitHub rejects a whole review with 422 ("Pull request review thread line
// must be part of the diff") when a single comment is placed outside a
// hunk, so every answer here errs on the side of "no": a patch that does not
// add up is an error rather than a guess.
package diff

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	godiff "github.com/sourcegraph/go-diff/diff"
)

// Mode says which new-side lines may carry a comment.
type Mode int

const (
	// Added allows only added ("+") lines.
	Added Mode = iota + 1
	// Hunk allows any new-side line inside a hunk, added or context.
	Hunk
)

// ParseMode reads "added" or "diff" (the configuration's words) into a Mode.
// It accepts exactly the spellings the configuration validates, so the two
// can never disagree about what a word means.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "added":
		return Added, nil
	case "diff":
		return Hunk, nil
	}
	return 0, fmt.Errorf("unknown comment mode %q: use diff or added", s)
}

// String returns the configuration's word for m.
func (m Mode) String() string {
	switch m {
	case Added:
		return "added"
	case Hunk:
		return "diff"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// File is what one file's patch says about its new side.
type File struct {
	// hunks are sorted by start and do not overlap; hunks without
	// new-side lines (pure deletions) are left out, as nothing on the
	// right side can be commented there.
	hunks []hunk
}

type hunk struct {
	start int    // first new-side line
	added []bool // added[i]: line start+i was added rather than context
}

func (h hunk) end() int { return h.start + len(h.added) - 1 }

// Parse reads a patch: GitHub's per-file `patch` field, unified diff hunks
// without file headers. An empty patch (GitHub leaves it out for large and
// binary diffs) gives a File on which nothing can be commented.
func Parse(patch string) (*File, error) {
	f := &File{}
	if strings.TrimSpace(patch) == "" {
		return f, nil
	}
	hunks, err := godiff.ParseHunks([]byte(patch))
	if err != nil {
		return nil, fmt.Errorf("parse patch: %w", err)
	}
	// go-diff joins the line after a misplaced "\ No newline at end of
	// file" marker to the line before it, which would shift every line
	// after it; the patch's own line count gives that away.
	inBodies := 0
	for _, gh := range hunks {
		inBodies += bytes.Count(gh.Body, []byte("\n"))
		if len(gh.Body) > 0 && gh.Body[len(gh.Body)-1] != '\n' {
			inBodies++
		}
	}
	if n := bodyLines(patch); n != inBodies {
		return nil, fmt.Errorf("parse patch: %d hunk lines, of which go-diff kept %d: a \"\\ No newline at end of file\" marker is out of place", n, inBodies)
	}
	prevEnd := 0
	for i, gh := range hunks {
		h, err := newSide(gh)
		if err != nil {
			return nil, fmt.Errorf("parse patch: hunk %d (@@ -%d,%d +%d,%d @@): %w",
				i+1, gh.OrigStartLine, gh.OrigLines, gh.NewStartLine, gh.NewLines, err)
		}
		if len(h.added) == 0 {
			continue
		}
		// Overlapping or unordered hunks would make "the same hunk"
		// ambiguous; git never writes them.
		if h.start <= prevEnd {
			return nil, fmt.Errorf("parse patch: hunk %d starts at new line %d, inside or before the previous hunk (ending at %d)", i+1, h.start, prevEnd)
		}
		prevEnd = h.end()
		f.hunks = append(f.hunks, h)
	}
	return f, nil
}

const noNewline = "\\ No newline at end of file"

// bodyLines counts the lines of a patch that belong in hunk bodies: all but
// hunk headers and no-newline markers, split as go-diff splits them.
func bodyLines(patch string) int {
	n := 0
	for line := range strings.Lines(patch) {
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "@@ ") || strings.TrimSuffix(line, "\r") == noNewline {
			continue
		}
		n++
	}
	return n
}

// newSide numbers the new-side lines of a hunk from its body. Context lines
// count on both sides, "-" lines on the old side only, and "\" lines (such
// as "\ No newline at end of file", which go-diff already drops) on
// neither. The counts must match the header: a mismatch means the body is
// not what the header describes, and a comment placed by either would
// land on the wrong line.
func newSide(gh *godiff.Hunk) (hunk, error) {
	if gh.OrigStartLine < 0 || gh.OrigLines < 0 || gh.NewStartLine < 0 || gh.NewLines < 0 {
		return hunk{}, errors.New("negative line number or count")
	}
	if gh.NewLines > 0 && gh.NewStartLine == 0 {
		return hunk{}, errors.New("new-side lines start at line 0")
	}
	h := hunk{start: int(gh.NewStartLine)}
	old := 0
	for line := range bytes.Lines(gh.Body) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			// Some tools strip the single space of an empty context
			// line; patch(1) reads it as context too.
			h.added = append(h.added, false)
			old++
			continue
		}
		switch line[0] {
		case '+':
			h.added = append(h.added, true)
		case ' ':
			h.added = append(h.added, false)
			old++
		case '-':
			old++
		case '\\':
		default:
			return hunk{}, fmt.Errorf("unexpected line %q", line)
		}
	}
	if len(h.added) != int(gh.NewLines) || old != int(gh.OrigLines) {
		return hunk{}, fmt.Errorf("body has %d old and %d new lines, header says %d and %d",
			old, len(h.added), gh.OrigLines, gh.NewLines)
	}
	return h, nil
}

// find returns the hunk holding new-side line n.
func (f *File) find(n int) (hunk, bool) {
	if f == nil {
		return hunk{}, false
	}
	i := sort.Search(len(f.hunks), func(i int) bool { return f.hunks[i].end() >= n })
	if i == len(f.hunks) || n < f.hunks[i].start {
		return hunk{}, false
	}
	return f.hunks[i], true
}

// CanComment reports whether a single-line comment may sit on new-side line
// `line` under mode. A nil File, like an empty one, allows nothing.
func (f *File) CanComment(line int, mode Mode) bool {
	h, ok := f.find(line)
	if !ok {
		return false
	}
	switch mode {
	case Added:
		return h.added[line-h.start]
	case Hunk:
		return true
	}
	return false
}

// CanCommentRange reports whether a comment may cover new-side lines
// start..end. GitHub requires both ends to be right-side lines of the same
// hunk, which makes every line between them one too; Added mode further
// requires every line of the range to be added, so that a comment never
// claims lines the pull request did not write. start == end is a
// single-line comment; start > end is never valid.
func (f *File) CanCommentRange(start, end int, mode Mode) bool {
	if start > end {
		return false
	}
	h, ok := f.find(start)
	if !ok || end > h.end() {
		return false
	}
	switch mode {
	case Added:
		for _, a := range h.added[start-h.start : end-h.start+1] {
			if !a {
				return false
			}
		}
		return true
	case Hunk:
		return true
	}
	return false
}

// Added lists the added new-side lines in increasing order.
func (f *File) Added() []int {
	if f == nil {
		return nil
	}
	var out []int
	for _, h := range f.hunks {
		for i, a := range h.added {
			if a {
				out = append(out, h.start+i)
			}
		}
	}
	return out
}
