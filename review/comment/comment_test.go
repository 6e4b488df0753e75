package comment

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// source is the head content of compose.yaml in the examples below.
const source = `services:
  web:
    image: nginx:1.27
    pid: host
    volumes:
      - ./html:/usr/share/nginx/html
      - /var/run/docker.sock:/var/run/docker.sock
  app:
    image: example/app:2.1
    volumes:
      - type: bind
        source: ./cache
        target: /var/cache/app
        bind: {propagation: rshared}
  docs:
    image: example/docs:0.3
    volumes:
      - ./docs:/srv/docs # built from ` + "```md```" + ` sources
`

const help = "To accept this risk, justify the entry in the file with `# mountguard: allow <rule> -- <reason>`, or ask a maintainer to add the `mountguard/exception` label."

// finding fills in what the engine would: the title and the fingerprint.
func finding(f rules.Finding) rules.Finding {
	if r, ok := rules.Lookup(f.Rule); ok && f.Title == "" {
		f.Title = r.Title
	}
	if f.Loc.File == "" {
		f.Loc.File = "compose.yaml"
	}
	if f.Loc.EndLine == 0 {
		f.Loc.EndLine = f.Loc.Line
	}
	f.Fingerprint = rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return f
}

func fix(desc string, start, end int, text string) *rules.Fix {
	return &rules.Fix{Description: desc, Edit: compose.Edit{File: "compose.yaml", StartLine: start, EndLine: end, Text: text}}
}

func writableHTML() rules.Finding {
	return finding(rules.Finding{
		Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "web",
		Loc:    compose.Loc{Line: 6, Column: 9},
		Target: "/usr/share/nginx/html", Source: "./html",
		Message: `service "web" mounts ./html at /usr/share/nginx/html writable: the container can change or delete these host files. Mount it read-only unless the container must write there.`,
		Fix:     fix("Mount it read-only (:ro)", 6, 6, "      - ./html:/usr/share/nginx/html:ro\n"),
	})
}

// cacheEntry is the long-syntax entry on lines 11-14, with three findings.
func cacheEntry() Entry {
	loc := compose.Loc{Line: 11, Column: 9, EndLine: 14}
	return Entry{File: "compose.yaml", Line: 11, EndLine: 14, Findings: []rules.Finding{
		finding(rules.Finding{
			Rule: rules.TmpfsCandidate, Severity: rules.Notice, Service: "app", Loc: loc,
			Target: "/var/cache/app", Source: "./cache",
			Message: `service "app" keeps scratch space /var/cache/app on ./cache, a writable persistent mount: use tmpfs (tmpfs: /var/cache/app) so temporary files never reach the host or a volume and are cleared on restart.`,
		}),
		finding(rules.Finding{
			Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "app", Loc: loc,
			Target: "/var/cache/app", Source: "./cache",
			Message: `service "app" mounts ./cache at /var/cache/app writable: the container can change or delete these host files. Mount it read-only unless the container must write there.`,
			Fix:     fix("Mount it read-only (read_only: true)", 14, 14, "        bind: {propagation: rshared}\n        read_only: true\n"),
		}),
		finding(rules.Finding{
			Rule: rules.MountPropagation, Severity: rules.Error, Service: "app", Loc: loc,
			Target: "/var/cache/app", Source: "./cache",
			Message: `service "app" mounts ./cache at /var/cache/app with rshared propagation: mounts made inside the container appear on the host, and the container sees every new host mount. Remove the propagation option to get the default rprivate.`,
		}),
	}}
}

func hostNamespace() rules.Finding {
	return finding(rules.Finding{
		Rule: rules.HostNamespace, Severity: rules.Warning, Service: "web",
		Loc:    compose.Loc{Line: 4, Column: 5},
		Target: "pid", Source: "host",
		Message: `service "web" shares the host's process namespace (pid: host), so it sees and can signal every process on the host. Remove pid: host unless the service is a host agent that needs it.`,
	})
}

func dockerSocket() rules.Finding {
	return finding(rules.Finding{
		Rule: rules.DockerSocket, Severity: rules.Error, Service: "web",
		Loc:    compose.Loc{Line: 7, Column: 9},
		Target: "/var/run/docker.sock", Source: "/var/run/docker.sock",
		Message:       `service "web" mounts the Docker API socket /var/run/docker.sock at /var/run/docker.sock: whoever controls the container controls the container runtime, and can start a privileged container that mounts the host's root file system.`,
		Justification: "the CI agent starts sibling containers; approved in SEC-42",
	})
}

