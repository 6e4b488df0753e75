package comment

import (
	"strings"
	"testing"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/rules"
)

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
