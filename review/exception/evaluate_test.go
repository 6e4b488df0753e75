package exception

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/pullreq"
	"github.com/mountguard/mountguard/review/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	blanket   = "mountguard: exception"
	allowSock = "mountguard: allow docker-socket"
	needs     = "mountguard: needs review"
)

var pr = pullreq.PullRequest{Repo: pullreq.Repo{Owner: "acme", Name: "shop"}, Number: 7,
	HeadSHA: "3f9c2a1b7e4d5c6f8a9b0c1d2e3f4a5b6c7d8e9f", BaseSHA: "0123456789abcdef0123456789abcdef01234567", BaseRef: "main"}

// clock is the time of a test's minute m.
func clock(m int) time.Time {
	return time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
}

func defaults() config.ExceptionSettings { return config.Default().ExceptionSettings() }

// finding fills in what the engine would: title, fingerprint.
func finding(rule, service string, line int, target, source, message, justification string) rules.Finding {
	r, _ := rules.Lookup(rule)
	f := rules.Finding{Rule: rule, Severity: rules.Error, Title: r.Title, Service: service,
		Loc: compose.Loc{File: "compose.yaml", Line: line, Column: 9, EndLine: line}, Target: target, Source: source,
		Message: message, Justification: justification}
	f.Fingerprint = rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return f
}

var (
	sockWeb = finding(rules.DockerSocket, "web", 7, "/var/run/docker.sock", "/var/run/docker.sock",
		`service "web" mounts the Docker API socket /var/run/docker.sock at /var/run/docker.sock: whoever controls the container controls the container runtime.`,
		"the CI agent starts sibling containers; approved in SEC-42")
	privCI = finding(rules.Privileged, "ci", 20, "privileged", "true",
		`service "ci" runs privileged: it has every capability and every device of the host.`, "")
	// sockWorker arrives after the approvals in the scoping tests.
	sockWorker = finding(rules.DockerSocket, "worker", 31, "/run/docker.sock", "/run/docker.sock",
		`service "worker" mounts the Docker API socket /run/docker.sock at /run/docker.sock: whoever controls the container controls the container runtime.`, "")
)

// eval runs Evaluate at minute m with the default settings changed by mod.
func eval(t *testing.T, g *fakeGH, m int, blocking []rules.Finding, opts Options) *Outcome {
	t.Helper()
	out, err := evalErr(g, m, blocking, opts)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return out
}

func evalErr(g *fakeGH, m int, blocking []rules.Finding, opts Options) (*Outcome, error) {
	if opts.Settings.Label.Name == "" {
		opts.Settings = defaults()
	}
	opts.Now = func() time.Time { return clock(m) }
	g.calls = nil
	return Evaluate(context.Background(), g, pr, blocking, opts)
}

func labeled(label, sender string) Options {
	return Options{Trigger: Trigger{Action: "labeled", Label: label, Sender: sender}}
}

func unlabeled(label, sender string) Options {
	return Options{Trigger: Trigger{Action: "unlabeled", Label: label, Sender: sender}}
}

func fps(fs ...rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Fingerprint)
	}
	slices.Sort(out)
	return out
}

func coveredFPs(out *Outcome) []string {
	var got []string
	for fp := range out.Covered {
		got = append(got, fp)
	}
	slices.Sort(got)
	return got
}

// record is the one record on the pull request.
func record(t *testing.T, g *fakeGH) (Record, IssueComment) {
	t.Helper()
	recs := g.records()
	if len(recs) != 1 {
		t.Fatalf("%d record comments, want 1", len(recs))
	}
	r, _ := ParseRecord(recs[0].Body)
	return r, recs[0]
}