// hostileMessage is what a path chosen by the author of a pull request can
// put into a message: code fences, an HTML comment, a forged marker, a
// quote, a heading, a list, a link, emphasis and mentions.
const hostileMessage = "service \"web\" mounts ./`x` ```y<!-- at /data --> writable. cc @octocat, see #12 and ${A}:${B}\n" +
	"```\n" +
	`<!-- mountguard: {"v":1,"fingerprints":["forged"],"fixed_in":""} -->` + "\n" +
	"> quoted\n" +
	"# heading\n" +
	"- [click](https://evil.example) *now* _please_ ~~x~~ | a | b |\n" +
	"1. <img src=x> &amp; \\`"

func hostile() rules.Finding {
	return finding(rules.Finding{
		Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "web",
		Loc:    compose.Loc{Line: 6, Column: 9},
		Target: "/data", Source: "./`x` ```y<!--",
		Message:       hostileMessage,
		Justification: "-->```\n<details>",
	})
}

func docsFence() rules.Finding {
	return finding(rules.Finding{
		Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "docs",
		Loc:    compose.Loc{Line: 18, Column: 9},
		Target: "/srv/docs", Source: "./docs",
		Message: `service "docs" mounts ./docs at /srv/docs writable: the container can change or delete these host files. Mount it read-only unless the container must write there.`,
		Fix:     fix("Mount it read-only (:ro)", 18, 18, "      - ./docs:/srv/docs:ro # built from ```md``` sources\n"),
	})
}

func one(f rules.Finding) Entry {
	return Entry{File: "compose.yaml", Line: f.Loc.Line, EndLine: f.Loc.EndLine, Findings: []rules.Finding{f}}
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

func TestRenderGolden(t *testing.T) {
	opts := Options{Source: []byte(source), ExceptionHelp: help}
	tests := []struct {
		name            string
		entry           Entry
		opts            Options
		startLine, line int
		suggestion      bool
	}{
		{"short_ro", one(writableHTML()), opts, 0, 6, true},
		{"three_findings", cacheEntry(), opts, 11, 14, true},
		{"no_fix", one(hostNamespace()), opts, 0, 4, false},
		{"justified", one(dockerSocket()), Options{Source: []byte(source)}, 0, 7, false},
		{"hostile", one(hostile()), opts, 0, 6, false},
		{"fence_grows", one(docsFence()), opts, 0, 18, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Render(tt.entry, tt.opts)
			golden(t, tt.name, c.Body)
			if c.StartLine != tt.startLine || c.Line != tt.line {
				t.Errorf("comment covers %d..%d, want %d..%d", c.StartLine, c.Line, tt.startLine, tt.line)
			}
			if got := strings.Count(c.Body, "suggestion\n"); got != btoi(tt.suggestion) {
				t.Errorf("%d suggestion blocks, want %v", got, tt.suggestion)
			}
			var want []string
			for _, f := range tt.entry.Findings {
				want = append(want, f.Fingerprint)
			}
			slices.Sort(want)
			if !slices.Equal(c.Fingerprints, want) {
				t.Errorf("Fingerprints = %v, want %v", c.Fingerprints, want)
			}
			m, ok := ParseMarker(c.Body)
			if !ok || !slices.Equal(m.Fingerprints, want) || m.FixedIn != "" {
				t.Errorf("ParseMarker = %+v, %v; want fingerprints %v, open", m, ok, want)
			}
		})
	}
}

