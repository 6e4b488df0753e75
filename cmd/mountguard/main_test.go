package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

const example = "../../testdata/example"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLintExample(t *testing.T) {
	code, out, errOut := runCLI(t, "lint", example)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFindings, errOut)
	}
	for _, want := range []string{
		filepath.Join(example, "compose.yaml") + ":48:9: error docker-socket:",
		filepath.Join(example, "common", "service.yaml") + ":6:9: warning writable-bind-mount:",
		filepath.Join(example, "compose.override.yaml") + ":7:9: notice bind-mount:",
		"justified: uploads land here until the scanner picks them up",
		"5 errors, 9 warnings, 4 notices in 4 files (1 justified)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLintJSONIsTheDocumentedContract(t *testing.T) {
	code, out, _ := runCLI(t, "lint", "--format", "json", "--fail-on", "never", example)
	if code != exitOK {
		t.Fatalf("exit %d with --fail-on never", code)
	}
	var doc struct {
		Findings []struct {
			Rule, Severity, Title, Message, File, Service, Fingerprint string
			Line, Column                                               int
			EndLine                                                    int `json:"end_line"`
			Justification                                              string
			Fix                                                        *struct {
				Description string
				StartLine   int `json:"start_line"`
				EndLine     int `json:"end_line"`
				Replacement string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(doc.Findings) != 18 {
		t.Fatalf("%d findings, want 18", len(doc.Findings))
	}
	for _, f := range doc.Findings {
		if !strings.HasPrefix(f.File, example) || f.Fingerprint == "" || f.Rule == "" || f.Title == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}

func TestLintFailOn(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "compose.yaml", "services:\n  s:\n    image: x\n    user: \"1000\"\n    volumes:\n      - ./site:/site:ro\n")
	tests := []struct {
		failOn string
		want   int
	}{
		{"error", exitOK},
		{"warning", exitOK},
		{"notice", exitFindings},
		{"never", exitOK},
		{"bogus", exitUsage},
	}
	for _, tt := range tests {
		if code, _, _ := runCLI(t, "lint", "--fail-on", tt.failOn, dir); code != tt.want {
			t.Errorf("--fail-on %s: exit %d, want %d", tt.failOn, code, tt.want)
		}
	}
}

func TestLintFilesMergeLikeDashF(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.yaml", "services:\n  s:\n    image: x\n    user: \"1000\"\n    volumes:\n      - ./a:/a:ro\n")
	prod := writeFile(t, dir, "prod.yaml", "services:\n  s:\n    privileged: true\n")
	code, out, errOut := runCLI(t, "lint", "--format", "github", base, prod)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "::error file="+prod+",line=3,col=5") {
		t.Errorf("the privileged finding is not in prod.yaml at 3:5:\n%s", out)
	}
}

func TestLintFileOutsideItsRoot(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a/compose.yaml", "services:\n  s:\n    image: x\n")
	b := writeFile(t, dir, "b/extra.yaml", "services:\n  s:\n    image: y\n")
	if code, _, errOut := runCLI(t, "lint", a, b); code != exitUsage || !strings.Contains(errOut, "--root") {
		t.Errorf("exit %d, stderr %q: want a usage error that suggests --root", code, errOut)
	}
	if code, _, errOut := runCLI(t, "lint", "--root", dir, a, b); code != exitOK {
		t.Errorf("with --root: exit %d: %s", code, errOut)
	}
}

func TestLintConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "compose.yaml", "services:\n  s:\n    image: x\n    privileged: true\n")
	good := writeFile(t, t.TempDir(), "mountguard.yml", "rules:\n  privileged: warning\n")
	if code, out, _ := runCLI(t, "lint", "--config", good, dir); code != exitOK || !strings.Contains(out, "warning privileged") {
		t.Errorf("exit %d, output %q: privileged should be a warning", code, out)
	}
	bad := writeFile(t, t.TempDir(), "mountguard.yml", "rules:\n  privilged: off\n")
	code, _, errOut := runCLI(t, "lint", "--config", bad, dir)
	if code != exitUsage || !strings.Contains(errOut, `line 2: rules: unknown rule "privilged"`) {
		t.Errorf("exit %d, stderr %q: want the unknown rule with its line", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"lint"}, "give at least one directory or compose file"},
		{[]string{"lint", "--format", "xml", "."}, `unknown format "xml"`},
		{[]string{"lint", "/does/not/exist"}, "cannot review /does/not/exist"},
		{[]string{"lint", t.TempDir()}, "no compose file found"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestRulesAndVersion(t *testing.T) {
	if code, out, _ := runCLI(t, "rules"); code != exitOK || !strings.Contains(out, "docker-socket") || !regexp.MustCompile(`no-read-only-rootfs\s+off`).MatchString(out) {
		t.Errorf("rules: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "version"); code != exitOK || !strings.HasPrefix(out, "mountguard ") {
		t.Errorf("version: exit %d %q", code, out)
	}
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCLI(t, "demo")
	if code != exitOK {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"the App answers 202 Accepted",
		"══ Review on the pull request (5 inline comments) ══",
		"── compose.yaml, line 20 ──",
		"```suggestion",
		`══ Check run "mountguard": failure`,
		"Justified in the file:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