func TestApprovers(t *testing.T) {
	tests := []struct {
		name       string
		mod        func(*config.ExceptionSettings)
		role       string
		teams      map[string][]string
		approver   bool
		permission int // calls
		teamCalls  int
	}{
		{"maintain role", nil, "maintain", nil, true, 1, 0},
		{"admin role", nil, "admin", nil, true, 1, 0},
		{"write role is below maintain", nil, "write", nil, false, 1, 0},
		{"no role", nil, "", nil, false, 1, 0},
		{"min_role write", func(s *config.ExceptionSettings) { s.MinRole = "write" }, "write", nil, true, 1, 0},
		{"custom role counts as read", func(s *config.ExceptionSettings) { s.MinRole = "triage" }, "security-auditor", nil, false, 1, 0},
		{"custom role passes min_role read", func(s *config.ExceptionSettings) { s.MinRole = "read" }, "security-auditor", nil, true, 1, 0},
		{"a role name must match exactly", func(s *config.ExceptionSettings) { s.MinRole = "write" }, "Admin", nil, false, 1, 0},
		{"listed user, any case, no request", func(s *config.ExceptionSettings) { s.Users = []string{"carol", "Alice"} }, "read", nil, true, 0, 0},
		{"team member", func(s *config.ExceptionSettings) { s.Teams = []string{"acme/platform", "acme/security"} }, "triage",
			map[string][]string{"acme/security": {"ALICE"}}, true, 1, 2},
		{"not a team member", func(s *config.ExceptionSettings) { s.Teams = []string{"acme/security"} }, "triage",
			map[string][]string{"acme/security": {"carol"}}, false, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFake()
			g.roles["alice"] = tt.role
			if tt.teams != nil {
				g.teams = tt.teams
			}
			g.label(blanket, "alice", 1)
			opts := labeled(blanket, "alice")
			opts.Settings = defaults()
			if tt.mod != nil {
				tt.mod(&opts.Settings)
			}
			opts.Settings.RemoveUnauthorized = false
			out := eval(t, g, 1, []rules.Finding{sockWeb, privCI}, opts)
			if got := len(out.Covered) == 2; got != tt.approver {
				t.Fatalf("covered %v, want approver %v (outcome %+v)", coveredFPs(out), tt.approver, out)
			}
			if got := g.count("Permission"); got != tt.permission {
				t.Errorf("Permission called %d times, want %d", got, tt.permission)
			}
			if got := g.count("TeamMember"); got != tt.teamCalls {
				t.Errorf("TeamMember called %d times, want %d", got, tt.teamCalls)
			}
			if g.count("LabelEvents") != 0 {
				t.Errorf("LabelEvents called on the label's own event")
			}
			if tt.approver {
				if out.NeedsReview || len(out.Rejected) != 0 || len(out.Active) != 1 || out.Active[0].ApprovedBy != "alice" || !out.Active[0].ApprovedAt.Equal(clock(1)) {
					t.Errorf("outcome %+v", out)
				}
				if a := out.Covered[sockWeb.Fingerprint]; a != (Approval{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(1)}) {
					t.Errorf("approval %+v", a)
				}
			} else if len(out.Rejected) != 1 || !out.NeedsReview || len(out.Active) != 0 || len(g.records()) != 0 {
				t.Errorf("outcome %+v, %d records", out, len(g.records()))
			}
		})
	}
}

func TestRoleRank(t *testing.T) {
	for role, want := range map[string]int{"": -1, "none": -1, "read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4, "custom-auditor": 0, "ADMIN": 0} {
		if got := roleRank(role); got != want {
			t.Errorf("roleRank(%q) = %d, want %d", role, got, want)
		}
	}
}

// TestApproverCache: one login met on two labels is checked once.
func TestApproverCache(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	g.label(allowSock, "Alice", 2)
	out := eval(t, g, 3, []rules.Finding{sockWeb, privCI}, Options{})
	if len(out.Active) != 2 || g.count("Permission") != 1 || g.count("LabelEvents") != 1 {
		t.Errorf("%d active, calls %v", len(out.Active), g.calls)
	}
}

func TestNonApprover(t *testing.T) {
	for _, remove := range []bool{true, false} {
		t.Run(map[bool]string{true: "label removed", false: "label kept"}[remove], func(t *testing.T) {
			g := newFake()
			g.roles["bob"] = "write"
			g.label(blanket, "bob", 1)
			opts := labeled(blanket, "bob")
			opts.Settings = defaults()
			opts.Settings.RemoveUnauthorized = remove
			out := eval(t, g, 1, []rules.Finding{sockWeb}, opts)

			if len(out.Covered) != 0 || len(out.Uncovered) != 1 || !out.NeedsReview || len(out.Active) != 0 {
				t.Errorf("something was excepted: %+v", out)
			}
			want := Rejection{Label: blanket, AppliedBy: "bob", Reason: NotApprover, Commented: true, Removed: remove}
			if len(out.Rejected) != 1 || !reflect.DeepEqual(out.Rejected[0], want) {
				t.Errorf("Rejected = %+v, want %+v", out.Rejected, want)
			}
			if len(g.comments) != 1 || len(g.records()) != 0 {
				t.Fatalf("want one comment and no record, got %+v", g.comments)
			}
			if !strings.Contains(g.comments[0].Body, "@bob") || !strings.Contains(g.comments[0].Body, "`"+blanket+"`") {
				t.Errorf("the comment does not name who and what:\n%s", g.comments[0].Body)
			}
			if got := slices.Contains(g.labels, blanket); got == remove {
				t.Errorf("label on the pull request: %v, labels %v", got, g.labels)
			}
			if !slices.Contains(g.labels, needs) {
				t.Errorf("needs review not applied: %v", g.labels)
			}

			// A later push: the label (if still there) is ignored, silently.
			opts = Options{Settings: opts.Settings}
			out = eval(t, g, 5, []rules.Finding{sockWeb, privCI}, opts)
			if len(g.comments) != 1 || g.count("CreateIssueComment") != 0 {
				t.Errorf("a second comment: %+v", g.comments)
			}
			if len(out.Covered) != 0 || !out.NeedsReview {
				t.Errorf("something was excepted: %+v", out)
			}
			if !remove && (len(out.Rejected) != 1 || !reflect.DeepEqual(out.Rejected[0], Rejection{Label: blanket, AppliedBy: "bob", Reason: NotApprover})) {
				t.Errorf("Rejected = %+v", out.Rejected)
			}
			if g.count("RemoveLabel") != 0 {
				t.Errorf("a label was removed on a later run: %v", g.calls)
			}
		})
	}
}

