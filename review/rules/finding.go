package rules

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/mountguard/mountguard/review/compose"
)

// Finding is one problem, at the YAML node that causes it.
type Finding struct {
	Rule     string
	Severity Severity
	Title    string
	Message  string
	Loc      compose.Loc
	// Service is the service the finding is about; empty for findings
	// about files or top-level volumes.
	Service string
	// Target and Source identify what the finding is about inside the
	// service (a mount's target and source, a key and its value); with the
	// rule, file and service they make the fingerprint.
	Target string
	Source string
	// Fingerprint identifies the finding across commits: it does not
	// change when lines move.
	Fingerprint string
	// Justification is the reason given in a "# mountguard: allow"
	// comment; a justified finding is still reported.
	Justification string
	// Fix, when set, replaces whole lines to resolve the finding.
	Fix *Fix
}

// Fix is a mechanical change that resolves a finding.
type Fix struct {
	Description string
	compose.Edit
}

// Fingerprint computes a finding's stable identity from the rule, the file,
// the service and what the finding is about, never from line numbers.
func Fingerprint(rule, file, service, target, source string) string {
	h := sha256.New()
	for _, part := range []string{rule, file, service, target, source} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// Compare orders findings by file, line, column, then rule, service and
// message, so that output is deterministic.
func Compare(a, b Finding) int {
	return cmp.Or(
		strings.Compare(a.Loc.File, b.Loc.File),
		cmp.Compare(a.Loc.Line, b.Loc.Line),
		cmp.Compare(a.Loc.Column, b.Loc.Column),
		-cmp.Compare(a.Severity, b.Severity),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Service, b.Service),
		strings.Compare(a.Message, b.Message),
	)
}
