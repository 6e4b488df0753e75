package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/rules"
)

func TestParse(t *testing.T) {
	cfg, err := Parse([]byte(`rules:
  bind-mount: off
  no-read-only-rootfs: warning
sensitive_paths: [/srv/secrets]
allowed_bind_sources:
  - ./config
  - /var/log/app
  - ~/data
limits:
  max_file_size: 4MiB
  max_files: 20
  max_yaml_nodes: 1000
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules[rules.BindMount] != rules.Off || cfg.Rules[rules.NoReadOnlyRootfs] != rules.Warning {
		t.Errorf("rules = %v", cfg.Rules)
	}
	if cfg.Limits.MaxFileSize != 4<<20 || cfg.Limits.MaxFiles != 20 || cfg.Limits.MaxYAMLNodes != 1000 {
		t.Errorf("limits = %+v", cfg.Limits)
	}
	s := cfg.RuleSettings()
	if len(s.SensitivePaths) != 1 || len(s.AllowedBindSources) != 3 {
		t.Errorf("settings = %+v", s)
	}
	if o := cfg.LoadOptions(); o.MaxFileSize != 4<<20 || o.MaxFiles != 20 || o.MaxNodes != 1000 {
		t.Errorf("load options = %+v", o)
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for _, in := range []string{"", "# nothing\n"} {
		cfg, err := Parse([]byte(in))
		if err != nil || len(cfg.Rules) != 0 {
			t.Errorf("%q: %+v %v", in, cfg, err)
		}
	}
}

func TestParseIsStrict(t *testing.T) {
	tests := []struct {
		in       string
		line     int
		contains string
	}{
		{"rule:\n  bind-mount: off\n", 1, `field rule not found`},
		{"rules:\n  bind-mount: off\n  privilged: error\n", 3, `unknown rule "privilged"`},
		{"rules:\n  bind-mount: loud\n", 2, `unknown severity "loud"`},
		{"sensitive_paths: [srv/secrets]\n", 1, `must be an absolute host path`},
		{"allowed_bind_sources:\n  - ./ok\n  - ../../outside\n", 3, `inside the project`},
		{"limits:\n  max_file_size: huge\n", 2, `is not a size`},
		{"limits:\n  max_files: -1\n", 1, `must not be negative`},
		{"limits:\n  bogus: 1\n", 2, `field bogus not found`},
		{"rules: [a, b]\n", 1, ``},
		{"rules:\n  bind-mount: off\nrules:\n  privileged: off\n", 3, `already defined`},
		{"{", 1, `did not find expected node content`},
		{"comments:\n  max_inline: many\n", 2, "`many` is not a whole number"},
		{"limits:\n  max_files: [1]\n", 2, "expected a whole number, not a list"},
		{"limits: 5\n", 1, "is not a mapping of keys"},
		{"rules:\n  bind-mount: off\n  x: [1,\nfail_on: error\n", 4, `did not find expected ',' or ']'`},
		{"comments:\n  max_inline: 101\n", 2, `from 1 to 100, or 0 for the default`},
		{"exceptions:\n  approvers:\n    teams:\n      - acme/sec\n      - justateam\n", 5, `exceptions.approvers.teams: team "justateam" must be written org/team-slug`},
		{"exceptions:\n  review_team: acme/a/b\n", 2, `exceptions.review_team: team "acme/a/b"`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v is not a *config.Error", tt.in, err)
			continue
		}
		if ce.Line != tt.line || !strings.Contains(ce.Msg, tt.contains) {
			t.Errorf("%q: got line %d %q, want line %d containing %q", tt.in, ce.Line, ce.Msg, tt.line, tt.contains)
		}
		// The file's author reads these: no repeated line number, no Go
		// type names.
		if strings.HasPrefix(ce.Msg, "line ") || strings.Contains(ce.Msg, " in type ") {
			t.Errorf("%q: message %q repeats the line or names a Go type", tt.in, ce.Msg)
		}
	}
}

func TestAppSettings(t *testing.T) {
	cfg, err := Parse([]byte("compose_files: [\"deploy/**/*.yml\"]\ncomments:\n  mode: added\n  max_inline: 10\nreview_event: REQUEST_CHANGES\nfail_on: never\nerror_conclusion: failure\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.App()
	if len(a.ComposeFiles) != 1 || a.CommentMode != "added" || a.MaxInline != 10 || a.ReviewEvent != "REQUEST_CHANGES" || a.FailOn != rules.Off || a.ErrorConclusion != "failure" {
		t.Errorf("App() = %+v", a)
	}
	d := Default().App()
	if len(d.ComposeFiles) != len(DefaultComposeFiles) || d.CommentMode != "diff" || d.MaxInline != 25 || d.ReviewEvent != "COMMENT" || d.FailOn != rules.Error || d.ErrorConclusion != "neutral" {
		t.Errorf("defaults = %+v", d)
	}
	for _, bad := range []string{"comments:\n  mode: all\n", "fail_on: high\n", "review_event: APPROVE\n", "error_conclusion: success\n", "compose_files: [\"a/[b\"]\n", "comments:\n  max_inline: 500\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestExceptionSettings(t *testing.T) {
	d := Default().ExceptionSettings()
	if d.Label.Name != "mountguard: exception" || d.Allow.Name != "mountguard: allow " || d.NeedsReview.Name != "mountguard: needs review" ||
		d.MinRole != "maintain" || !d.RemoveUnauthorized || d.Conclusion != "success" {
		t.Errorf("defaults %+v", d)
	}
	cfg, err := Parse([]byte(`exceptions:
  label: {name: "security: accepted", color: "00ff00"}
  approvers:
    min_role: admin
    users: [alice]
    teams: [acme/security]
  remove_unauthorized: false
  review_team: acme/security
  conclusion: neutral
`))
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.ExceptionSettings()
	if e.Label.Name != "security: accepted" || e.Label.Color != "00ff00" || e.Label.Description == "" || e.MinRole != "admin" ||
		e.RemoveUnauthorized || e.ReviewTeam != "acme/security" || e.Conclusion != "neutral" || e.Users[0] != "alice" || e.Teams[0] != "acme/security" {
		t.Errorf("settings %+v", e)
	}
	for _, bad := range []string{
		"exceptions:\n  label: {color: red}\n",
		"exceptions:\n  approvers: {min_role: owner}\n",
		"exceptions:\n  approvers: {teams: [security]}\n",
		"exceptions:\n  conclusion: failure\n",
		"exceptions:\n  labels: {}\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
