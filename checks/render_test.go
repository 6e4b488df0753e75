package checks

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./checks -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendered output; run go test ./checks -update and review the diff.\ngot:\n%s", path, got)
	}
}

// document lays out a rendered run the way a reviewer reads it: conclusion
// and title, then the summary and text as GitHub receives them, then the
// annotations.
func document(conclusion string, out Output, anns []Annotation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "conclusion: %s\ntitle: %s\n", conclusion, out.Title)
	fmt.Fprintf(&b, "\n========== summary ==========\n%s", out.Summary)
	if out.Text != "" {
		fmt.Fprintf(&b, "\n========== text ==========\n%s", out.Text)
	}
	if len(anns) > 0 {
		// Not HTML-escaped, so that "<" reads as in GitHub's API.
		var j strings.Builder
		enc := json.NewEncoder(&j)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(anns); err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "\n========== annotations ==========\n%s", j.String())
	}
	return b.String()
}

// item fills in what the engine would: the catalog title and the
// fingerprint.
func item(f rules.Finding, isNew, inline bool) Item {
	if r, ok := rules.Lookup(f.Rule); ok && f.Title == "" {
		f.Title = r.Title
	}
	f.Fingerprint = rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return Item{Finding: f, New: isNew, Inline: inline}
}

func loc(file string, line, col, end int) compose.Loc {
	return compose.Loc{File: file, Line: line, Column: col, EndLine: end}
}

// mixed spans three files, every severity, new and existing findings, a
// justified finding, fixes, a multi-line finding, inline comments and
// messages with characters that mean something in markdown.
func mixed() Report {
	return Report{
		HeadSHA: "0123abcdef4567890123abcdef4567890123abcd",
		Files:   []string{"compose.yaml", "deploy/compose.prod.yaml", "dev/compose.override.yaml"},
		FailOn:  rules.Error,
		Fixed:   2,
		ExceptionHelp: "Ask for an exception with the `mountguard-exception` label: a member of " +
			"**@acme/security** must apply it, and the finding then no longer fails the check.\n",
		Notes: []string{"config: .github/mountguard.yml from main", "rules: bind-mount is off"},
		Items: []Item{
			item(rules.Finding{
				Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "web",
				Loc: loc("compose.yaml", 12, 9, 12), Target: "/usr/share/nginx/html", Source: "./html",
				Message: `service "web" mounts ./html at /usr/share/nginx/html writable.`,
				Fix: &rules.Fix{Description: "Mount it read-only (:ro)", Edit: compose.Edit{
					File: "compose.yaml", StartLine: 12, EndLine: 12,
					Text: "      - ./html:/usr/share/nginx/html:ro\n",
				}},
			}, true, true),
			item(rules.Finding{
				Rule: rules.DockerSocket, Severity: rules.Error, Service: "agent",
				Loc: loc("compose.yaml", 6, 9, 6), Target: "/var/run/docker.sock", Source: "/var/run/docker.sock",
				Message:       `service "agent" mounts the Docker socket /var/run/docker.sock: anyone who controls the container controls the host.`,
				Justification: "the CI agent starts sibling containers: approved in SEC-42",
			}, true, true),
			item(rules.Finding{
				Rule: rules.TmpfsCandidate, Severity: rules.Notice, Service: "worker",
				Loc: loc("compose.yaml", 20, 9, 23), Target: "/tmp", Source: "scratch",
				Message: "writable volume \"scratch\" at /tmp:\nuse tmpfs: <size> instead of a *persistent* volume",
			}, false, false),
			item(rules.Finding{
				Rule: rules.Privileged, Severity: rules.Error, Service: "db|admin",
				Loc: loc("deploy/compose.prod.yaml", 4, 5, 4), Target: "privileged",
				Message: `service "db|admin" runs privileged: true.`,
			}, true, false),
			item(rules.Finding{
				Rule: rules.HostNamespace, Severity: rules.Warning, Service: "api",
				Loc: loc("deploy/compose.prod.yaml", 9, 5, 9), Target: "pid", Source: "host",
				Message: `service "api" sets pid: host, so it sees and can signal every process on the host.`,
			}, false, false),
			item(rules.Finding{
				Rule: rules.UnresolvedVariable, Severity: rules.Notice, Service: "cache",
				Loc: loc("dev/compose.override.yaml", 7, 11, 7), Target: "/data", Source: "${DATA_DIR}",
				Message: "the mount source ${DATA_DIR} has no value and no default, so it was reviewed as an empty path.",
			}, true, false),
		},
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name   string
		report Report
	}{
		{"no_findings", Report{
			HeadSHA: "89abcdef0123456789abcdef0123456789abcdef",
			Files:   []string{"compose.yaml"},
			FailOn:  rules.Error,
			Notes:   []string{"config: none found, defaults used"},
		}},
		{"only_existing", Report{
			HeadSHA: "89abcdef0123456789abcdef0123456789abcdef",
			Files:   []string{"compose.yaml", "tools/compose.yml"},
			FailOn:  rules.Warning,
			Items: []Item{
				item(rules.Finding{
					Rule: rules.BindMount, Severity: rules.Notice, Service: "docs",
					Loc: loc("tools/compose.yml", 8, 9, 8), Target: "/srv", Source: "./site",
					Message: "bind mount of ./site at /srv, with no reason given: add # mountguard: allow bind-mount -- <why>",
				}, false, false),
				item(rules.Finding{
					Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "docs",
					Loc: loc("tools/compose.yml", 8, 9, 8), Target: "/srv", Source: "./site",
					Message: `service "docs" mounts ./site at /srv writable.`,
				}, false, false),
			},
		}},
		{"mixed", mixed()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conclusion, out, anns := Render(tt.report)
			checkOutput(t, out)
			golden(t, tt.name, document(conclusion, out, anns))
		})
	}
}

