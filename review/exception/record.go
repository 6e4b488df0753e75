package exception

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

// Record is the audit trail of a pull request's exceptions, kept in one
// conversation comment of the App (the record comment) and read back from
// its hidden marker on every run. Entries are only ever appended or marked
// revoked, so the record keeps the whole history.
type Record struct {
	Entries []Entry `json:"entries"`
}

// Entry is one grant: an approver's exception label, and the blocking
// findings it covered when it was applied.
type Entry struct {
	// Label is the label as it was on the pull request.
	Label string `json:"label"`
	// Rule is the rule of an allow label; "" for the blanket label.
	Rule       string    `json:"rule"`
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
	// Findings are the blocking findings in the label's scope when it was
	// applied. The exception covers these fingerprints and no others.
	Findings []CoveredFinding `json:"findings"`
	// RevokedAt is when the entry was found revoked (its label gone);
	// zero while the entry is active. RevokedBy is who took the label
	// off, "" when no event said so.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// Active reports whether the entry still grants its exception.
func (e Entry) Active() bool { return e.RevokedAt.IsZero() }

// CoveredFinding is a finding as it was when an exception covered it.
type CoveredFinding struct {
	Fingerprint   string `json:"fingerprint"`
	Rule          string `json:"rule"`
	File          string `json:"file,omitempty"`
	Line          int    `json:"line,omitempty"`
	Service       string `json:"service,omitempty"`
	Message       string `json:"message,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// RecordHeading is the phrase the record comment's visible heading holds;
// `mountguard exceptions` searches pull request comments for it.
const RecordHeading = "mountguard exception record"

// The marker is an HTML comment on a line of its own holding JSON, like
// review/comment's, under its own prefix so that neither package ever
// reads the other's. Go's encoder writes <, > and & as \u escapes and
// newlines as \n, so the JSON, whatever the compose file put into a
// message or justification, is one line that cannot contain "-->".
const (
	recordPrefix  = "<!-- mountguard-exception-record: "
	recordSuffix  = " -->"
	recordVersion = 1
)

type recordJSON struct {
	V       int     `json:"v"`
	Entries []Entry `json:"entries"`
}

// ParseRecord reads the record from a comment body; ok is false when the
// body holds no valid record marker. Only a marker on a line of its own
// counts, not one in a fenced code block or a quote, so that someone
// quoting the record does not make a second one; when several qualify, the
// last wins, as RenderRecord writes it last. A body anyone could have
// written can carry a marker too: callers must also check that the App
// wrote the comment.
func ParseRecord(body string) (Record, bool) {
	rec, found, err := findRecord(body)
	if !found || err != nil {
		return Record{}, false
	}
	return rec, true
}

// errBadRecord says that a marker line of ours does not parse: the record
// was edited by hand, or written by a newer version.
var errBadRecord = errors.New("the exception record's marker cannot be read")

// findRecord returns the last valid record marker. found reports a line
// that looks like our marker; err is set when the last such line does not
// parse, so that a damaged record is not silently replaced by a new one.
func findRecord(body string) (rec Record, found bool, err error) {
	var f mdsafe.Fences
	for line := range strings.Lines(body) {
		text := strings.TrimRight(strings.TrimSuffix(line, "\n"), " \t\r")
		if !f.Plain(text) || !strings.HasPrefix(text, recordPrefix) {
			continue
		}
		found = true
		r, perr := parseRecordLine(text)
		if perr != nil {
			err = perr
			continue
		}
		rec, err = r, nil
	}
	return rec, found, err
}

func parseRecordLine(line string) (Record, error) {
	if !strings.HasSuffix(line, recordSuffix) || len(line) < len(recordPrefix)+len(recordSuffix) {
		return Record{}, errBadRecord
	}
	var j recordJSON
	if err := json.Unmarshal([]byte(line[len(recordPrefix):len(line)-len(recordSuffix)]), &j); err != nil {
		return Record{}, fmt.Errorf("%w: %v", errBadRecord, err)
	}
	if j.V != recordVersion {
		return Record{}, fmt.Errorf("%w: version %d, this mountguard reads version %d", errBadRecord, j.V, recordVersion)
	}
	return Record{Entries: j.Entries}, nil
}

// Size limits. GitHub refuses a comment over 65,536 characters; the record
// stays well under it. The marker gets most of the room, as it is the
// record; the visible text is shortened first.
const (
	maxBody          = 60_000
	maxMarker        = 44_000
	maxMessage       = 500 // runes of a message kept in the record
	maxJustification = 500 // runes of a justification kept in the record
)

// ErrRecordTooLarge is returned by RenderRecord when even a compacted
// record does not fit in a comment.
var ErrRecordTooLarge = errors.New("the exception record does not fit in a GitHub comment")

// RenderRecord renders the record comment: the visible audit trail (active
// exceptions with what each covers, the blocking findings left uncovered,
// the revoked exceptions), then the marker. blocking are the blocking
// findings of the head commit; they say which covered findings are fixed
// and which blocking findings no exception covers.
//
// When the marker would be too long, details are dropped from it, oldest
// and least needed first (messages, then justifications of revoked
// entries, ...); fingerprints, rules and approvals are never dropped. If
// those alone do not fit, RenderRecord fails rather than lose an approval.
func RenderRecord(rec Record, blocking []rules.Finding, webURL string) (string, error) {
	rec = normalize(rec)
	var marker string
	for level := 0; ; level++ {
		c, ok := compact(rec, level)
		if !ok {
			return "", fmt.Errorf("%w (%d entries)", ErrRecordTooLarge, len(rec.Entries))
		}
		b, err := json.Marshal(recordJSON{V: recordVersion, Entries: c.Entries})
		if err != nil {
			return "", fmt.Errorf("encoding the exception record: %w", err)
		}
		if len(b)+len(recordPrefix)+len(recordSuffix) <= maxMarker {
			rec, marker = c, recordPrefix+string(b)+recordSuffix
			break
		}
	}
	return renderVisible(rec, blocking, maxBody-len(marker)-1, webRoot(webURL)) + "\n" + marker + "\n", nil
}

// normalize writes times in UTC and never leaves a list nil, so that a
// record renders the same whether it was built or parsed.
func normalize(rec Record) Record {
	out := Record{Entries: make([]Entry, len(rec.Entries))}
	for i, e := range rec.Entries {
		e.ApprovedAt = e.ApprovedAt.UTC()
		if !e.RevokedAt.IsZero() {
			e.RevokedAt = e.RevokedAt.UTC()
		}
		e.Findings = slices.Clone(e.Findings)
		if e.Findings == nil {
			e.Findings = []CoveredFinding{}
		}
		out.Entries[i] = e
	}
	return out
}

// compact returns the record with the details of compaction level level
// dropped; ok is false past the last level.
func compact(rec Record, level int) (Record, bool) {
	steps := []struct {
		revokedOnly bool
		f           func(*CoveredFinding)
	}{
		{false, func(*CoveredFinding) {}},
		{true, func(c *CoveredFinding) { c.Message = "" }},
		{false, func(c *CoveredFinding) { c.Message = "" }},
		{true, func(c *CoveredFinding) { c.Justification = "" }},
		{false, func(c *CoveredFinding) { c.Justification = mdsafe.Truncate(c.Justification, 100) }},
		{true, func(c *CoveredFinding) { c.File, c.Line, c.Service = "", 0, "" }},
		{false, func(c *CoveredFinding) { c.Justification, c.Service = "", "" }},
	}
	if level >= len(steps) {
		return rec, false
	}
	out := normalize(rec)
	for _, st := range steps[:level+1] {
		for i := range out.Entries {
			if st.revokedOnly && out.Entries[i].Active() {
				continue
			}
			for j := range out.Entries[i].Findings {
				st.f(&out.Entries[i].Findings[j])
			}
		}
	}
	return out, true
}
