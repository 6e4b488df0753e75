package comment

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/mdsafe"
)

// Marker is what an earlier comment's hidden marker says.
type Marker struct {
	Fingerprints []string
	// FixedIn is the commit in which the findings were found fixed; ""
	// while they are open.
	FixedIn string
}

// The marker is an HTML comment on a line of its own, holding JSON: GitHub
// does not show it, and JSON keeps it unambiguous whatever the
// fingerprints hold. Go's encoder writes <, > and & as \u escapes, so the
// JSON can never contain "-->".
const (
	markerPrefix  = "<!-- mountguard: "
	markerSuffix  = " -->"
	markerVersion = 1
)

type markerJSON struct {
	V            int      `json:"v"`
	Fingerprints []string `json:"fingerprints"`
	FixedIn      string   `json:"fixed_in"`
}

func markerLine(fps []string, fixedIn string) string {
	if fps == nil {
		fps = []string{}
	}
	b, err := json.Marshal(markerJSON{V: markerVersion, Fingerprints: fps, FixedIn: fixedIn})
	if err != nil {
		// Strings and a slice of strings always encode.
		panic(fmt.Sprintf("comment: encoding a marker: %v", err))
	}
	return markerPrefix + string(b) + markerSuffix
}

// String renders the marker as the line Render writes. The App ends a
// review body with one, so that a later run knows which findings the body
// already listed.
func (m Marker) String() string {
	fps := slices.Clone(m.Fingerprints)
	slices.Sort(fps)
	return markerLine(slices.Compact(fps), m.FixedIn)
}

// ParseMarker reads the marker of a comment body; ok is false when the body
// has none (it is not ours). Only a marker on a line of its own counts, and
// not inside a fenced code block or a quote: a person quoting or pasting
// one of our comments does not create a second marker. When several
// qualify, the last wins, as Render writes the marker last.
//
// A body anyone could have written can carry a marker too: callers must
// also check that the App wrote the comment.
func ParseMarker(body string) (Marker, bool) {
	m, _, _, ok := findMarker(body)
	return m, ok
}

// findMarker returns the marker and the byte range of its line, newline
// included.
func findMarker(body string) (m Marker, start, end int, ok bool) {
	var f mdsafe.Fences
	pos := 0
	for line := range strings.Lines(body) {
		lineStart := pos
		pos += len(line)
		text := strings.TrimSuffix(line, "\n")
		if f.Next(text) != mdsafe.PlainLine {
			continue
		}
		if mk, good := parseMarkerLine(text); good {
			m, start, end, ok = mk, lineStart, pos, true
		}
	}
	return m, start, end, ok
}

func parseMarkerLine(line string) (Marker, bool) {
	line = strings.TrimRight(line, " \t\r")
	if !strings.HasPrefix(line, markerPrefix) || !strings.HasSuffix(line, markerSuffix) ||
		len(line) < len(markerPrefix)+len(markerSuffix) {
		return Marker{}, false
	}
	var j markerJSON
	if err := json.Unmarshal([]byte(line[len(markerPrefix):len(line)-len(markerSuffix)]), &j); err != nil || j.V != markerVersion {
		return Marker{}, false
	}
	return Marker{Fingerprints: j.Fingerprints, FixedIn: j.FixedIn}, true
}

// MarkFixed returns the body of a comment whose findings are gone, saying
// that they were fixed in commit sha: the short SHA is shown (GitHub links
// it to the commit), the full one goes into the marker. The original text
// stays, collapsed, so the thread still reads as it did; its suggestion
// becomes plain code, as applying it now would be wrong. A body without our
// marker, or already marked fixed, is returned unchanged, which makes
// MarkFixed idempotent; so is one when sha is not a hexadecimal commit id,
// as nothing else could be shown or linked as one.
func MarkFixed(body, sha string) string {
	m, start, end, ok := findMarker(body)
	if !ok || m.FixedIn != "" || !isSHA(sha) {
		return body
	}
	original := strings.TrimSpace(body[:start] + body[end:])
	original = mdsafe.CloseFences(unsuggest(original))

	var b strings.Builder
	fmt.Fprintf(&b, "**Fixed** in %s: mountguard no longer finds this.\n\n", sha[:min(7, len(sha))])
	if original != "" {
		b.WriteString("<details>\n<summary>Original comment</summary>\n\n")
		b.WriteString(original)
		b.WriteString("\n\n</details>\n\n")
	}
	b.WriteString(markerLine(m.Fingerprints, sha) + "\n")
	return b.String()
}

