package exception

import (
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/rules"
)

// labelKind is what a label means to the workflow.
type labelKind int

const (
	otherLabel   labelKind = iota
	blanketLabel           // covers every blocking finding
	allowLabel             // covers one rule's blocking findings
	unknownAllow           // the allow prefix followed by no known rule
	needsReview            // the App's own "needs review" label
)

// classify says what a label is. GitHub treats label names without regard
// to case (a repository cannot have both "Bug" and "bug"), so neither does
// this. The blanket and needs-review names are tested first: a prefix
// configured to overlap them must not turn them into allow labels.
func classify(name string, s config.ExceptionSettings) (labelKind, string) {
	switch {
	case name == "":
		return otherLabel, ""
	case s.Label.Name != "" && strings.EqualFold(name, s.Label.Name):
		return blanketLabel, ""
	case s.NeedsReview.Name != "" && strings.EqualFold(name, s.NeedsReview.Name):
		return needsReview, ""
	case s.Allow.Name != "" && len(name) > len(s.Allow.Name) && strings.EqualFold(name[:len(s.Allow.Name)], s.Allow.Name):
		id := strings.ToLower(strings.TrimSpace(name[len(s.Allow.Name):]))
		if _, ok := rules.Lookup(id); ok {
			return allowLabel, id
		}
		return unknownAllow, ""
	}
	return otherLabel, ""
}

// isException reports whether a label grants an exception.
func isException(name string, s config.ExceptionSettings) bool {
	k, _ := classify(name, s)
	return k == blanketLabel || k == allowLabel
}

// IsWorkflowLabel reports whether a label means something to the
// exception workflow: an exception label (valid or not) or the
// needs-review label. Events about other labels change nothing.
func IsWorkflowLabel(s config.ExceptionSettings, name string) bool {
	k, _ := classify(name, s)
	return k != otherLabel
}

// AllowLabel is the name of the label that covers one rule.
func AllowLabel(s config.ExceptionSettings, ruleID string) string { return s.Allow.Name + ruleID }

// maxLabelName is GitHub's limit on a label's name.
const maxLabelName = 50

// LabelSpecs are the labels Evaluate creates before it first applies
// "needs review": the blanket label, the needs-review label, and the
// allow label of each of ruleIDs (Evaluate passes the rules of the
// uncovered findings), so that a security lead finds in the label menu
// exactly the labels this pull request calls for. An allow label whose
// name would pass GitHub's 50 characters is left out: GitHub would refuse
// it, and a lead can use the blanket label.
func LabelSpecs(s config.ExceptionSettings, ruleIDs ...string) []LabelSpec {
	var specs []LabelSpec
	for _, l := range []config.LabelConfig{s.Label, s.NeedsReview} {
		if l.Name != "" {
			specs = append(specs, spec(l.Name, l))
		}
	}
	ids := slices.Clone(ruleIDs)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if _, ok := rules.Lookup(id); !ok {
			continue
		}
		if name := AllowLabel(s, id); s.Allow.Name != "" && len(name) <= maxLabelName {
			specs = append(specs, spec(name, s.Allow))
		}
	}
	return specs
}

func spec(name string, l config.LabelConfig) LabelSpec {
	return LabelSpec{Name: name, Color: strings.TrimPrefix(l.Color, "#"), Description: l.Description}
}
