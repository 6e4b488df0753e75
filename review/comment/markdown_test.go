package comment

import (
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/rules"
)

func TestInline(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain text, with: punctuation (ok).", "plain text, with: punctuation (ok)."},
		{"read_only: true and my_app_data", "read_only: true and my_app_data"},
		{"/srv/_data_/x and _it_", `/srv/\_data\_/x and \_it\_`},
		{"<!-- hidden -->", "&lt;!-- hidden --&gt;"},
		{"a & b", "a &amp; b"},
		{"&lt;", "&amp;lt;"},
		{"```sh", "\\`\\`\\`sh"},
		{"~~~", `\~\~\~`},
		{`back\slash`, `back\\slash`},
		{"*bold* [link](x) a|b", `\*bold\* \[link\](x) a\|b`},
		{"> quote", "&gt; quote"},
		{"# heading", `\# heading`},
		{"- item\n+ item\n= x\n---", "\\- item\n\\+ item\n\\= x\n\\---"},
		{"12. item\n3) item\n2024 was", "12\\. item\n3\\) item\n2024 was"},
		{"    indented code", "indented code"},
		{"one\n\n\ntwo\r\nthree", "one\ntwo\nthree"},
		{"cc @octocat and @org/team", "cc @\u200boctocat and @\u200borg/team"},
		{"user@example.com", "user@example.com"},
		{"see #12, issue#3, # mountguard: allow", "see #\u200b12, issue#3, # mountguard: allow"},
		{"tab\there\x00bell\x07", "tab here\uFFFDbell\uFFFD"},
		{"${SRC:-./a}:${DST}", "<span>$</span>{SRC:-./a}:<span>$</span>{DST}"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := inline(tt.in, 0); got != tt.want {
			t.Errorf("inline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := inline("ééééé", 3); got != "ééé…" {
		t.Errorf("truncate = %q", got)
	}
	if got := inline("abc", 3); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"compose.yaml", "`compose.yaml`"},
		{"a`b", "``a`b``"},
		{"`a", "`` `a ``"},
		{"a``", "``` a`` ```"},
		{" a ", "`  a  `"},
		{"   ", "`   `"},
		{"line\nbreak", "`line break`"},
		{"", "` `"},
		{"<!-- x -->", "`<!-- x -->`"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFences(t *testing.T) {
	body := "a\n```go\nx\n~~~\n```\n> ```\nb\n````\n```\n`````\n~~~ x\n    ~~~\n  ~~~\n``` `x`\n    ```\n"
	want := []lineKind{plainLine, openLine, codeLine, codeLine, closeLine, quotedLine, plainLine, openLine, codeLine, closeLine,
		openLine, codeLine, closeLine, plainLine, plainLine}
	var f fences
	i := 0
	for line := range strings.Lines(body) {
		if got := f.next(strings.TrimSuffix(line, "\n")); got != want[i] {
			t.Errorf("line %d %q: kind %d, want %d", i+1, line, got, want[i])
		}
		i++
	}
	if got := closeFences("x\n```yaml\ny"); got != "x\n```yaml\ny\n```" {
		t.Errorf("closeFences = %q", got)
	}
	if got := closeFences("x\n~~~~\n"); got != "x\n~~~~\n~~~~" {
		t.Errorf("closeFences = %q", got)
	}
	if got := closeFences("x\n```\ny\n```"); got != "x\n```\ny\n```" {
		t.Errorf("closeFences changed closed fences: %q", got)
	}
}

func TestSummary(t *testing.T) {
	findings := []rules.Finding{
		hostNamespace(),
		finding(rules.Finding{
			Rule: rules.ParseError, Severity: rules.Error,
			Loc:     compose.Loc{File: "dev/compose.override.yaml", Line: 3, Column: 7},
			Message: "yaml: line 3: mapping values are not allowed in this context",
		}),
		dockerSocket(),
		cacheEntry().Findings[1],
		finding(rules.Finding{
			Rule: rules.BindMount, Severity: rules.Notice, Service: "worker",
			Loc:    compose.Loc{File: "web `app`/compose.yaml", Line: 20, Column: 9, EndLine: 23},
			Target: "/data", Source: "./data",
			Message: "bind mount of ./data at /data, with no reason given:\nadd # mountguard: allow bind-mount -- <why>",
		}),
	}
	got := Summary(findings, "**mountguard** found 5 problems outside the diff:")
	golden(t, "summary", got)
	if Summary(nil, "headline") != "" {
		t.Error("Summary of no findings is not empty")
	}
}

func TestSummaryLimit(t *testing.T) {
	var findings []rules.Finding
	for i := range 2000 {
		f := writableHTML()
		f.Loc.Line = i + 1
		f.Loc.File = strings.Repeat("d/", i%7) + "compose.yaml"
		findings = append(findings, f)
	}
	got := Summary(findings, "Findings:")
	if len(got) > maxSummary {
		t.Errorf("summary of %d bytes", len(got))
	}
	if !strings.Contains(got, " more not listed here.\n") {
		t.Errorf("summary does not say findings were left out:\n%s", got[len(got)-300:])
	}
}
