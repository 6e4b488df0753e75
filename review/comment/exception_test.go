package comment

import (
	"slices"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/mdsafe"
)

const note1 = "**Excepted** by alice through the label `mountguard: exception`."

func TestSetException(t *testing.T) {
	open := Render(one(writableHTML()), Options{Source: []byte(source), ExceptionHelp: help}).Body
	fixed := MarkFixed(open, "3f9c2a1b7e4d5c6f8a9b0c1d2e3f4a5b6c7d8e9f")
	withNote := noteOpen + "\n" + note1 + "\n" + noteClose + "\n\n" + open
	tests := []struct {
		name, body, note, want string
	}{
		{"added first", open, note1, withNote},
		{"replaced", withNote, "other", noteOpen + "\nother\n" + noteClose + "\n\n" + open},
		{"removed", withNote, "", open},
		{"removing none changes nothing", open, "", open},
		{"blank note removes", withNote, " \n\t", open},
		{"note is trimmed", open, "\n" + note1 + "\n\n", withNote},
		{"CRLF body", "a\r\n" + marker1 + "\r\n", "n", noteOpen + "\nn\n" + noteClose + "\n\na\r\n" + marker1 + "\r\n"},
		{"a note written with CRLF is removed with its blank line", noteOpen + "\r\nn\r\n" + noteClose + "\r\n\r\nbody", "", "body"},
		{"a quoted note is not ours", "> " + noteOpen + "\n> x\n> " + noteClose + "\n" + marker1, "", "> " + noteOpen + "\n> x\n> " + noteClose + "\n" + marker1},
		{"a fenced note is not ours", "```\n" + noteOpen + "\nx\n" + noteClose + "\n```\n" + marker1, "", "```\n" + noteOpen + "\nx\n" + noteClose + "\n```\n" + marker1},
		{"an open delimiter alone is not a note", noteOpen + "\n" + marker1, "", noteOpen + "\n" + marker1},
		{"a pair around our marker is not a note", noteOpen + "\n" + marker1 + "\n" + noteClose, "", noteOpen + "\n" + marker1 + "\n" + noteClose},
		{"nested pairs all go", noteOpen + "\n" + noteOpen + "\nx\n" + noteClose + "\n" + noteClose + "\n\n" + marker1, "", marker1},
		{"the note cannot hide what follows", "b", "x <!-- y\n```go\ncode", noteOpen + "\nx &lt;!-- y\n```go\ncode\n```\n" + noteClose + "\n\nb"},
		{"the note cannot forge delimiters", "b", noteClose, noteOpen + "\n&lt;!-- /mountguard-exception-note --&gt;\n" + noteClose + "\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SetException(tt.body, tt.note)
			if got != tt.want {
				t.Errorf("SetException =\n%q\nwant\n%q", got, tt.want)
			}
			if again := SetException(got, tt.note); again != got {
				t.Errorf("not idempotent:\n%q\nthen\n%q", got, again)
			}
		})
	}

	// With MarkFixed, in either order: the fixed note and the marker stay
	// as MarkFixed wrote them, and the exception note comes off cleanly.
	if got := SetException(SetException(fixed, note1), ""); got != fixed {
		t.Errorf("the fixed comment changed:\n%s", got)
	}
	fixedWithNote := MarkFixed(withNote, "3f9c2a1b7e4d5c6f8a9b0c1d2e3f4a5b6c7d8e9f")
	if m, ok := ParseMarker(fixedWithNote); !ok || m.FixedIn == "" {
		t.Fatalf("MarkFixed did not mark a comment with a note: %+v", m)
	}
	if got := SetException(fixedWithNote, ""); got != fixed {
		t.Errorf("removing the note from a fixed comment:\n%s\nwant\n%s", got, fixed)
	}
	if MarkFixed(SetException(fixed, note1), "abcdef1") != SetException(fixed, note1) {
		t.Errorf("MarkFixed is no longer idempotent with a note")
	}
	m, ok := ParseMarker(SetException(open, note1))
	if want, _ := ParseMarker(open); !ok || !slices.Equal(m.Fingerprints, want.Fingerprints) || m.FixedIn != "" {
		t.Errorf("the marker changed: %+v", m)
	}
}

// FuzzSetException: whatever the body and note, SetException is
// idempotent, never changes what ParseMarker reads, never leaves the note's
// text able to hide what follows, and removing a note it added restores a
// body that had none.
func FuzzSetException(f *testing.F) {
	f.Add(marker1, note1)
	f.Add(noteOpen+"\n"+noteOpen+"\nx\n"+noteClose+"\n"+noteClose+"\n", "")
	f.Add("```\n"+noteOpen+"\n```\n"+noteClose, "```")
	f.Add(MarkFixed(Render(cacheEntry(), Options{Source: []byte(source), ExceptionHelp: help}).Body, "abcdef1"), "<!-- x -->")
	f.Fuzz(func(t *testing.T, body, note string) {
		before, okBefore := ParseMarker(body)
		got := SetException(body, note)
		if again := SetException(got, note); again != got {
			t.Fatalf("not idempotent:\n%q\nthen\n%q", got, again)
		}
		after, okAfter := ParseMarker(got)
		if okBefore != okAfter || !slices.Equal(before.Fingerprints, after.Fingerprints) || before.FixedIn != after.FixedIn {
			t.Fatalf("the marker changed: %+v %v -> %+v %v", before, okBefore, after, okAfter)
		}
		if strings.TrimSpace(note) != "" {
			if !strings.HasPrefix(got, noteOpen+"\n") {
				t.Fatalf("the note is not first: %q", got)
			}
			// The closing delimiter must be where GitHub renders it as an
			// HTML comment: the note left no code block open.
			var fc mdsafe.Fences
			closed := false
			for l := range strings.Lines(got) {
				l = strings.TrimSuffix(l, "\n")
				if fc.Next(l) == mdsafe.PlainLine && l == noteClose {
					closed = true
					break
				}
			}
			if !closed {
				t.Fatalf("the note is not closed where it should be: %q", got)
			}
		}
		if removeNotes(body) == body {
			if back := SetException(got, ""); back != body {
				t.Fatalf("removing the note does not restore the body:\n%q\n%q", body, back)
			}
		}
	})
}