// TestUnknownApplier: an exception label with no labeled event (applied
// while the events API lagged) counts for nothing, and no one is blamed.
func TestUnknownApplier(t *testing.T) {
	g := newFake()
	g.labels = []string{blanket}
	out := eval(t, g, 1, []rules.Finding{sockWeb}, Options{})
	if len(out.Covered) != 0 || len(out.Rejected) != 1 || out.Rejected[0].AppliedBy != "" || out.Rejected[0].Reason != UnknownApplier || g.count("CreateIssueComment") != 0 || g.count("Permission") != 0 {
		t.Errorf("outcome %+v, calls %v", out, g.calls)
	}
}

func TestScoping(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "maintain"
	g.label(blanket, "alice", 1)
	out := eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled(blanket, "alice"))
	if len(out.Covered) != 2 || out.NeedsReview {
		t.Fatalf("first run: %+v", out)
	}
	_, first := record(t, g)

	// A push adds a docker-socket mount: same rule, not covered.
	out = eval(t, g, 30, []rules.Finding{sockWeb, privCI, sockWorker}, Options{})
	if !slices.Equal(coveredFPs(out), fps(sockWeb, privCI)) || len(out.Uncovered) != 1 || out.Uncovered[0].Fingerprint != sockWorker.Fingerprint {
		t.Errorf("covered %v, uncovered %+v", coveredFPs(out), out.Uncovered)
	}
	if !out.NeedsReview || !slices.Contains(g.labels, needs) {
		t.Errorf("NeedsReview %v, labels %v", out.NeedsReview, g.labels)
	}
	if g.count("Permission") != 0 || g.count("LabelEvents") != 0 {
		t.Errorf("an active grant was checked again: %v", g.calls)
	}
	rec, c := record(t, g)
	if c.ID != first.ID || g.count("EditIssueComment") != 1 || g.count("CreateIssueComment") != 0 {
		t.Errorf("record comment %d (first %d), calls %v", c.ID, first.ID, g.calls)
	}
	if len(rec.Entries) != 1 || len(rec.Entries[0].Findings) != 2 {
		t.Errorf("the grant changed: %+v", rec)
	}
	_, notCovered, ok := strings.Cut(c.Body, "### Not covered (1)")
	if !ok || !strings.Contains(notCovered, "`compose.yaml:31`") || !strings.Contains(notCovered, "added or changed after `"+blanket+"` was approved on 2025-03-04 10:01 UTC") {
		t.Errorf("the record does not list the new finding as not covered:\n%s", c.Body)
	}

	// The same state again: nothing to edit.
	eval(t, g, 31, []rules.Finding{sockWeb, privCI, sockWorker}, Options{})
	if g.count("EditIssueComment") != 0 || g.count("CreateIssueComment") != 0 || g.count("AddLabels") != 0 {
		t.Errorf("an unchanged state was written again: %v", g.calls)
	}
}

func TestRevokeAndReapply(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb}, labeled(blanket, "alice"))

	g.unlabel(blanket, "carol", 10)
	opts := unlabeled(blanket, "carol")
	opts.Labels, opts.LabelsKnown = slices.Clone(g.labels), true
	out := eval(t, g, 10, []rules.Finding{sockWeb}, opts)
	if len(out.Covered) != 0 || !out.NeedsReview || len(out.Active) != 0 || len(out.Revoked) != 1 {
		t.Errorf("after removal: %+v", out)
	}
	if g.count("IssueLabels") != 0 || g.count("LabelEvents") != 0 {
		t.Errorf("calls %v", g.calls)
	}
	rec, c := record(t, g)
	if len(rec.Entries) != 1 || rec.Entries[0].Active() || rec.Entries[0].RevokedBy != "carol" || !rec.Entries[0].RevokedAt.Equal(clock(10)) {
		t.Errorf("record %+v", rec)
	}
	if !strings.Contains(c.Body, "### Revoked (1)") || !strings.Contains(c.Body, "### In effect (0)") {
		t.Errorf("record body:\n%s", c.Body)
	}

	// Re-applied after a push: a new grant, of the findings of that moment.
	g.label(blanket, "alice", 20)
	out = eval(t, g, 20, []rules.Finding{sockWeb, sockWorker}, labeled(blanket, "alice"))
	if len(out.Covered) != 2 || out.NeedsReview || slices.Contains(g.labels, needs) {
		t.Errorf("after re-applying: %+v, labels %v", out, g.labels)
	}
	rec, _ = record(t, g)
	if len(rec.Entries) != 2 || rec.Entries[0].Active() || !rec.Entries[1].Active() || len(rec.Entries[1].Findings) != 2 || !rec.Entries[1].ApprovedAt.Equal(clock(20)) {
		t.Errorf("record %+v", rec)
	}
}