func TestMarkFixedGolden(t *testing.T) {
	opts := Options{Source: []byte(source), ExceptionHelp: help}
	const sha = "3f9c2a1b7e4d5c6f8a9b0c1d2e3f4a5b6c7d8e9f"
	for _, tt := range []struct {
		name  string
		entry Entry
	}{
		{"fixed_short_ro", one(writableHTML())},
		{"fixed_three_findings", cacheEntry()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Render(tt.entry, opts)
			got := MarkFixed(c.Body, sha)
			golden(t, tt.name, got)
			m, ok := ParseMarker(got)
			if !ok || m.FixedIn != sha || !slices.Equal(m.Fingerprints, c.Fingerprints) {
				t.Errorf("ParseMarker = %+v, %v; want %v fixed in %s", m, ok, c.Fingerprints, sha)
			}
			if again := MarkFixed(got, sha); again != got {
				t.Errorf("MarkFixed is not idempotent:\n%s", again)
			}
			if again := MarkFixed(got, "0000000000000000000000000000000000000000"); again != got {
				t.Errorf("a second MarkFixed with another commit changed the body:\n%s", again)
			}
			if strings.Contains(got, "suggestion") {
				t.Error("the fixed comment still offers a suggestion")
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// suggestionOf returns the suggestion block's fence and content.
func suggestionOf(body string) (fence, text string, ok bool) {
	var f mdsafe.Fences
	var b strings.Builder
	in := false
	for line := range strings.Lines(body) {
		l := strings.TrimSuffix(line, "\n")
		switch f.Next(l) {
		case mdsafe.OpenLine:
			if strings.HasSuffix(l, "suggestion") {
				in, fence = true, strings.TrimSuffix(l, "suggestion")
			}
		case mdsafe.CloseLine:
			if in {
				return fence, b.String(), true
			}
		case mdsafe.CodeLine:
			if in {
				b.WriteString(line)
			}
		}
	}
	return "", "", false
}

func TestSuggestion(t *testing.T) {
	src := "a\nb\nc\nd\ne\n"
	warn := func(start, end int, text string) rules.Finding {
		return finding(rules.Finding{Rule: rules.WritableBindMount, Severity: rules.Warning, Message: "m", Fix: fix("Fix it", start, end, text)})
	}
	tests := []struct {
		name      string
		entry     Entry
		src       string
		wantFence string
		want      string // "" for no suggestion
	}{
		{"one line", Entry{Line: 2, EndLine: 2, Findings: []rules.Finding{warn(2, 2, "B\n")}}, src, "```", "B\n"},
		{"fix at the end of a range", Entry{Line: 2, EndLine: 4, Findings: []rules.Finding{warn(4, 4, "D\nD2\n")}}, src, "```", "b\nc\nD\nD2\n"},
		{"fix at the start of a range", Entry{Line: 2, EndLine: 4, Findings: []rules.Finding{warn(2, 2, "B\n")}}, src, "```", "B\nc\nd\n"},
		{"fix in the middle", Entry{Line: 1, EndLine: 5, Findings: []rules.Finding{warn(2, 4, "X\n")}}, src, "```", "a\nX\ne\n"},
		{"text without a final newline", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(2, 2, "B")}}, src, "```", "B\nc\n"},
		{"deleting the lines", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(2, 3, "")}}, src, "```", ""},
		{"CRLF source", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(3, 3, "C\r\n")}}, "a\r\nb\r\nc\r\n", "```", "b\nC\n"},
		{"source without a final newline", Entry{Line: 4, EndLine: 5, Findings: []rules.Finding{warn(4, 4, "D\n")}}, "a\nb\nc\nd\ne", "```", "D\ne\n"},
		{"fix starts before the comment", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(1, 2, "X\n")}}, src, "", ""},
		{"fix ends after the comment", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(3, 4, "X\n")}}, src, "", ""},
		{"reversed fix", Entry{Line: 2, EndLine: 4, Findings: []rules.Finding{warn(3, 2, "X\n")}}, src, "", ""},
		{"source too short", Entry{Line: 5, EndLine: 6, Findings: []rules.Finding{warn(6, 6, "X\n")}}, src, "", ""},
		{"fix that changes nothing", Entry{Line: 2, EndLine: 3, Findings: []rules.Finding{warn(2, 2, "b\n")}}, src, "", ""},
		{"no source", Entry{Line: 2, EndLine: 2, Findings: []rules.Finding{warn(2, 2, "B\n")}}, "", "", ""},
		{"fence of four", Entry{Line: 1, EndLine: 1, Findings: []rules.Finding{warn(1, 1, "x: ```\n")}}, src, "````", "x: ```\n"},
		{"fence of six", Entry{Line: 1, EndLine: 2, Findings: []rules.Finding{warn(2, 2, "`````\n")}}, "``\nb\n", "``````", "``\n`````\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.entry.File = "compose.yaml"
			opts := Options{}
			if tt.src != "" {
				opts.Source = []byte(tt.src)
			}
			c := Render(tt.entry, opts)
			fence, text, ok := suggestionOf(c.Body)
			if ok != (tt.wantFence != "") || text != tt.want || fence != tt.wantFence {
				t.Errorf("suggestion %q with fence %q (found %v), want %q with %q\n%s", text, fence, ok, tt.want, tt.wantFence, c.Body)
			}
			if !ok && !strings.Contains(c.Body, "**Fix:** Fix it.") {
				t.Errorf("without a suggestion the fix is not given in words:\n%s", c.Body)
			}
		})
	}
}

