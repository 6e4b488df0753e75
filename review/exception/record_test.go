package exception

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

const marker1 = recordPrefix + `{"v":1,"entries":[{"label":"mountguard: exception","rule":"","approved_by":"alice","approved_at":"2025-03-04T10:01:00Z","findings":[{"fingerprint":"aa","rule":"docker-socket"}]}]}` + recordSuffix

func TestParseRecord(t *testing.T) {
	other := recordPrefix + `{"v":1,"entries":[]}` + recordSuffix
	tests := []struct {
		name    string
		body    string
		ok      bool
		entries int
	}{
		{"alone", marker1, true, 1},
		{"after text", "## " + RecordHeading + "\n\ntext\n\n" + marker1 + "\n", true, 1},
		{"CRLF and trailing spaces", "text\r\n" + marker1 + "  \r\n", true, 1},
		{"the last wins", marker1 + "\n" + other, true, 0},
		{"after a closed fence", "```\ncode\n```\n" + marker1, true, 1},
		{"a quoted one after ours", marker1 + "\n> " + other, true, 1},
		{"unknown fields are ignored", recordPrefix + `{"v":1,"entries":[],"x":1}` + recordSuffix, true, 0},
		{"null entries", recordPrefix + `{"v":1,"entries":null}` + recordSuffix, true, 0},

		{"empty", "", false, 0},
		{"quoted", "> " + marker1, false, 0},
		{"in a fence", "```\n" + marker1 + "\n```", false, 0},
		{"in an unclosed fence", "~~~\n" + marker1, false, 0},
		{"indented", "    " + marker1, false, 0},
		{"inside a line", "see " + marker1, false, 0},
		{"wrong version", recordPrefix + `{"v":2,"entries":[]}` + recordSuffix, false, 0},
		{"no version", recordPrefix + `{"entries":[]}` + recordSuffix, false, 0},
		{"bad JSON", recordPrefix + `{"v":1,"entries":[` + recordSuffix, false, 0},
		{"wrong types", recordPrefix + `{"v":1,"entries":{}}` + recordSuffix, false, 0},
		{"prefix only", recordPrefix + recordSuffix, false, 0},
		{"a review comment's marker", comment.Marker{Fingerprints: []string{"aa"}}.String(), false, 0},
		{"a later broken one spoils it", marker1 + "\n" + recordPrefix + "{" + recordSuffix, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := ParseRecord(tt.body)
			if ok != tt.ok || len(rec.Entries) != tt.entries {
				t.Errorf("ParseRecord = %+v, %v; want %d entries, %v", rec, ok, tt.entries, tt.ok)
			}
		})
	}
}