// TestMissedUnlabeled: a grant whose label went away without an event this
// run saw is revoked on the next run that reads the record, and the issue
// events say by whom.
func TestMissedUnlabeled(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled(blanket, "alice"))
	g.unlabel(blanket, "dave", 5)
	g.label(allowSock, "alice", 6)
	out := eval(t, g, 7, []rules.Finding{sockWeb, privCI}, Options{})
	rec, _ := record(t, g)
	if len(rec.Entries) != 2 || rec.Entries[0].RevokedBy != "dave" || !rec.Entries[0].RevokedAt.Equal(clock(5)) || rec.Entries[1].Label != allowSock {
		t.Errorf("record %+v", rec)
	}
	if !slices.Equal(coveredFPs(out), fps(sockWeb)) || g.count("LabelEvents") != 1 {
		t.Errorf("covered %v, calls %v", coveredFPs(out), g.calls)
	}
}

func TestAllowLabel(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	// Label names are compared without regard to case, as GitHub does.
	g.label("Mountguard: Allow Docker-Socket", "alice", 1)
	out := eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled("Mountguard: Allow Docker-Socket", "alice"))
	if !slices.Equal(coveredFPs(out), fps(sockWeb)) || len(out.Uncovered) != 1 || out.Uncovered[0].Rule != rules.Privileged || !out.NeedsReview {
		t.Errorf("covered %v, uncovered %+v", coveredFPs(out), out.Uncovered)
	}
	if len(out.Active) != 1 || out.Active[0].Rule != rules.DockerSocket {
		t.Errorf("active %+v", out.Active)
	}
}

func TestUnknownRule(t *testing.T) {
	g := newFake()
	g.label("mountguard: allow no-such-rule", "alice", 1)
	g.labels = append(g.labels, "bug")
	opts := Options{Labels: slices.Clone(g.labels), LabelsKnown: true, LabelsEnsured: true, Fresh: true}
	out := eval(t, g, 1, []rules.Finding{sockWeb}, opts)
	if !slices.Equal(out.UnknownRules, []string{"mountguard: allow no-such-rule"}) || len(out.Covered) != 0 {
		t.Errorf("outcome %+v", out)
	}
	if !slices.Equal(g.calls, []string{"AddLabels"}) {
		t.Errorf("calls %v, want only AddLabels", g.calls)
	}
}

func TestNeedsReviewLabel(t *testing.T) {
	tests := []struct {
		name      string
		labels    []string
		blocking  []rules.Finding
		ensured   bool
		wantCalls []string
		wantLabel bool
		ensuredBy bool
	}{
		{"added, labels created first", nil, []rules.Finding{sockWeb}, false, []string{"EnsureLabels", "AddLabels"}, true, true},
		{"added, labels already created", nil, []rules.Finding{sockWeb}, true, []string{"AddLabels"}, true, false},
		{"already there", []string{needs}, []rules.Finding{sockWeb}, false, nil, true, false},
		{"removed when nothing blocks", []string{"Mountguard: Needs Review"}, nil, false, []string{"RemoveLabel"}, false, false},
		{"absent and nothing blocks", nil, nil, false, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFake()
			g.labels = slices.Clone(tt.labels)
			// Fresh: these cases are about the label, not the record.
			out := eval(t, g, 1, tt.blocking, Options{Labels: tt.labels, LabelsKnown: true, LabelsEnsured: tt.ensured, Fresh: true})
			if !slices.Equal(g.calls, tt.wantCalls) {
				t.Errorf("calls %v, want %v", g.calls, tt.wantCalls)
			}
			if got := slices.ContainsFunc(g.labels, func(l string) bool { return strings.EqualFold(l, needs) }); got != tt.wantLabel {
				t.Errorf("labels %v", g.labels)
			}
			if out.LabelsEnsured != tt.ensuredBy || out.NeedsReview != (len(tt.blocking) > 0) {
				t.Errorf("outcome %+v", out)
			}
			if tt.ensuredBy {
				want := []string{blanket, needs, allowSock}
				var got []string
				for _, l := range g.repoLabels {
					got = append(got, l.Name)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("labels created %v, want %v", got, want)
				}
			}
		})
	}
}

// TestRemovedWhenCovered: an approval takes "needs review" off.
func TestRemovedWhenCovered(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	eval(t, g, 0, []rules.Finding{sockWeb}, Options{})
	if !slices.Contains(g.labels, needs) {
		t.Fatalf("labels %v", g.labels)
	}
	g.label(blanket, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb}, labeled(blanket, "alice"))
	if slices.Contains(g.labels, needs) || g.count("RemoveLabel") != 1 {
		t.Errorf("labels %v, calls %v", g.labels, g.calls)
	}
}