func TestSuggestionChoice(t *testing.T) {
	src := []byte("a\nb\nc\nd\n")
	f := func(sev rules.Severity, rule string, start int, text string) rules.Finding {
		return finding(rules.Finding{Rule: rule, Severity: sev, Message: rule, Fix: fix("fix "+rule, start, start, text)})
	}
	tests := []struct {
		name     string
		findings []rules.Finding
		want     string
	}{
		{"most severe wins", []rules.Finding{f(rules.Warning, rules.WritableBindMount, 2, "W\n"), f(rules.Error, rules.SensitiveHostPath, 3, "E\n")}, "b\nE\n"},
		{"unusable fix of the most severe is skipped", []rules.Finding{f(rules.Warning, rules.WritableBindMount, 2, "W\n"), f(rules.Error, rules.SensitiveHostPath, 4, "E\n")}, "W\nc\n"},
		{"ties go to the rule id", []rules.Finding{f(rules.Warning, rules.WritableBindMount, 2, "W\n"), f(rules.Warning, rules.RootWritableBind, 3, "R\n")}, "b\nR\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Render(Entry{File: "compose.yaml", Line: 2, EndLine: 3, Findings: tt.findings}, Options{Source: src})
			_, text, ok := suggestionOf(c.Body)
			if !ok || text != tt.want {
				t.Errorf("suggestion %q (found %v), want %q\n%s", text, ok, tt.want, c.Body)
			}
			if n := strings.Count(c.Body, "**Suggested fix:**"); n != 1 {
				t.Errorf("%d findings say their fix is suggested, want 1\n%s", n, c.Body)
			}
		})
	}
}

func TestSharedFixIsSuggestedForBoth(t *testing.T) {
	text := "      - ./html:/usr/share/nginx/html:ro\n"
	a := writableHTML()
	b := finding(rules.Finding{Rule: rules.RootWritableBind, Severity: rules.Warning, Service: "web", Loc: a.Loc,
		Target: a.Target, Source: a.Source, Message: "runs as root", Fix: fix("Mount it read-only (:ro)", 6, 6, text)})
	c := Render(Entry{File: "compose.yaml", Line: 6, EndLine: 6, Findings: []rules.Finding{a, b}}, Options{Source: []byte(source)})
	if n := strings.Count(c.Body, "**Suggested fix:**"); n != 2 {
		t.Errorf("%d findings say their fix is suggested, want 2\n%s", n, c.Body)
	}
	if n := strings.Count(c.Body, "suggestion\n"); n != 1 {
		t.Errorf("%d suggestion blocks, want 1", n)
	}
}

func TestOrderAndFingerprints(t *testing.T) {
	mk := func(sev rules.Severity, rule, fp string) rules.Finding {
		return rules.Finding{Rule: rule, Severity: sev, Message: rule, Fingerprint: fp}
	}
	e := Entry{File: "compose.yaml", Line: 3, EndLine: 3, Findings: []rules.Finding{
		mk(rules.Notice, rules.BindMount, "b"),
		mk(rules.Error, rules.SensitiveHostPath, "a"),
		mk(rules.Warning, rules.WritableBindMount, "c"),
		mk(rules.Warning, rules.OutsideProject, "a"),
		{Rule: rules.SELinuxRelabel, Severity: rules.Notice, Service: "s", Target: "/t", Source: "./s", Message: "no fingerprint"},
	}}
	c := Render(e, Options{})
	var order []int
	for _, id := range []string{rules.SensitiveHostPath, rules.OutsideProject, rules.WritableBindMount, rules.BindMount, rules.SELinuxRelabel} {
		order = append(order, strings.Index(c.Body, "`"+id+"`"))
	}
	if !slices.IsSorted(order) || order[0] < 0 {
		t.Errorf("findings not most severe first, then by rule id: positions %v\n%s", order, c.Body)
	}
	computed := rules.Fingerprint(rules.SELinuxRelabel, "compose.yaml", "s", "/t", "./s")
	want := []string{"a", "b", "c", computed}
	slices.Sort(want)
	if !slices.Equal(c.Fingerprints, want) {
		t.Errorf("Fingerprints = %v, want %v", c.Fingerprints, want)
	}
	// The caller's slice is left as it was.
	if e.Findings[0].Rule != rules.BindMount {
		t.Error("Render reordered the entry's findings")
	}
}

