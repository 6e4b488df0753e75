package report

import (
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	toolName     = "mountguard"
	toolURI      = "https://github.com/mountguard/mountguard"
	// srcRoot is the base GitHub code scanning resolves relative URIs
	// against: the checkout's root.
	srcRoot = "%SRCROOT%"
	// fingerprintKey versions the fingerprint, so that a future change to
	// how fingerprints are computed does not reopen every alert.
	fingerprintKey = "mountguardFingerprint/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool sarifTool `json:"tool"`
	// ColumnKind says how startColumn counts: YAML positions count
	// characters, not the UTF-16 code units SARIF assumes by default.
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	HelpURI              string          `json:"helpUri"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID string `json:"ruleId"`
	// RuleIndex is nil for a rule missing from the catalog, where any
	// index would point at the wrong rule.
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
}

type sarifResultProps struct {
	Service       string `json:"service,omitempty"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// sarifRegion leaves out zero fields because SARIF numbers lines and
// columns from 1 and rejects 0; a fix's deleted region has no columns.
type sarifRegion struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

// SARIF writes a SARIF 2.1.0 log for GitHub code scanning. Justified
// findings are plain results with the reason in their properties, not
// suppressions: code scanning hides suppressed results, and a justified
// finding must stay visible to the next reviewer.
func SARIF(w io.Writer, res *engine.Result, opts Options) error {
	res = orEmpty(res)
	catalog := rules.Catalog()
	index := make(map[string]int, len(catalog))
	driver := sarifDriver{
		Name:           toolName,
		Version:        opts.Version,
		InformationURI: toolURI,
		Rules:          make([]sarifRule, 0, len(catalog)),
	}
	for i, r := range catalog {
		index[r.ID] = i
		doc := rules.DocURL(r.ID)
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 camelCase(r.ID),
			ShortDescription:     sarifText{r.Title},
			FullDescription:      sarifText{r.Summary},
			HelpURI:              doc,
			Help:                 sarifText{r.Summary + " See " + doc},
			DefaultConfiguration: sarifRuleConfig{sarifLevel(r.Default)},
			// "security" makes code scanning list the alerts as security
			// alerts.
			Properties: sarifRuleProps{Tags: []string{"security", r.Threat}},
		})
	}
	// Non-nil, because SARIF reads a missing results array as "the tool
	// did not run", not "nothing found".
	results := make([]sarifResult, 0, len(res.Findings))
	for _, f := range res.Findings {
		r := sarifResult{
			RuleID:  f.Rule,
			Level:   sarifLevel(f.Severity),
			Message: sarifText{f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: artifactLocation(opts.path(f.Loc.File)),
				Region:           findingRegion(f),
			}}},
		}
		if i, ok := index[f.Rule]; ok {
			r.RuleIndex = &i
		}
		if f.Fingerprint != "" {
			r.PartialFingerprints = map[string]string{fingerprintKey: f.Fingerprint}
		}
		if f.Service != "" || f.Justification != "" {
			r.Properties = &sarifResultProps{Service: f.Service, Justification: f.Justification}
		}
		if f.Fix != nil {
			r.Fixes = []sarifFix{sarifFixOf(f.Fix, opts)}
		}
		results = append(results, r)
	}
	return encodeJSON(w, sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool:       sarifTool{Driver: driver},
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	})
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	case rules.Notice:
		return "note"
	}
	return "none"
}

// findingRegion always gives a line: code scanning rejects or cannot place
// a result whose region lacks one, and SARIF numbers from 1. A finding the
// engine could not place (line 0) is shown at the top of its file.
func findingRegion(f rules.Finding) sarifRegion {
	start := max(f.Loc.Line, 1)
	return sarifRegion{
		StartLine:   start,
		StartColumn: max(f.Loc.Column, 1),
		EndLine:     max(f.Loc.EndLine, start),
	}
}

// sarifFixOf expresses a whole-line edit as a SARIF replacement. A region
// with lines but no columns ends before the newline of its last line, so
// the newline that ends the edit's text is dropped: the file's own newline
// after endLine takes its place. An edit with no text (a deletion) leaves
// an empty line, the nearest a columnless region can express.
func sarifFixOf(fix *rules.Fix, opts Options) sarifFix {
	return sarifFix{
		Description: sarifText{fix.Description},
		ArtifactChanges: []sarifArtifactChange{{
			ArtifactLocation: artifactLocation(opts.path(fix.File)),
			Replacements: []sarifReplacement{{
				DeletedRegion:   sarifRegion{StartLine: fix.StartLine, EndLine: fix.EndLine},
				InsertedContent: sarifText{strings.TrimSuffix(fix.Text, "\n")},
			}},
		}},
	}
}

// artifactLocation turns a displayed path into a SARIF URI: relative paths
// become percent-encoded URI references under %SRCROOT%, which is what code
// scanning matches against the repository, and absolute paths file: URIs.
func artifactLocation(p string) sarifArtifactLocation {
	p = filepath.ToSlash(p)
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' && 'a' <= p[0]|0x20 && p[0]|0x20 <= 'z' {
		p = "/" + p // a Windows drive: file:///C:/...
	}
	if path.IsAbs(p) {
		u := url.URL{Scheme: "file", Path: p}
		return sarifArtifactLocation{URI: u.String()}
	}
	// url.URL also guards a colon in the first segment ("./a:b"), which
	// would otherwise read as a scheme.
	u := url.URL{Path: p}
	return sarifArtifactLocation{URI: u.String(), URIBaseID: srcRoot}
}

// camelCase turns a rule ID into SARIF's rule name: "docker-socket" becomes
// "DockerSocket".
func camelCase(id string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(id, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