// TestMinimalCalls: without an exception label involved, the run reads
// nothing but the labels, and not even those when the payload had them.
func TestMinimalCalls(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		labels []string
		want   []string
	}{
		{"labels known", Options{Labels: []string{"bug", needs}, LabelsKnown: true}, []string{"bug", needs}, nil},
		{"labels read", Options{}, []string{"bug", needs}, []string{"IssueLabels"}},
		{"labeled with another label", Options{Trigger: Trigger{Action: "labeled", Label: "bug", Sender: "bob"}, Labels: []string{"bug", needs}, LabelsKnown: true}, []string{"bug", needs}, nil},
		{"the App's own needs-review label", Options{Trigger: Trigger{Action: "labeled", Label: needs, Sender: "mountguard[bot]"}, Labels: []string{needs}, LabelsKnown: true}, []string{needs}, nil},
		{"unlabeled another label", Options{Trigger: Trigger{Action: "unlabeled", Label: "bug", Sender: "bob"}, Labels: []string{needs}, LabelsKnown: true}, []string{needs}, nil},
		{"labeled with an unknown allow label", Options{Trigger: Trigger{Action: "unlabeled", Label: "mountguard: allow nothing", Sender: "bob"}, Labels: []string{needs}, LabelsKnown: true}, []string{needs}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFake()
			g.labels = tt.labels
			opts := tt.opts
			opts.Fresh = true // a fresh pull request cannot have a record to read
			out := eval(t, g, 1, []rules.Finding{sockWeb}, opts)
			if !slices.Equal(g.calls, tt.want) || !out.NeedsReview {
				t.Errorf("calls %v, want %v", g.calls, tt.want)
			}
		})
	}

	// An exception label's unlabeled event reads the record (to revoke),
	// but with no record there is nothing more to read or write.
	g := newFake()
	g.labels = []string{needs}
	eval(t, g, 1, []rules.Finding{sockWeb}, Options{Trigger: Trigger{Action: "unlabeled", Label: blanket, Sender: "bob"}, Labels: []string{needs}, LabelsKnown: true})
	if !slices.Equal(g.calls, []string{"IssueComments"}) {
		t.Errorf("calls %v", g.calls)
	}
}

func TestInlineNotes(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	sockBody := "**Error** · docker socket\n\n" + comment.Marker{Fingerprints: fps(sockWeb)}.String() + "\n"
	privBody := "**Error** · privileged\n\n" + comment.Marker{Fingerprints: fps(privCI)}.String() + "\n"
	fixedBody := comment.MarkFixed("**Error** · gone\n\n"+comment.Marker{Fingerprints: []string{"0000"}}.String()+"\n", pr.HeadSHA)
	human := comment.Marker{Fingerprints: fps(sockWeb)}.String()
	g.review = []pullreq.Comment{
		{ID: 1, Body: sockBody, ByApp: true},
		{ID: 2, Body: privBody, ByApp: true},
		{ID: 3, Body: fixedBody, ByApp: true},
		{ID: 4, Body: human, ByApp: false}, // someone quoting our marker
		{ID: 5, Body: "LGTM", ByApp: true},
	}
	g.label(allowSock, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled(allowSock, "alice"))
	if g.count("EditComment") != 1 {
		t.Errorf("calls %v", g.calls)
	}
	got := g.review[0].Body
	if !strings.Contains(got, "**Excepted** by [alice](https://github.com/alice) on 2025-03-04 10:01 UTC, through the label `"+allowSock+"`") {
		t.Errorf("no exception note:\n%s", got)
	}
	if m, ok := comment.ParseMarker(got); !ok || !slices.Equal(m.Fingerprints, fps(sockWeb)) {
		t.Errorf("the marker is gone:\n%s", got)
	}
	if g.review[1].Body != privBody || g.review[2].Body != fixedBody || g.review[3].Body != human {
		t.Errorf("a comment that is not covered was edited")
	}

	// Nothing changed: nothing edited.
	eval(t, g, 2, []rules.Finding{sockWeb, privCI}, Options{})
	if g.count("EditComment") != 0 || g.count("ReviewComments") != 1 {
		t.Errorf("calls %v", g.calls)
	}

	// The label comes off: the note goes, and the body is as it was.
	g.unlabel(allowSock, "alice", 3)
	eval(t, g, 3, []rules.Finding{sockWeb, privCI}, unlabeled(allowSock, "alice"))
	if g.review[0].Body != sockBody || g.count("EditComment") != 1 {
		t.Errorf("note not removed (calls %v):\n%s", g.calls, g.review[0].Body)
	}
}

// TestNoteIgnoresNonBlocking: a comment whose blocking findings are
// covered gets the note even if it also shows a warning that blocks
// nothing; one with an uncovered blocking finding does not.
func TestNoteIgnoresNonBlocking(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	mixed := "two findings\n\n" + comment.Marker{Fingerprints: []string{sockWeb.Fingerprint, "warning-fp"}}.String() + "\n"
	both := "two findings\n\n" + comment.Marker{Fingerprints: fps(sockWeb, privCI)}.String() + "\n"
	g.review = []pullreq.Comment{{ID: 1, Body: mixed, ByApp: true}, {ID: 2, Body: both, ByApp: true}}
	g.label(allowSock, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled(allowSock, "alice"))
	if !strings.Contains(g.review[0].Body, "**Excepted**") || g.review[1].Body != both {
		t.Errorf("bodies:\n%s\n---\n%s", g.review[0].Body, g.review[1].Body)
	}
}