func TestUnknownRuleIsNotLinked(t *testing.T) {
	c := Render(Entry{File: "f", Line: 1, EndLine: 1, Findings: []rules.Finding{{Rule: "made-up", Severity: rules.Notice, Message: "m"}}}, Options{})
	if strings.Contains(c.Body, "](") {
		t.Errorf("unknown rule linked:\n%s", c.Body)
	}
	if !strings.HasPrefix(c.Body, "**Notice** · made-up (`made-up`)\n") {
		t.Errorf("unexpected heading:\n%s", c.Body)
	}
}

func TestExceptionHelpCannotHideTheMarker(t *testing.T) {
	for _, h := range []string{
		"See <!-- the wiki",
		"Ask in\n```\nthe channel",
		"~~~~\nx",
		"end -->",
	} {
		c := Render(one(hostNamespace()), Options{ExceptionHelp: h})
		if _, ok := ParseMarker(c.Body); !ok {
			t.Errorf("help %q hides the marker:\n%s", h, c.Body)
		}
		if strings.Count(c.Body, "<!--") != 1 || strings.Count(c.Body, "-->") != 1 {
			t.Errorf("help %q adds an HTML comment:\n%s", h, c.Body)
		}
	}
}

func TestLongBodiesStayUnderTheLimit(t *testing.T) {
	long := strings.Repeat("&<", 50_000)
	var findings []rules.Finding
	for i, id := range []string{rules.SensitiveHostPath, rules.WritableBindMount, rules.BindMount, rules.OutsideProject, rules.TmpfsCandidate,
		rules.SELinuxRelabel, rules.MountPropagation, rules.RootWritableBind, rules.SharedWritableVolume, rules.UnresolvedVariable,
		rules.DockerSocket, rules.DisguisedBind, rules.HostDevice, rules.HostNamespace, rules.Privileged, rules.VolumesFrom} {
		findings = append(findings, rules.Finding{Rule: id, Severity: rules.Severity(1 + i%3), Message: long, Justification: long,
			Fix: fix(long, 1, 1, strings.Repeat("x", 70_000)+"\n")})
	}
	c := Render(Entry{File: "compose.yaml", Line: 1, EndLine: 1, Findings: findings}, Options{Source: []byte("a\n"), ExceptionHelp: help})
	if len(c.Body) > maxBody {
		t.Errorf("body of %d bytes", len(c.Body))
	}
	if _, ok := ParseMarker(c.Body); !ok {
		t.Error("marker lost")
	}
	// Very many findings on one entry: the ones that do not fit are counted.
	var many []rules.Finding
	for i := range 500 {
		many = append(many, rules.Finding{Rule: rules.DangerousCapability, Severity: rules.Error, Message: strings.Repeat("x", 900),
			Fingerprint: fmt.Sprintf("%020d", i)})
	}
	c = Render(Entry{File: "compose.yaml", Line: 1, EndLine: 1, Findings: many}, Options{ExceptionHelp: strings.Repeat("help ", 10_000)})
	if len(c.Body) > maxBody || !strings.Contains(c.Body, "more findings on this entry") {
		t.Errorf("body of %d bytes, or left-out findings not counted", len(c.Body))
	}
	if m, ok := ParseMarker(c.Body); !ok || len(m.Fingerprints) != 500 {
		t.Errorf("marker lost or incomplete: %v", ok)
	}
	// One long suggestion alone is dropped, the fix then said in words.
	c = Render(Entry{File: "compose.yaml", Line: 1, EndLine: 1, Findings: findings[:1]}, Options{Source: []byte("a\n")})
	if len(c.Body) > maxBody || strings.Contains(c.Body, "suggestion") || !strings.Contains(c.Body, "**Fix:**") {
		t.Errorf("long suggestion kept or fix lost (%d bytes)", len(c.Body))
	}
}
