package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// finding fills in what rules.Settings.Finish would, so the sample looks
// like engine output.
func finding(f rules.Finding) rules.Finding {
	if r, ok := rules.Lookup(f.Rule); ok && f.Title == "" {
		f.Title = r.Title
	}
	f.Fingerprint = rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return f
}

// sample covers every severity, a justification, fixes of one and of two
// lines, an empty service, a multi-line span, a path that needs encoding
// and a message with every character the formats must escape.
func sample() *engine.Result {
	return &engine.Result{
		Findings: []rules.Finding{
			finding(rules.Finding{
				Rule: rules.DockerSocket, Severity: rules.Error, Service: "agent",
				Loc:    compose.Loc{File: "compose.yaml", Line: 6, Column: 9, EndLine: 6},
				Target: "/var/run/docker.sock", Source: "/var/run/docker.sock",
				Message: `service "agent" mounts the Docker socket /var/run/docker.sock: anyone who controls the container controls the host.`,
				// A justification with characters the github format escapes.
				Justification: "the CI agent starts sibling containers: approved in SEC-42, 100% needed",
			}),
			finding(rules.Finding{
				Rule: rules.WritableBindMount, Severity: rules.Warning, Service: "web",
				Loc:    compose.Loc{File: "compose.yaml", Line: 12, Column: 9, EndLine: 12},
				Target: "/usr/share/nginx/html", Source: "./html",
				Message: `service "web" mounts ./html at /usr/share/nginx/html writable.`,
				Fix: &rules.Fix{Description: "Mount it read-only (:ro)", Edit: compose.Edit{
					File: "compose.yaml", StartLine: 12, EndLine: 12,
					Text: "      - ./html:/usr/share/nginx/html:ro\n",
				}},
			}),
			finding(rules.Finding{
				Rule: rules.BindMount, Severity: rules.Notice, Service: "worker",
				Loc:    compose.Loc{File: "compose.yaml", Line: 20, Column: 9, EndLine: 23},
				Target: "/data", Source: "./100%",
				Message: "bind mount of ./100% at /data, with no reason given:\nadd # mountguard: allow bind-mount -- <why>",
			}),
			finding(rules.Finding{
				Rule: rules.ParseError, Severity: rules.Error,
				Loc:     compose.Loc{File: "dev/compose.override.yaml", Line: 3, Column: 7, EndLine: 3},
				Message: "yaml: line 3: mapping values are not allowed in this context",
			}),
			finding(rules.Finding{
				Rule: rules.NoReadOnlyRootfs, Severity: rules.Notice, Service: "api",
				Loc:     compose.Loc{File: "web app/compose.yaml", Line: 4, Column: 3, EndLine: 4},
				Target:  "read_only",
				Message: `service "api" has a writable root file system: add read_only: true, and mount tmpfs where it needs to write.`,
				Fix: &rules.Fix{Description: "Make the root file system read-only", Edit: compose.Edit{
					File: "web app/compose.yaml", StartLine: 5, EndLine: 5,
					Text: "    read_only: true\n    image: example/api:1.4\n",
				}},
			}),
			finding(rules.Finding{
				Rule: rules.HostNamespace, Severity: rules.Warning, Service: "api",
				Loc:    compose.Loc{File: "web app/compose.yaml", Line: 9, Column: 5, EndLine: 9},
				Target: "pid", Source: "host",
				Message: `service "api" sets pid: host, so it sees and can signal every process on the host.`,
			}),
		},
		Files:    []string{"compose.yaml", "dev/.env", "dev/compose.override.yaml", "web app/compose.yaml"},
		Projects: 2,
	}
}

func TestSampleIsSorted(t *testing.T) {
	// The formats keep the engine's order; a sample out of that order
	// would make the goldens show something the engine never produces.
	if !slices.IsSortedFunc(sample().Findings, rules.Compare) {
		t.Fatal("sample findings are not in rules.Compare order")
	}
}

func examples(p string) string { return "examples/" + p }

func render(t *testing.T, format string, res *engine.Result, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, res, opts); err != nil {
		t.Fatalf("Write(%q): %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	opts := Options{Path: examples, Version: "1.2.3"}
	colour := opts
	colour.Color = true
	tests := []struct {
		name   string
		format string
		res    *engine.Result
		opts   Options
	}{
		{"text", "text", sample(), opts},
		{"text_color", "text", sample(), colour},
		{"json", "json", sample(), opts},
		{"sarif", "sarif", sample(), opts},
		{"github", "github", sample(), opts},
		{"empty_text", "text", &engine.Result{}, opts},
		{"empty_json", "json", &engine.Result{}, opts},
		{"empty_sarif", "sarif", &engine.Result{}, Options{}},
		{"empty_github", "github", &engine.Result{Files: []string{"compose.yaml"}}, opts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.format, tt.res, tt.opts)
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s",
					tt.format, golden, got, want)
			}
		})
	}
}