func TestOutcomesGolden(t *testing.T) {
	t.Run("no_compose_changes", func(t *testing.T) {
		conclusion, out := NoComposeChanges()
		checkOutput(t, out)
		golden(t, "no_compose_changes", document(conclusion, out, nil))
	})
	t.Run("invalid_config", func(t *testing.T) {
		conclusion, out, anns := InvalidConfig("", ".github/mountguard.yml", 7,
			`rules: unknown rule "docker-sock" (did you mean "docker-socket"?)`)
		checkOutput(t, out)
		checkAnnotations(t, anns)
		golden(t, "invalid_config", document(conclusion, out, anns))
	})
	t.Run("invalid_org_config", func(t *testing.T) {
		conclusion, out, anns := InvalidConfig("acme/.github", ".github/mountguard.yml", 3, `fail_on: "red" is not one of error, warning, notice, never`)
		checkOutput(t, out)
		if len(anns) != 0 {
			t.Errorf("%d annotations on a file outside the commit under review", len(anns))
		}
		golden(t, "invalid_org_config", document(conclusion, out, anns))
	})
}

func TestInvalidConfigWithoutPlace(t *testing.T) {
	conclusion, out, anns := InvalidConfig("", "", 0, "")
	if conclusion != ConclusionFailure || len(anns) != 0 {
		t.Errorf("got %s with %d annotations, want failure with none", conclusion, len(anns))
	}
	if !strings.Contains(out.Summary, "invalid configuration") {
		t.Errorf("summary says nothing of the error:\n%s", out.Summary)
	}
	checkOutput(t, out)
}