// TestRecordRoundTrip: what RenderRecord writes, ParseRecord reads back,
// and neither reads the other package's markers.
func TestRecordRoundTrip(t *testing.T) {
	h := hostileFinding()
	rec := Record{Entries: []Entry{
		{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(1).In(time.FixedZone("CET", 3600)), Findings: inScope([]rules.Finding{sockWeb, h}, ""),
			RevokedAt: clock(2), RevokedBy: "carol"},
		{Label: allowSock, Rule: rules.DockerSocket, ApprovedBy: "alice", ApprovedAt: clock(3), Findings: inScope([]rules.Finding{sockWeb, h, privCI}, rules.DockerSocket)},
	}}
	body, err := RenderRecord(rec, []rules.Finding{sockWeb}, "")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := ParseRecord(body)
	if !ok || len(got.Entries) != 2 {
		t.Fatalf("ParseRecord = %+v, %v", got, ok)
	}
	if e := got.Entries[0]; !e.ApprovedAt.Equal(clock(1)) || e.Active() || e.RevokedBy != "carol" || len(e.Findings) != 2 {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := got.Entries[1]; !e.Active() || e.Rule != rules.DockerSocket || len(e.Findings) != 2 || e.Findings[1].Justification != h.Justification || e.Findings[1].File != h.Loc.File {
		t.Errorf("entry 1 = %+v", e)
	}
	if _, ok := comment.ParseMarker(body); ok {
		t.Errorf("the record reads as a review comment")
	}
	if !strings.HasPrefix(body, "## "+RecordHeading+"\n") {
		t.Errorf("heading: %q", body[:40])
	}
	again, err := RenderRecord(got, []rules.Finding{sockWeb}, "")
	if err != nil || again != body {
		t.Errorf("rendering the parsed record differs (%v):\n%s\n---\n%s", err, again, body)
	}
}

// TestRecordSize: a record with very many findings is compacted to fit in
// a comment, keeping every fingerprint; one that cannot fit fails.
func TestRecordSize(t *testing.T) {
	long := strings.Repeat("x", 600)
	entry := func(n, from int, revoked bool) Entry {
		e := Entry{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(from)}
		for i := range n {
			e.Findings = append(e.Findings, CoveredFinding{Fingerprint: fmt.Sprintf("%020d", from*1000+i), Rule: rules.DockerSocket,
				File: "compose.yaml", Line: i + 1, Service: "svc", Message: mdsafe.Truncate(long, maxMessage), Justification: mdsafe.Truncate(long, maxJustification)})
		}
		if revoked {
			e.RevokedAt = clock(from + 1)
		}
		return e
	}
	rec := Record{Entries: []Entry{entry(60, 1, true), entry(60, 3, false)}}
	body, err := RenderRecord(rec, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 65536 {
		t.Fatalf("body of %d bytes", len(body))
	}
	got, ok := ParseRecord(body)
	if !ok || len(got.Entries) != 2 || len(got.Entries[1].Findings) != 60 || got.Entries[1].Findings[59].Fingerprint != rec.Entries[1].Findings[59].Fingerprint {
		t.Fatalf("compacted record lost findings: %v", ok)
	}
	if got.Entries[0].Findings[0].Message != "" || got.Entries[1].Findings[0].Justification == "" {
		t.Errorf("compaction dropped the wrong details: %+v", got.Entries[1].Findings[0])
	}

	huge := Record{Entries: []Entry{entry(5000, 1, false)}}
	if _, err := RenderRecord(huge, nil, ""); !errors.Is(err, ErrRecordTooLarge) {
		t.Errorf("err = %v, want ErrRecordTooLarge", err)
	}
}

func TestLabelSpecs(t *testing.T) {
	s := defaults()
	got := LabelSpecs(s, rules.Privileged, rules.DockerSocket, rules.Privileged, "no-such-rule")
	var names []string
	for _, l := range got {
		names = append(names, l.Name)
		if len(l.Color) != 6 || l.Description == "" {
			t.Errorf("spec %+v", l)
		}
	}
	want := []string{blanket, needs, "mountguard: allow docker-socket", "mountguard: allow privileged"}
	if !slices.Equal(names, want) {
		t.Errorf("LabelSpecs = %v, want %v", names, want)
	}
	s.Allow.Name = strings.Repeat("a", 40)
	if got := LabelSpecs(s, rules.SharedWritableVolume); len(got) != 2 {
		t.Errorf("a name over 50 characters: %+v", got)
	}
}

func TestClassify(t *testing.T) {
	s := defaults()
	tests := []struct {
		label string
		kind  labelKind
		rule  string
	}{
		{"mountguard: exception", blanketLabel, ""},
		{"MOUNTGUARD: EXCEPTION", blanketLabel, ""},
		{"mountguard: allow docker-socket", allowLabel, rules.DockerSocket},
		{"mountguard: allow Privileged", allowLabel, rules.Privileged},
		{"mountguard: allow ", otherLabel, ""},
		{"mountguard: allow nothing", unknownAllow, ""},
		{"mountguard: needs review", needsReview, ""},
		{"bug", otherLabel, ""},
		{"", otherLabel, ""},
	}
	for _, tt := range tests {
		if kind, rule := classify(tt.label, s); kind != tt.kind || rule != tt.rule {
			t.Errorf("classify(%q) = %v %q, want %v %q", tt.label, kind, rule, tt.kind, tt.rule)
		}
	}
	// A prefix that overlaps the other labels does not capture them.
	s.Allow.Name = "mountguard: "
	if kind, _ := classify("mountguard: exception", s); kind != blanketLabel {
		t.Errorf("the blanket label became %v", kind)
	}
	if kind, rule := classify("mountguard: privileged", s); kind != allowLabel || rule != rules.Privileged {
		t.Errorf("got %v %q", kind, rule)
	}
}

func TestWhoMayApprove(t *testing.T) {
	s := defaults()
	for role, want := range map[string]string{
		"admin":    "anyone with the **admin** role on this repository",
		"maintain": "anyone with the **maintain** or **admin** role on this repository",
		"write":    "anyone with the **write**, **maintain** or **admin** role on this repository",
		"read":     "anyone with a role on this repository (read or higher)",
	} {
		s.MinRole = role
		if got := whoMayApprove(s, DefaultWebURL); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %q", role, got)
		}
	}
	s.MinRole = "owner"
	s.Users = []string{"@alice", "x<y"}
	s.Teams = []string{"acme/sec", "acme/ops"}
	got := whoMayApprove(s, DefaultWebURL)
	want := []string{"the users [alice](https://github.com/alice) and `x<y`",
		"members of the teams [acme/sec](https://github.com/orgs/acme/teams/sec) and [acme/ops](https://github.com/orgs/acme/teams/ops)"}
	if !slices.Equal(got, want) {
		t.Errorf("whoMayApprove = %q", got)
	}
}

// TestNoteGolden is an inline comment with its exception note.
func TestNoteGolden(t *testing.T) {
	body := "**Error** · [Container runtime socket mounted](" + rules.DocURL(rules.DockerSocket) + ") (`docker-socket`)\n" +
		"service \"web\" mounts the Docker API socket.\n\n" + comment.Marker{Fingerprints: fps(sockWeb)}.String() + "\n"
	one := comment.SetException(body, renderNote([]Approval{{Label: allowSock, ApprovedBy: "alice", ApprovedAt: clock(1)}}, DefaultWebURL))
	two := comment.SetException(one, renderNote([]Approval{{Label: allowSock, ApprovedBy: "alice", ApprovedAt: clock(1)}, {Label: blanket, ApprovedBy: "carol", ApprovedAt: clock(2)}}, DefaultWebURL))
	golden(t, "note", one+"\n=== two approvals ===\n\n"+two)
	if comment.SetException(two, "") != body {
		t.Errorf("removing the note does not restore the body")
	}
}

// On GitHub Enterprise Server the links must reach the instance's own
// users and teams, not github.com's namesakes.
func TestLinksFollowTheInstance(t *testing.T) {
	s := defaults()
	s.MinRole = "owner"
	s.Users = []string{"alice"}
	s.Teams = []string{"acme/sec"}
	for _, root := range []string{"https://ghe.example.com", "https://ghe.example.com/"} {
		got := whoMayApprove(s, webRoot(root))
		want := []string{"the user [alice](https://ghe.example.com/alice)",
			"members of the team [acme/sec](https://ghe.example.com/orgs/acme/teams/sec)"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: whoMayApprove = %q", root, got)
		}
	}
	body, err := RenderRecord(Record{Entries: []Entry{{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(1)}}}, nil, "https://ghe.example.com/")
	if err != nil || !strings.Contains(body, "[alice](https://ghe.example.com/alice)") || strings.Contains(body, "https://github.com/alice") {
		t.Errorf("record on GHES links elsewhere (err %v):\n%s", err, body)
	}
}