func TestFailClosed(t *testing.T) {
	boom := errors.New("502 Bad Gateway")
	for _, method := range []string{"IssueLabels", "IssueComments", "LabelEvents", "Permission", "TeamMember", "PullCommits", "CreateIssueComment", "ReviewComments", "EditComment", "AddLabels", "EnsureLabels"} {
		t.Run(method, func(t *testing.T) {
			g := newFake()
			g.roles["alice"] = "triage"
			g.teams["acme/security"] = []string{"alice"}
			g.review = []pullreq.Comment{{ID: 1, Body: comment.Marker{Fingerprints: fps(sockWeb)}.String(), ByApp: true}}
			g.label(allowSock, "alice", 1)
			g.fail[method] = boom
			opts := Options{Settings: defaults()}
			opts.Settings.Teams = []string{"acme/security"}
			// privCI stays uncovered, so that every method is called.
			out, err := evalErr(g, 2, []rules.Finding{sockWeb, privCI}, opts)
			if !errors.Is(err, boom) || out != nil {
				t.Fatalf("Evaluate = %+v, %v; want the error", out, err)
			}
			if !strings.Contains(err.Error(), "acme/shop#7") && !strings.Contains(err.Error(), "acme/shop") {
				t.Errorf("error %q does not say what was being done", err)
			}
		})
	}
	// A failure before any grant writes nothing.
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	g.fail["Permission"] = boom
	if _, err := evalErr(g, 2, []rules.Finding{sockWeb}, Options{}); err == nil || len(g.comments) != 0 || slices.Contains(g.labels, needs) {
		t.Errorf("err %v, comments %d, labels %v", err, len(g.comments), g.labels)
	}
}

// TestBrokenRecord: an App comment whose record marker does not parse
// stops the run rather than start a second record.
func TestBrokenRecord(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.comments = []IssueComment{{ID: 5, Body: "## mountguard exception record\n\n" + recordPrefix + `{"v":1,"entries":[` + recordSuffix, ByApp: true}}
	g.label(blanket, "alice", 1)
	if _, err := evalErr(g, 1, []rules.Finding{sockWeb}, labeled(blanket, "alice")); err == nil || g.count("CreateIssueComment") != 0 {
		t.Errorf("err %v, calls %v", err, g.calls)
	}
	// The same text from someone else is not our record: it is ignored.
	g.comments[0].ByApp = false
	eval(t, g, 2, []rules.Finding{sockWeb}, labeled(blanket, "alice"))
	if len(g.records()) != 1 || g.records()[0].ID == 5 {
		t.Errorf("comments %+v", g.comments)
	}
}