// The format functions and Write must agree, since the CLI may call either.
func TestWriteDispatch(t *testing.T) {
	funcs := map[string]func(*bytes.Buffer) error{
		"text":   func(b *bytes.Buffer) error { return Text(b, sample(), Options{}) },
		"json":   func(b *bytes.Buffer) error { return JSON(b, sample(), Options{}) },
		"sarif":  func(b *bytes.Buffer) error { return SARIF(b, sample(), Options{}) },
		"github": func(b *bytes.Buffer) error { return GitHub(b, sample(), Options{}) },
	}
	if len(funcs) != len(Formats) {
		t.Fatalf("Formats = %v, want the %d formats tested here", Formats, len(funcs))
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := funcs[format](&b); err != nil {
			t.Fatal(err)
		}
		if got := render(t, format, sample(), Options{}); !bytes.Equal(got, b.Bytes()) {
			t.Errorf("Write(%q) differs from calling the format's function", format)
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, "xml", sample(), Options{})
	if err == nil {
		t.Fatal("Write(xml) succeeded")
	}
	for _, want := range append([]string{`"xml"`}, Formats...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if b.Len() != 0 {
		t.Errorf("Write(xml) wrote %q", b.String())
	}
}

// sarifDoc is the part of SARIF 2.1.0 that code scanning reads.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
						EndLine     int `json:"endLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []any             `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFRuleIndex(t *testing.T) {
	res := sample()
	// A rule the catalog does not know must not get an index, and a
	// finding without a line must still get a region code scanning accepts.
	res.Findings = append(res.Findings, rules.Finding{
		Rule: "from-the-future", Severity: rules.Warning, Message: "m",
		Loc: compose.Loc{File: "z.yaml"},
	})
	var doc sarifDoc
	if err := json.Unmarshal(render(t, "sarif", res, Options{Path: examples}), &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || doc.Schema != "https://json.schemastore.org/sarif-2.1.0.json" {
		t.Errorf("version %q, $schema %q", doc.Version, doc.Schema)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "mountguard" || run.Tool.Driver.Version != "" {
		t.Errorf("driver %q version %q", run.Tool.Driver.Name, run.Tool.Driver.Version)
	}
	catalog := rules.Catalog()
	if len(run.Tool.Driver.Rules) != len(catalog) {
		t.Fatalf("%d rules, catalog has %d", len(run.Tool.Driver.Rules), len(catalog))
	}
	for i, r := range catalog {
		if got := run.Tool.Driver.Rules[i].ID; got != r.ID {
			t.Errorf("rules[%d] = %s, want %s (catalog order)", i, got, r.ID)
		}
	}
	if len(run.Results) != len(res.Findings) {
		t.Fatalf("%d results, want %d", len(run.Results), len(res.Findings))
	}
	for i, r := range run.Results {
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
			r.Locations[0].PhysicalLocation.Region.StartLine < 1 || r.Locations[0].PhysicalLocation.Region.StartColumn < 1 ||
			r.Locations[0].PhysicalLocation.Region.EndLine < r.Locations[0].PhysicalLocation.Region.StartLine {
			t.Errorf("result %d: location %+v", i, r.Locations)
		}
		if r.Suppressions != nil {
			t.Errorf("result %d: has suppressions, which would hide it in code scanning", i)
		}
		if _, known := rules.Lookup(r.RuleID); !known {
			if r.RuleIndex != nil {
				t.Errorf("result %d: unknown rule %s has ruleIndex %d", i, r.RuleID, *r.RuleIndex)
			}
			continue
		}
		if r.RuleIndex == nil {
			t.Errorf("result %d (%s): no ruleIndex", i, r.RuleID)
			continue
		}
		if idx := *r.RuleIndex; idx < 0 || idx >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[idx].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d does not point at %s", i, idx, r.RuleID)
		}
		if r.PartialFingerprints["mountguardFingerprint/v1"] != res.Findings[i].Fingerprint {
			t.Errorf("result %d: partialFingerprints %v", i, r.PartialFingerprints)
		}
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct{ path, uri, base string }{
		{"compose.yaml", "compose.yaml", "%SRCROOT%"},
		{"web app/compose.yaml", "web%20app/compose.yaml", "%SRCROOT%"},
		{"a/100%.yaml", "a/100%25.yaml", "%SRCROOT%"},
		{"a:b/compose.yaml", "./a:b/compose.yaml", "%SRCROOT%"},
		{"/srv/app/compose.yaml", "file:///srv/app/compose.yaml", ""},
		{"C:/app/compose.yaml", "file:///C:/app/compose.yaml", ""},
	}
	for _, tt := range tests {
		got := artifactLocation(tt.path)
		if got.URI != tt.uri || got.URIBaseID != tt.base {
			t.Errorf("artifactLocation(%q) = %+v, want uri %q base %q", tt.path, got, tt.uri, tt.base)
		}
	}
}

func TestCamelCase(t *testing.T) {
	for id, want := range map[string]string{
		"docker-socket":       "DockerSocket",
		"no-read-only-rootfs": "NoReadOnlyRootfs",
		"privileged":          "Privileged",
	} {
		if got := camelCase(id); got != want {
			t.Errorf("camelCase(%q) = %q, want %q", id, got, want)
		}
	}
}

// jsonDoc is the JSON contract as documented; decoding with
// DisallowUnknownFields catches keys added without documenting them.
type jsonDoc struct {
	Findings []struct {
		Rule          string `json:"rule"`
		Severity      string `json:"severity"`
		Title         string `json:"title"`
		Message       string `json:"message"`
		File          string `json:"file"`
		Line          int    `json:"line"`
		Column        int    `json:"column"`
		EndLine       int    `json:"end_line"`
		Service       string `json:"service"`
		Fingerprint   string `json:"fingerprint"`
		Justification string `json:"justification"`
		Fix           *struct {
			Description string `json:"description"`
			StartLine   int    `json:"start_line"`
			EndLine     int    `json:"end_line"`
			Replacement string `json:"replacement"`
		} `json:"fix"`
	} `json:"findings"`
	Summary struct {
		Error   int `json:"error"`
		Warning int `json:"warning"`
		Notice  int `json:"notice"`
	} `json:"summary"`
	Files []string `json:"files"`
}

func decodeJSON(t *testing.T, b []byte) jsonDoc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc jsonDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JSON output does not match the documented shape: %v\n%s", err, b)
	}
	return doc
}

func TestJSONShape(t *testing.T) {
	res := sample()
	out := render(t, "json", res, Options{Path: examples})
	doc := decodeJSON(t, out)
	if len(doc.Findings) != len(res.Findings) {
		t.Fatalf("%d findings, want %d", len(doc.Findings), len(res.Findings))
	}
	for i, got := range doc.Findings {
		f := res.Findings[i]
		if got.Rule != f.Rule || got.Severity != f.Severity.String() || got.Title != f.Title ||
			got.Message != f.Message || got.File != "examples/"+f.Loc.File || got.Line != f.Loc.Line ||
			got.Column != f.Loc.Column || got.EndLine != f.Loc.EndLine || got.Service != f.Service ||
			got.Fingerprint != f.Fingerprint || got.Justification != f.Justification {
			t.Errorf("finding %d = %+v, from %+v", i, got, f)
		}
		if (got.Fix == nil) != (f.Fix == nil) {
			t.Errorf("finding %d: fix %+v, want %+v", i, got.Fix, f.Fix)
		} else if f.Fix != nil && (got.Fix.Description != f.Fix.Description || got.Fix.StartLine != f.Fix.StartLine ||
			got.Fix.EndLine != f.Fix.EndLine || got.Fix.Replacement != f.Fix.Text) {
			t.Errorf("finding %d: fix %+v, want %+v", i, got.Fix, f.Fix)
		}
	}
	if doc.Summary.Error != 2 || doc.Summary.Warning != 2 || doc.Summary.Notice != 2 {
		t.Errorf("summary %+v, want 2 of each", doc.Summary)
	}
	if want := []string{"examples/compose.yaml", "examples/dev/.env", "examples/dev/compose.override.yaml", "examples/web app/compose.yaml"}; strings.Join(doc.Files, "|") != strings.Join(want, "|") {
		t.Errorf("files %q, want %q", doc.Files, want)
	}

	// Keys that are documented as always present must be there even when
	// empty, and the optional ones absent when empty.
	var raw struct {
		Findings []map[string]json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	for i, f := range raw.Findings {
		for _, key := range []string{"rule", "severity", "title", "message", "file", "line", "column", "end_line", "service", "fingerprint"} {
			if _, ok := f[key]; !ok {
				t.Errorf("finding %d has no %q", i, key)
			}
		}
		if _, ok := f["justification"]; ok != (res.Findings[i].Justification != "") {
			t.Errorf("finding %d: justification present = %v", i, ok)
		}
		if _, ok := f["fix"]; ok != (res.Findings[i].Fix != nil) {
			t.Errorf("finding %d: fix present = %v", i, ok)
		}
	}
}

func TestEmpty(t *testing.T) {
	for _, res := range []*engine.Result{{}, nil} {
		out := render(t, "json", res, Options{})
		for _, want := range []string{`"findings": []`, `"files": []`} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("empty JSON lacks %s:\n%s", want, out)
			}
		}
		doc := decodeJSON(t, out)
		if len(doc.Findings) != 0 || doc.Summary.Error+doc.Summary.Warning+doc.Summary.Notice != 0 {
			t.Errorf("empty JSON = %+v", doc)
		}
		if got := string(render(t, "text", res, Options{})); got != "no findings in 0 files\n" {
			t.Errorf("empty text = %q", got)
		}
		if !bytes.Contains(render(t, "sarif", res, Options{}), []byte(`"results": []`)) {
			t.Error(`empty SARIF lacks "results": []`)
		}
	}
}

func TestSummary(t *testing.T) {
	f := func(sev rules.Severity, justified string) rules.Finding {
		return rules.Finding{Severity: sev, Justification: justified}
	}
	tests := []struct {
		findings []rules.Finding
		files    int
		want     string
	}{
		{nil, 1, "no findings in 1 file"},
		{[]rules.Finding{f(rules.Error, "")}, 1, "1 error in 1 file"},
		{[]rules.Finding{f(rules.Warning, ""), f(rules.Warning, "ok")}, 2, "2 warnings in 2 files (1 justified)"},
		{[]rules.Finding{f(rules.Error, ""), f(rules.Error, ""), f(rules.Error, ""), f(rules.Warning, ""),
			f(rules.Warning, ""), f(rules.Notice, "")}, 4, "3 errors, 2 warnings, 1 notice in 4 files"},
		{[]rules.Finding{f(rules.Notice, ""), f(rules.Notice, "")}, 3, "2 notices in 3 files"},
	}
	for _, tt := range tests {
		res := &engine.Result{Findings: tt.findings, Files: make([]string, tt.files)}
		if got := summary(res); got != tt.want {
			t.Errorf("summary = %q, want %q", got, tt.want)
		}
	}
}

func TestGitHubEscape(t *testing.T) {
	tests := []struct{ in, data, property string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A", "%250A", "%250A"},
		{"x\n::error::injected", "x%0A::error::injected", "x%0A%3A%3Aerror%3A%3Ainjected"},
	}
	for _, tt := range tests {
		if got := escapeData(tt.in); got != tt.data {
			t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
		}
		if got := escapeProperty(tt.in); got != tt.property {
			t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.property)
		}
	}
}