// checkOutput asserts the limits however GitHub counts characters.
func checkOutput(t *testing.T, out Output) {
	t.Helper()
	if err := (Run{Status: StatusCompleted, Conclusion: ConclusionSuccess, Output: &out}).Validate(); err != nil {
		t.Error(err)
	}
	for name, s := range map[string]string{"title": out.Title, "summary": out.Summary, "text": out.Text} {
		limit := MaxOutputChars
		if name == "title" {
			limit = MaxOutputTitle
		}
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8", name)
		}
		for unit, n := range map[string]int{
			"bytes": len(s), "runes": utf8.RuneCountInString(s), "UTF-16 units": len(utf16.Encode([]rune(s))),
		} {
			if n > limit {
				t.Errorf("%s: %d %s, limit %d", name, n, unit, limit)
			}
		}
	}
}

func checkAnnotations(t *testing.T, anns []Annotation) {
	t.Helper()
	for i, a := range anns {
		if err := a.validate(); err != nil {
			t.Errorf("annotation %d: %v", i, err)
		}
		for _, s := range []string{a.Title, a.Message, a.RawDetails} {
			if !utf8.ValidString(s) {
				t.Errorf("annotation %d: invalid UTF-8", i)
			}
		}
	}
}

func TestConclusion(t *testing.T) {
	f := func(sev rules.Severity, isNew bool) Item {
		return item(rules.Finding{Rule: rules.BindMount, Severity: sev, Loc: loc("compose.yaml", 1, 1, 1)}, isNew, false)
	}
	tests := []struct {
		name   string
		failOn rules.Severity
		items  []Item
		want   string
	}{
		{"no findings", rules.Error, nil, ConclusionSuccess},
		{"new error", rules.Error, []Item{f(rules.Error, true)}, ConclusionFailure},
		{"new warning below error", rules.Error, []Item{f(rules.Warning, true)}, ConclusionSuccess},
		{"new warning at warning", rules.Warning, []Item{f(rules.Warning, true)}, ConclusionFailure},
		{"new notice at notice", rules.Notice, []Item{f(rules.Notice, true)}, ConclusionFailure},
		{"existing error never fails", rules.Notice, []Item{f(rules.Error, false)}, ConclusionSuccess},
		{"fail_on never", rules.Off, []Item{f(rules.Error, true)}, ConclusionSuccess},
		{"justified still fails", rules.Error, []Item{func() Item {
			it := f(rules.Error, true)
			it.Justification = "approved"
			return it
		}()}, ConclusionFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _ := Render(Report{Items: tt.items, FailOn: tt.failOn, Files: []string{"compose.yaml"}})
			if got != tt.want {
				t.Errorf("conclusion %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	f := func(sev rules.Severity, isNew bool) Item {
		return item(rules.Finding{Rule: rules.BindMount, Severity: sev, Loc: loc("compose.yaml", 1, 1, 1)}, isNew, false)
	}
	tests := []struct {
		items []Item
		want  string
	}{
		{nil, "No findings"},
		{[]Item{f(rules.Notice, false), f(rules.Error, false), f(rules.Warning, false)}, "No new findings (3 existing)"},
		{[]Item{f(rules.Error, true), f(rules.Error, true), f(rules.Warning, true)}, "2 new errors, 1 new warning"},
		{[]Item{f(rules.Notice, true), f(rules.Warning, false)}, "1 new notice (1 existing)"},
	}
	for _, tt := range tests {
		_, out, _ := Render(Report{Items: tt.items, FailOn: rules.Error})
		if out.Title != tt.want {
			t.Errorf("title %q, want %q", out.Title, tt.want)
		}
	}
}

func TestAnnotations(t *testing.T) {
	_, _, anns := Render(mixed())
	checkAnnotations(t, anns)
	var got []string
	for _, a := range anns {
		got = append(got, fmt.Sprintf("%s %s:%d-%d col %d-%d %s", a.Level, a.Path, a.StartLine, a.EndLine, a.StartColumn, a.EndColumn, a.Title))
	}
	want := []string{
		// New first, most severe first, then by place.
		"failure compose.yaml:6-6 col 9-9 Container runtime socket mounted (docker-socket)",
		"failure deploy/compose.prod.yaml:4-4 col 5-5 Privileged container (privileged)",
		"warning compose.yaml:12-12 col 9-9 Writable bind mount (writable-bind-mount)",
		"notice dev/compose.override.yaml:7-7 col 11-11 Variable without a value (unresolved-variable)",
		// Existing ones as notices, whatever their severity; no columns on
		// a multi-line annotation.
		"notice deploy/compose.prod.yaml:9-9 col 5-5 Existing: Host namespace shared (host-namespace)",
		"notice compose.yaml:20-23 col 0-0 Existing: Scratch space on a persistent mount (tmpfs-candidate)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("annotations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if anns[2].RawDetails == "" || !strings.Contains(anns[2].RawDetails, "./html:/usr/share/nginx/html:ro") {
		t.Errorf("the fix is not in raw_details: %q", anns[2].RawDetails)
	}
	if anns[0].RawDetails != "" {
		t.Errorf("raw_details without a fix: %q", anns[0].RawDetails)
	}
}

func TestAnnotationEdgeCases(t *testing.T) {
	long := strings.Repeat("ö🐳", 40000) // 240,000 bytes, a 4-byte rune at every cut
	tests := []struct {
		name  string
		item  Item
		check func(t *testing.T, a Annotation)
	}{
		{"whole-file finding gets line 1", item(rules.Finding{Rule: rules.ParseError, Severity: rules.Error,
			Loc: loc("compose.yaml", 0, 0, 0), Message: "not YAML"}, true, false),
			func(t *testing.T, a Annotation) {
				if a.StartLine != 1 || a.EndLine != 1 || a.StartColumn != 0 {
					t.Errorf("lines %d-%d col %d", a.StartLine, a.EndLine, a.StartColumn)
				}
			}},
		{"end before start", item(rules.Finding{Rule: rules.BindMount, Severity: rules.Notice,
			Loc: loc("compose.yaml", 9, 3, 0), Message: "m"}, true, false),
			func(t *testing.T, a Annotation) {
				if a.StartLine != 9 || a.EndLine != 9 || a.StartColumn != 3 {
					t.Errorf("lines %d-%d col %d", a.StartLine, a.EndLine, a.StartColumn)
				}
			}},
		{"huge message and title", item(rules.Finding{Rule: rules.BindMount, Severity: rules.Notice,
			Title: long, Service: long, Justification: long,
			Loc: loc("compose.yaml", 2, 1, 2), Message: long,
			Fix: &rules.Fix{Description: long, Edit: compose.Edit{File: "compose.yaml", StartLine: 2, EndLine: 2, Text: long}}}, true, false),
			func(t *testing.T, a Annotation) {
				if !strings.HasSuffix(a.Title, " (bind-mount)") {
					t.Errorf("title lost its rule: %q", a.Title)
				}
				if !strings.Contains(a.Message, "Justified: ") || !strings.Contains(a.Message, "Rule: "+rules.DocURL(rules.BindMount)) {
					t.Errorf("message lost its trailer")
				}
			}},
		{"empty message", item(rules.Finding{Rule: rules.BindMount, Severity: rules.Notice,
			Loc: loc("compose.yaml", 2, 1, 2)}, true, false),
			func(t *testing.T, a Annotation) {
				if !strings.HasPrefix(a.Message, "Bind mount needs a justification") {
					t.Errorf("message %q", a.Message)
				}
			}},
		{"deleting fix", item(rules.Finding{Rule: rules.Privileged, Severity: rules.Error, Message: "m",
			Loc: loc("compose.yaml", 4, 5, 4), Fix: &rules.Fix{Description: "Remove privileged",
				Edit: compose.Edit{File: "compose.yaml", StartLine: 4, EndLine: 5}}}, true, false),
			func(t *testing.T, a Annotation) {
				if a.RawDetails != "Remove privileged\n\nDelete lines 4-5." {
					t.Errorf("raw details %q", a.RawDetails)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, anns := Render(Report{Items: []Item{tt.item}, FailOn: rules.Error})
			checkOutput(t, out)
			if len(anns) != 1 {
				t.Fatalf("%d annotations", len(anns))
			}
			checkAnnotations(t, anns)
			tt.check(t, anns[0])
		})
	}
}

func TestFindingWithoutFile(t *testing.T) {
	it := item(rules.Finding{Rule: rules.ParseError, Severity: rules.Error, Message: "no project"}, true, false)
	conclusion, out, anns := Render(Report{Items: []Item{it}, FailOn: rules.Error})
	if conclusion != ConclusionFailure || len(anns) != 0 {
		t.Errorf("got %s with %d annotations, want failure with none", conclusion, len(anns))
	}
	if !strings.Contains(out.Text, "no project") || !strings.Contains(out.Summary, "_(no file)_") {
		t.Errorf("the finding is not shown:\n%s\n%s", out.Summary, out.Text)
	}
}

// hostile is user text with every character the markdown must neutralize.
func TestHostileText(t *testing.T) {
	it := item(rules.Finding{
		Rule: rules.BindMount, Severity: rules.Warning,
		Service: "web` | <img src=x onerror=alert(1)>",
		Loc:     loc("a|b`c\\d/compose.yaml", 3, 1, 3),
		Message: "line one\n# heading\n| cell | cell |\n[link](https://evil.example) **bold** &amp; \u202Egnp.exe\x00",
	}, true, false)
	_, out, _ := Render(Report{Items: []Item{it}, Files: []string{"a|b`c\\d/compose.yaml"}, FailOn: rules.Error})
	// Outside code spans, every markdown character is escaped; inside,
	// nothing is interpreted.
	for _, bad := range []string{"\n# heading", "[link](", "**bold**", " &amp;", " | cell", "\u202E", "\x00"} {
		if strings.Contains(out.Summary+out.Text, bad) || strings.Contains(out.Summary, "<img") {
			t.Errorf("rendered output contains %q unescaped:\n%s\n%s", bad, out.Summary, out.Text)
		}
	}
	// The file's row keeps its three cells: four unescaped separators.
	rows := 0
	for line := range strings.Lines(out.Summary) {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, "compose.yaml") {
			rows++
			if n := strings.Count(unescapedPipes(line), "|"); n != 4 {
				t.Errorf("row with %d separators: %q", n, line)
			}
		}
	}
	if rows != 1 {
		t.Errorf("%d file rows, want 1:\n%s", rows, out.Summary)
	}
}

// unescapedPipes drops escaped pipes, leaving the cell separators.
func unescapedPipes(line string) string {
	return strings.ReplaceAll(strings.ReplaceAll(line, `\\`, ""), `\|`, "")
}

// TestTruncation renders 10,000 findings with long multi-byte messages in
// 3000 files: both the summary's file table and the
// details list must be cut, at line boundaries, with a note.
func TestTruncation(t *testing.T) {
	r := Report{HeadSHA: "fedcba9876543210fedcba9876543210fedcba98", FailOn: rules.Warning, Fixed: 12,
		Notes: []string{"config: .github/mountguard.yml from main"}}
	for i := range 3000 {
		r.Files = append(r.Files, fmt.Sprintf("dienste/größe-日本-%04d/compose.yaml", i))
	}
	ids := []string{rules.DockerSocket, rules.WritableBindMount, rules.BindMount, rules.HostNamespace, rules.TmpfsCandidate}
	sevs := []rules.Severity{rules.Error, rules.Warning, rules.Notice, rules.Warning, rules.Notice}
	for i := range 10000 {
		k := i % len(ids)
		f := rules.Finding{
			Rule: ids[k], Severity: sevs[k], Service: fmt.Sprintf("dienst-ü-%d", i),
			Loc:    loc(r.Files[i%len(r.Files)], 1+i%97, 7, 1+i%97),
			Target: fmt.Sprintf("/daten/%d", i),
			Message: fmt.Sprintf("Dienst „dienst-ü-%d“ bindet /srv/日本語/データ/%d 🐳 beschreibbar ein: ", i, i) +
				strings.Repeat("Größenänderung ✓ 🐳 — ", 25),
		}
		if i%7 == 0 {
			f.Justification = "genehmigt im Ticket SEC-" + fmt.Sprint(i) + " 👍"
		}
		r.Items = append(r.Items, item(f, i%3 != 0, i%11 == 0))
	}

	conclusion, out, anns := Render(r)
	checkOutput(t, out)
	checkAnnotations(t, anns)
	if conclusion != ConclusionFailure {
		t.Errorf("conclusion %s", conclusion)
	}

	// The text is cut between findings, and says how many are left out.
	listed := strings.Count(out.Text, "\n- **")
	note := fmt.Sprintf("_Truncated: %d more findings", 10000-listed)
	if listed < 50 || !strings.Contains(out.Text, note) || !strings.HasSuffix(out.Text, "for the complete list._\n") {
		t.Errorf("text lists %d findings; want the note %q at its end:\n%s", listed, note, tail(out.Text, 5))
	}
	if len(out.Text) < MaxOutputChars-2*noteRoom-5000 {
		t.Errorf("text uses only %d of %d bytes", len(out.Text), MaxOutputChars)
	}

	// The summary keeps its sections and cuts the file table, whole rows
	// only, with a note after a blank line.
	for _, want := range []string{"| **Total** | **6666** | **3334** |", "### Rules", "### Exceptions", "### Notes",
		"more files with findings are not listed._", "The 1000 most important findings are annotated"} {
		if !strings.Contains(out.Summary, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for line := range strings.Lines(out.Summary) {
		if strings.HasPrefix(line, "|") && !strings.HasSuffix(line, "|\n") {
			t.Errorf("cut table row %q", line)
		}
	}

	// Annotations: the cap, most important first.
	if len(anns) != MaxAnnotationsPerRun {
		t.Errorf("%d annotations, want %d", len(anns), MaxAnnotationsPerRun)
	}
	if anns[0].Level != LevelFailure || anns[len(anns)-1].Level != LevelFailure {
		t.Errorf("the capped annotations are not the new errors first: %s ... %s", anns[0].Level, anns[len(anns)-1].Level)
	}

	golden(t, "truncation", fmt.Sprintf(
		"conclusion: %s\ntitle: %s\nsummary: %d bytes, %d runes\ntext: %d bytes, %d runes\nannotations: %d\n"+
			"\n========== summary (head) ==========\n%s\n[...]\n========== summary (tail) ==========\n%s"+
			"\n========== text (head) ==========\n%s\n[...]\n========== text (tail) ==========\n%s",
		conclusion, out.Title, len(out.Summary), utf8.RuneCountInString(out.Summary),
		len(out.Text), utf8.RuneCountInString(out.Text), len(anns),
		head(out.Summary, 24), tail(out.Summary, 28), head(out.Text, 8), tail(out.Text, 6)))
}

func head(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}

func tail(s string, n int) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "") + "\n"
}

// TestLargeCallerText checks the limits for text from configuration and
// notes, which Render does not control.
func TestLargeCallerText(t *testing.T) {
	r := mixed()
	r.ExceptionHelp = strings.Repeat("```\nnever closed\n", 5000)
	for i := range 200 {
		r.Notes = append(r.Notes, strings.Repeat("ä", 2000)+fmt.Sprint(i))
	}
	_, out, _ := Render(r)
	checkOutput(t, out)
	if strings.Contains(out.Summary, "never closed") || !strings.Contains(out.Summary, "are not shown; shorten them") {
		t.Errorf("oversized exception help was shown")
	}
	if !strings.Contains(out.Summary, "- _182 more notes not shown_") {
		t.Errorf("notes not capped:\n%s", tail(out.Summary, 3))
	}
}

func TestSortItems(t *testing.T) {
	f := func(file string, line int, sev rules.Severity, isNew bool) Item {
		return item(rules.Finding{Rule: rules.BindMount, Severity: sev, Loc: loc(file, line, 1, line)}, isNew, false)
	}
	got := sortItems([]Item{
		f("b.yaml", 1, rules.Notice, true),
		f("a.yaml", 9, rules.Error, false),
		f("b.yaml", 2, rules.Error, true),
		f("a.yaml", 5, rules.Error, true),
		f("a.yaml", 1, rules.Warning, true),
	})
	var order []string
	for _, it := range got {
		order = append(order, fmt.Sprintf("%s:%d", it.Loc.File, it.Loc.Line))
	}
	if want := "a.yaml:5 b.yaml:2 a.yaml:1 b.yaml:1 a.yaml:9"; strings.Join(order, " ") != want {
		t.Errorf("order %s, want %s", strings.Join(order, " "), want)
	}
}

// Complete normalizes what it is given; what Render makes must pass through
// unchanged, or Complete would silently alter it.
func TestRenderNeedsNoNormalizing(t *testing.T) {
	for name, r := range map[string]Report{"mixed": mixed(), "empty": {}} {
		_, out, anns := Render(r)
		if got := normalizeOutput(out); got.Title != out.Title || got.Summary != out.Summary || got.Text != out.Text {
			t.Errorf("%s: normalizing changed the output", name)
		}
		if got, dropped := normalizeAnnotations(anns); dropped != 0 || fmt.Sprint(got) != fmt.Sprint(anns) {
			t.Errorf("%s: normalizing changed the annotations", name)
		}
	}
}

func TestRenderWithExceptions(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	exc := &Exception{Label: "mountguard: exception", ApprovedBy: "lead", ApprovedAt: at}
	item := func(rule string, sev rules.Severity, line int, e *Exception) Item {
		return Item{Finding: rules.Finding{Rule: rule, Severity: sev, Title: "T", Message: "m", Loc: compose.Loc{File: "compose.yaml", Line: line, Column: 1, EndLine: line}, Service: "s"}, New: true, Exception: e}
	}
	tests := []struct {
		name       string
		items      []Item
		pass       string
		conclusion string
		title      string
	}{
		{"all excepted", []Item{item("privileged", rules.Error, 3, exc), item("docker-socket", rules.Error, 5, exc)}, "", ConclusionSuccess, "Passed with 2 exceptions"},
		{"all excepted, neutral", []Item{item("privileged", rules.Error, 3, exc)}, ConclusionNeutral, ConclusionNeutral, "Passed with 1 exception"},
		{"one not covered", []Item{item("privileged", rules.Error, 3, exc), item("docker-socket", rules.Error, 5, nil)}, "", ConclusionFailure, "2 new errors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conclusion, out, anns := Render(Report{HeadSHA: "abc", Items: tt.items, Files: []string{"compose.yaml"}, FailOn: rules.Error, PassConclusion: tt.pass})
			if conclusion != tt.conclusion || out.Title != tt.title {
				t.Errorf("%s %q, want %s %q", conclusion, out.Title, tt.conclusion, tt.title)
			}
			if !strings.Contains(out.Summary, "### Granted exceptions") || !strings.Contains(out.Summary, "`@lead`") {
				t.Errorf("summary lacks the granted exceptions:\n%s", out.Summary)
			}
			for _, a := range anns {
				if a.StartLine == 3 && (a.Level != LevelNotice || !strings.HasPrefix(a.Title, "Excepted: ") || !strings.Contains(a.Message, "Excepted by @lead")) {
					t.Errorf("excepted annotation %+v", a)
				}
			}
		})
	}
}