// TestForgedRecord: a record in someone else's comment grants nothing.
func TestForgedRecord(t *testing.T) {
	g := newFake()
	g.roles["bob"] = "write"
	forged, err := RenderRecord(Record{Entries: []Entry{{Label: blanket, ApprovedBy: "alice", ApprovedAt: clock(0), Findings: []CoveredFinding{{Fingerprint: sockWeb.Fingerprint, Rule: sockWeb.Rule}}}}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	g.comments = []IssueComment{{ID: 5, Body: forged, ByApp: false}}
	g.label(blanket, "bob", 1)
	out := eval(t, g, 1, []rules.Finding{sockWeb}, Options{})
	if len(out.Covered) != 0 {
		t.Errorf("a forged record granted %v", out.Covered)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestRecordGolden follows a pull request through its life: a blanket
// grant and an allow grant, a finding added later, a grant revoked.
func TestRecordGolden(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.roles["carol"] = "maintain"
	g.label(allowSock, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb, privCI}, labeled(allowSock, "alice"))
	g.label(blanket, "carol", 2)
	eval(t, g, 2, []rules.Finding{sockWeb, privCI}, labeled(blanket, "carol"))
	g.unlabel(blanket, "carol", 3)
	eval(t, g, 3, []rules.Finding{sockWeb, privCI}, unlabeled(blanket, "carol"))
	// A push fixes nothing, adds a mount and a hostile justification.
	h := hostileFinding()
	eval(t, g, 40, []rules.Finding{sockWeb, privCI, sockWorker, h}, Options{})
	_, c := record(t, g)
	golden(t, "record", c.Body)

	rec, ok := ParseRecord(c.Body)
	if !ok || len(rec.Entries) != 2 || rec.Entries[0].Label != allowSock || rec.Entries[1].Active() {
		t.Errorf("record %+v", rec)
	}

	// A single grant, covering the hostile finding, with a finding fixed
	// since.
	g = newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb, privCI, h}, labeled(blanket, "alice"))
	eval(t, g, 9, []rules.Finding{sockWeb, h}, Options{})
	_, c = record(t, g)
	golden(t, "record_fixed", c.Body)
}

// hostileFinding is what the author of a pull request can put into the
// file: code fences, an HTML comment, a forged marker, mentions.
func hostileFinding() rules.Finding {
	f := finding(rules.DockerSocket, "evil`svc", 44, "/var/run/docker.sock", "/var/run/docker.sock",
		"service mounts ```x``` <!-- at --> @octocat #12 ${A}\n"+recordPrefix+`{"v":1,"entries":[]}`+recordSuffix,
		"-->```\n> quoted\n# heading @octocat")
	f.Loc.File = "deploy/`compose`.yaml"
	f.Fingerprint = rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return f
}

func TestRejectionGolden(t *testing.T) {
	s := defaults()
	s.Users = []string{"carol", "dave"}
	s.Teams = []string{"acme/security"}
	golden(t, "rejection", renderRejection(Rejection{Label: blanket, AppliedBy: "bob", Reason: NotApprover}, s, true, DefaultWebURL))
	golden(t, "rejection_author", renderRejection(Rejection{Label: blanket, AppliedBy: "bob", Reason: PRAuthor}, s, true, DefaultWebURL))
	golden(t, "rejection_contributor", renderRejection(Rejection{Label: allowSock, AppliedBy: "carol", Reason: CommitAuthor,
		Commits: []string{"3F9C2A1B7E4D5C6F8A9B0C1D2E3F4A5B6C7D8E9F", "not a sha", "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba98"}}, s, true, DefaultWebURL))
	s = defaults()
	s.MinRole = "admin"
	golden(t, "rejection_kept", renderRejection(Rejection{Label: allowSock, AppliedBy: "bob", Reason: NotApprover}, s, false, DefaultWebURL))
}

// TestAuthorCannotGrantOwnException: an exception is a second person's
// decision; the pull request's author cannot grant it, even as an admin.
func TestAuthorCannotGrantOwnException(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	own := pr
	own.Author = "Alice"
	opts := labeled(blanket, "alice")
	opts.Settings = defaults()
	opts.Now = func() time.Time { return clock(1) }
	out, err := Evaluate(context.Background(), g, own, []rules.Finding{sockWeb}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Covered) != 0 || !out.NeedsReview || len(out.Rejected) != 1 || out.Rejected[0].Reason != PRAuthor {
		t.Fatalf("the author excepted their own finding: %+v", out)
	}
	if len(g.comments) != 1 || !strings.Contains(g.comments[0].Body, "cannot be granted by the author") {
		t.Errorf("comment: %+v", g.comments)
	}
	// Someone else with the role may.
	g.roles["lead"] = "admin"
	g.label(blanket, "lead", 2)
	opts = labeled(blanket, "lead")
	opts.Settings = defaults()
	opts.Now = func() time.Time { return clock(2) }
	out, err = Evaluate(context.Background(), g, own, []rules.Finding{sockWeb}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Covered) != 1 || out.NeedsReview {
		t.Errorf("an approver other than the author was refused: %+v", out)
	}
}

// TestMissedUnlabeledWithoutAnyLabelLeft: the only exception label came
// off and its webhook was missed; the next push finds the record's entry
// still active and revokes it, so the record and the listing do not show
// an exception that no longer applies.
func TestMissedUnlabeledWithoutAnyLabelLeft(t *testing.T) {
	g := newFake()
	g.roles["alice"] = "admin"
	g.label(blanket, "alice", 1)
	eval(t, g, 1, []rules.Finding{sockWeb}, labeled(blanket, "alice"))
	g.unlabel(blanket, "dave", 5)
	out := eval(t, g, 7, []rules.Finding{sockWeb}, Options{})
	rec, _ := record(t, g)
	if len(rec.Entries) != 1 || rec.Entries[0].Active() || rec.Entries[0].RevokedBy != "dave" {
		t.Errorf("record %+v", rec)
	}
	if len(out.Covered) != 0 || !out.NeedsReview {
		t.Errorf("outcome %+v", out)
	}
}

// Commit SHAs for the commit-author tests.
const (
	shaAuthor = "1111111111111111111111111111111111111111"
	shaLead   = "2222222222222222222222222222222222222222"
	shaMerge  = "3333333333333333333333333333333333333333"
)

// TestCommitAuthorCannotGrant: an approver who wrote commits in someone
// else's pull request would be approving their own code. Only the
// commit's GitHub author counts: not its committer, not a merge commit's
// author, not a commit linked to no account.
func TestCommitAuthorCannotGrant(t *testing.T) {
	tests := []struct {
		name      string
		commits   []Commit
		truncated bool
		refused   []string // the lead's commits named in the refusal; nil when granted
	}{
		{"the applier wrote a commit",
			[]Commit{{SHA: shaAuthor, Author: "dev", Committer: "dev", Parents: 1}, {SHA: shaLead, Author: "lead", Committer: "lead", Parents: 1}},
			false, []string{shaLead}},
		{"logins compare without case",
			[]Commit{{SHA: shaLead, Author: "LEAD", Committer: "web-flow", Parents: 1}},
			false, []string{shaLead}},
		{"a root commit has no parent and is no merge",
			[]Commit{{SHA: shaLead, Author: "lead", Parents: 0}},
			false, []string{shaLead}},
		{"the applier only committed (rebased) someone else's commits",
			[]Commit{{SHA: shaAuthor, Author: "dev", Committer: "lead", Parents: 1}},
			false, nil},
		{"the applier authored only a merge commit (Update branch)",
			[]Commit{{SHA: shaAuthor, Author: "dev", Committer: "dev", Parents: 1}, {SHA: shaMerge, Author: "lead", Committer: "web-flow", Parents: 2}},
			false, nil},
		{"a commit whose email is linked to no account names no one",
			[]Commit{{SHA: shaAuthor, Author: "", Committer: "", Parents: 1}},
			false, nil},
		{"no commits",
			nil, false, nil},
		{"a truncated list is checked as far as it goes",
			[]Commit{{SHA: shaAuthor, Author: "dev", Committer: "dev", Parents: 1}},
			true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFake()
			g.roles["lead"] = "maintain"
			g.commits, g.truncated = tt.commits, tt.truncated
			g.label(blanket, "lead", 1)
			dev := pr
			dev.Author = "dev"
			opts := labeled(blanket, "lead")
			opts.Settings = defaults()
			opts.Now = func() time.Time { return clock(1) }
			g.calls = nil
			out, err := Evaluate(context.Background(), g, dev, []rules.Finding{sockWeb}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if n := g.count("PullCommits"); n != 1 {
				t.Errorf("PullCommits called %d times, want 1", n)
			}
			if tt.refused == nil {
				if len(out.Covered) != 1 || out.NeedsReview || len(out.Rejected) != 0 || len(g.records()) != 1 {
					t.Errorf("the approver was refused: %+v", out)
				}
				return
			}
			want := Rejection{Label: blanket, AppliedBy: "lead", Reason: CommitAuthor, Commits: tt.refused, Commented: true, Removed: true}
			if len(out.Rejected) != 1 || !reflect.DeepEqual(out.Rejected[0], want) {
				t.Errorf("Rejected = %+v, want %+v", out.Rejected, want)
			}
			if len(out.Covered) != 0 || !out.NeedsReview || len(out.Active) != 0 || len(g.records()) != 0 {
				t.Errorf("something was excepted: %+v", out)
			}
			if slices.Contains(g.labels, blanket) {
				t.Errorf("the label was not removed: %v", g.labels)
			}
			if len(g.comments) != 1 || !strings.Contains(g.comments[0].Body, "@lead, you applied the label `"+blanket+"`, but you wrote commits in this pull request (2222222)") {
				t.Errorf("comment: %+v", g.comments)
			}
		})
	}
}

// TestCommitsReadOnlyForANewGrant: the commits cost a request, made only
// when an approver's label would become a new grant, and at most once a
// run.
func TestCommitsReadOnlyForANewGrant(t *testing.T) {
	tests := []struct {
		name  string
		setup func(g *fakeGH) (Options, pullreq.PullRequest)
		want  int // PullCommits calls
	}{
		{"already active grant", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.roles["alice"] = "admin"
			g.label(blanket, "alice", 1)
			if _, err := evalErr(g, 1, []rules.Finding{sockWeb}, labeled(blanket, "alice")); err != nil {
				t.Fatal(err)
			}
			return Options{}, pr
		}, 0},
		{"applier without a role", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.label(blanket, "bob", 1)
			return labeled(blanket, "bob"), pr
		}, 0},
		{"applier below min_role", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.roles["bob"] = "write"
			g.label(blanket, "bob", 1)
			return labeled(blanket, "bob"), pr
		}, 0},
		{"the pull request's author", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.roles["alice"] = "admin"
			g.label(blanket, "alice", 1)
			own := pr
			own.Author = "alice"
			return labeled(blanket, "alice"), own
		}, 0},
		{"no event says who applied it", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.labels = []string{blanket}
			return Options{}, pr
		}, 0},
		{"two approvers' labels, one read", func(g *fakeGH) (Options, pullreq.PullRequest) {
			g.roles["alice"] = "admin"
			g.roles["carol"] = "maintain"
			g.label(blanket, "alice", 1)
			g.label(allowSock, "carol", 2)
			return Options{}, pr
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFake()
			g.commits = []Commit{{SHA: shaAuthor, Author: "dev", Parents: 1}}
			opts, p := tt.setup(g)
			opts.Settings = defaults()
			opts.Now = func() time.Time { return clock(5) }
			g.calls = nil
			if _, err := Evaluate(context.Background(), g, p, []rules.Finding{sockWeb}, opts); err != nil {
				t.Fatal(err)
			}
			if n := g.count("PullCommits"); n != tt.want {
				t.Errorf("PullCommits called %d times, want %d (calls %v)", n, tt.want, g.calls)
			}
		})
	}
}

func TestCommitRefs(t *testing.T) {
	tests := []struct {
		shas []string
		want string
	}{
		{nil, ""},
		{[]string{"<script>", "abc"}, ""},
		{[]string{shaLead}, " (2222222)"},
		{[]string{shaAuthor, shaLead}, " (1111111 and 2222222)"},
		{[]string{shaAuthor, shaLead, shaMerge, shaAuthor, shaLead}, " (1111111, 2222222, 3333333 and 2 more)"},
	}
	for _, tt := range tests {
		if got := commitRefs(tt.shas); got != tt.want {
			t.Errorf("commitRefs(%q) = %q, want %q", tt.shas, got, tt.want)
		}
	}
}