// isSHA reports whether s is a commit id: SHA-1 or SHA-256 in hexadecimal,
// possibly abbreviated.
func isSHA(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unsuggest turns suggestion blocks into YAML code blocks.
func unsuggest(md string) string {
	var f mdsafe.Fences
	var b strings.Builder
	for line := range strings.Lines(md) {
		text := strings.TrimSuffix(line, "\n")
		if f.Next(text) == mdsafe.OpenLine {
			fence := f.Closing()
			head, info, _ := strings.Cut(strings.TrimRight(text, " \t\r"), fence)
			if strings.TrimSpace(info) == "suggestion" {
				line = head + fence + "yaml" + line[len(text):]
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// The exception note is delimited by two HTML comments, each on a line of
// its own: GitHub shows neither, and neither begins with markerPrefix, so
// ParseMarker, MarkFixed and the review planner never mistake them for our
// marker. Delimiting the note (rather than recognising its wording) lets a
// later run replace or remove it exactly, whatever it says.
const (
	noteOpen  = "<!-- mountguard-exception-note -->"
	noteClose = "<!-- /mountguard-exception-note -->"
)

// SetException returns body with its exception note set to note: the note
// says that a security lead excepted the comment's findings. An earlier
// note is replaced, wherever it is (MarkFixed may have folded it into the
// collapsed original); an empty note removes it and restores the body as
// it was before the note was added. The note goes first, where a reader
// sees it; the marker, and the fixed note of MarkFixed, are left exactly
// as they are. SetException is idempotent.
//
// The note is trusted markdown (the App writes it), but it can neither
// open an HTML comment nor leave a code block open, as either would hide
// what follows it, the marker included.
func SetException(body, note string) string {
	// Removing one note can join the lines around it into another pair of
	// delimiters (a hand-made body could nest them), so remove until none
	// is left; each pass shortens the body, so this ends.
	for {
		rest := removeNotes(body)
		if rest == body {
			break
		}
		body = rest
	}
	note = strings.TrimSpace(strings.NewReplacer("<!--", "&lt;!--", "-->", "--&gt;").Replace(note))
	if note == "" {
		return body
	}
	return noteOpen + "\n" + mdsafe.CloseFences(note) + "\n" + noteClose + "\n\n" + body
}

// removeNotes removes the exception notes of body, with the blank line
// SetException puts after one. Only delimiters on lines of their own that
// GitHub renders as top-level text count (not in a code block or a quote),
// and a pair that encloses a marker is not a note: our marker is never
// removed.
func removeNotes(body string) string {
	type span struct{ start, end int }
	var (
		notes []span
		f     mdsafe.Fences
		pos   int
		open  = -1
	)
	for line := range strings.Lines(body) {
		start := pos
		pos += len(line)
		text := strings.TrimSuffix(line, "\n")
		if f.Next(text) != mdsafe.PlainLine {
			continue
		}
		switch strings.TrimRight(text, " \t\r") {
		case noteOpen:
			open = start
		case noteClose:
			if open >= 0 {
				notes = append(notes, span{open, pos})
				open = -1
			}
		default:
			if _, ok := parseMarkerLine(text); ok {
				open = -1
			}
		}
	}
	if len(notes) == 0 {
		return body
	}
	var b strings.Builder
	last := 0
	for _, n := range notes {
		b.WriteString(body[last:n.start])
		last = n.end
		if rest := body[last:]; strings.HasPrefix(rest, "\n") {
			last++
		} else if strings.HasPrefix(rest, "\r\n") {
			last += 2
		}
	}
	b.WriteString(body[last:])
	return b.String()
}
