package exception

import (
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/rules"
)

// FuzzParseRecord feeds arbitrary bodies to ParseRecord. It must not
// panic; a record it reads must render into a body that reads back as the
// same record (rendering it again changes nothing), whose marker is its
// last line and the only line that starts like one, and that no one can
// take for a review comment.
func FuzzParseRecord(f *testing.F) {
	f.Add(marker1)
	f.Add("> " + marker1)
	f.Add("```\n" + marker1 + "\n```\n" + marker1)
	f.Add(recordPrefix + `{"v":1,"entries":[{"label":"` + "x`<!--" + `","approved_by":"@a","approved_at":"2025-03-04T10:01:00+05:00","findings":null,"revoked_at":"0001-01-01T00:00:00Z"}]}` + recordSuffix)
	f.Add(recordPrefix + `{"v":1,"entries":[{"label":"l","rule":"privileged","findings":[{"fingerprint":"f","rule":"r","file":"a\n# b","line":-1,"service":"-->","justification":"` + "```" + `"}]}]}` + recordSuffix)
	f.Add(recordPrefix + `{"v":1,"entries":[{"approved_at":"9999-12-31T23:59:59Z"}]}` + recordSuffix)
	if body, err := RenderRecord(Record{Entries: []Entry{{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(1), Findings: inScope([]rules.Finding{sockWeb, hostileFinding()}, "")}}}, nil, ""); err == nil {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec, ok := ParseRecord(body)
		if !ok {
			return
		}
		out, err := RenderRecord(rec, []rules.Finding{sockWeb}, "")
		if err != nil {
			return // too large: nothing is written
		}
		rec2, ok := ParseRecord(out)
		if !ok || len(rec2.Entries) != len(rec.Entries) {
			t.Fatalf("the rendered record does not read back:\n%s", out)
		}
		if again, err := RenderRecord(rec2, []rules.Finding{sockWeb}, ""); err != nil || again != out {
			t.Fatalf("rendering is not stable (%v):\n%s\n---\n%s", err, out, again)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimLeft(l, " >"), "<!--") != (i == len(lines)-1) {
				t.Fatalf("line %d %q", i, l)
			}
		}
		if _, ok := comment.ParseMarker(out); ok {
			t.Fatalf("the record reads as a review comment")
		}
		if len(out) > 65536 {
			t.Fatalf("%d bytes", len(out))
		}
	})
}