func TestTextPathIdentity(t *testing.T) {
	out := string(render(t, "text", sample(), Options{}))
	if !strings.HasPrefix(out, "compose.yaml:6:9: error docker-socket: ") {
		t.Errorf("with a nil Path the path should be shown as is:\n%s", out)
	}
}

// A message quoting hostile file content must not reach the terminal as
// escape sequences, with or without colour.
func TestTextControlCharacters(t *testing.T) {
	res := &engine.Result{Findings: []rules.Finding{{
		Rule: rules.BindMount, Severity: rules.Notice, Message: "src \x1b]0;pwned\x07 \u202eevil\r",
		Loc: compose.Loc{File: "a\x1b[2J.yaml", Line: 1, Column: 1, EndLine: 1},
	}}}
	for _, color := range []bool{false, true} {
		out := string(render(t, "text", res, Options{Color: color}))
		if strings.Contains(out, "\x07") || strings.Contains(out, "\u202e") || strings.Contains(out, "\r") ||
			strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("control characters reached the output: %q", out)
		}
		if !strings.Contains(out, `a\x1b[2J.yaml`) || !strings.Contains(out, `\u202eevil\x0d`) {
			t.Errorf("control characters are not shown escaped: %q", out)
		}
		if !color && strings.Contains(out, "\x1b") {
			t.Errorf("escape codes without colour: %q", out)
		}
	}
}
