// Package config reads mountguard's configuration: rule severities, extra
// sensitive paths, accepted bind sources and loading limits. The same
// schema is used by `mountguard lint --config` and, in a repository, by
// .github/mountguard.yml. Parsing is strict: an unknown key is an error, so
// a typo never silently turns a rule off.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/docker/go-units"
	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/rules"
	"go.yaml.in/yaml/v4"
)

// Config is the whole configuration.
type Config struct {
	// Rules sets a rule's severity: error, warning, notice or off.
	Rules map[string]rules.Severity `yaml:"rules"`
	// SensitivePaths are extra host paths treated like /etc.
	SensitivePaths []string `yaml:"sensitive_paths"`
	// AllowedBindSources are host paths whose bind mounts are accepted.
	AllowedBindSources []string `yaml:"allowed_bind_sources"`
	Limits             Limits   `yaml:"limits"`

	// The keys below are read by the GitHub App; mountguard lint accepts
	// and ignores them, so one file serves both.

	// ComposeFiles are globs (** for any directories) naming the files of
	// a pull request that are reviewed.
	ComposeFiles []string `yaml:"compose_files"`
	Comments     Comments `yaml:"comments"`
	// ReviewEvent is COMMENT (default) or REQUEST_CHANGES.
	ReviewEvent string `yaml:"review_event"`
	// FailOn is the least severity of a new finding that fails the check
	// run: error (default), warning, notice or never.
	FailOn string `yaml:"fail_on"`
	// ErrorConclusion is the check run's conclusion when the review itself
	// fails: neutral (default) or failure.
	ErrorConclusion string `yaml:"error_conclusion"`
}

// Comments configures inline review comments.
type Comments struct {
	// Mode is "diff" (default: any line of a diff hunk) or "added" (only
	// added lines).
	Mode string `yaml:"mode"`
	// MaxInline caps inline comments per review (default 25); the rest go
	// to the review body and the check run.
	MaxInline int `yaml:"max_inline"`
}

// DefaultComposeFiles are the globs used when compose_files is not set.
var DefaultComposeFiles = []string{
	"**/compose.yaml", "**/compose.yml", "**/docker-compose.yaml", "**/docker-compose.yml",
	"**/compose.*.yaml", "**/compose.*.yml", "**/docker-compose.*.yaml", "**/docker-compose.*.yml",
}

// App is the App's part of a configuration, with defaults applied.
type App struct {
	ComposeFiles    []string
	CommentMode     string
	MaxInline       int
	ReviewEvent     string
	FailOn          rules.Severity
	ErrorConclusion string
}

// App returns the App settings with defaults filled in.
func (c *Config) App() App {
	a := App{
		ComposeFiles:    c.ComposeFiles,
		CommentMode:     c.Comments.Mode,
		MaxInline:       c.Comments.MaxInline,
		ReviewEvent:     c.ReviewEvent,
		FailOn:          rules.Error,
		ErrorConclusion: c.ErrorConclusion,
	}
	if len(a.ComposeFiles) == 0 {
		a.ComposeFiles = slices.Clone(DefaultComposeFiles)
	}
	if a.CommentMode == "" {
		a.CommentMode = "diff"
	}
	if a.MaxInline == 0 {
		a.MaxInline = 25
	}
	if a.ReviewEvent == "" {
		a.ReviewEvent = "COMMENT"
	}
	if c.FailOn == "never" {
		a.FailOn = rules.Off
	} else if sev, err := rules.ParseSeverity(c.FailOn); err == nil && c.FailOn != "" {
		a.FailOn = sev
	}
	if a.ErrorConclusion == "" {
		a.ErrorConclusion = "neutral"
	}
	return a
}

// Limits bound the work spent on one project.
type Limits struct {
	MaxFileSize  Size `yaml:"max_file_size"`
	MaxFiles     int  `yaml:"max_files"`
	MaxYAMLNodes int  `yaml:"max_yaml_nodes"`
}

// Size is a byte count written as a number or with a unit ("2MiB", "500kB").
type Size int64

// UnmarshalYAML reads a size.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a size must be a number of bytes or a string like 2MiB", n.Line)
	}
	if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		*s = Size(v)
		return nil
	}
	v, err := units.RAMInBytes(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a size: write a number of bytes or a string like 2MiB", n.Line, n.Value)
	}
	*s = Size(v)
	return nil
}

// Default is the configuration used when there is no file.
func Default() *Config {
	return &Config{}
}

// Error is a problem in a configuration file, with the line it is on.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Parse reads a configuration file strictly.
func Parse(data []byte) (*Config, error) {
	var root yaml.Node
	cfg := Default()
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); errors.Is(err, io.EOF) {
		return cfg, nil // an empty file
	} else if err != nil {
		return nil, yamlError(err)
	}
	if err := root.Load(cfg, yaml.WithKnownFields()); err != nil {
		return nil, yamlError(err)
	}
	if err := cfg.validate(&root); err != nil {
		return nil, err
	}
	return cfg, nil
}

func yamlError(err error) error {
	var le *yaml.LoadErrors
	if errors.As(err, &le) && len(le.Errors) > 0 {
		e := le.Errors[0]
		return &Error{Line: e.Line, Msg: strings.TrimPrefix(e.Err.Error(), "yaml: ")}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return &Error{Msg: msg}
}

func (c *Config) validate(root *yaml.Node) error {
	for id := range c.Rules {
		if _, ok := rules.Lookup(id); !ok {
			var known []string
			for _, r := range rules.Catalog() {
				known = append(known, r.ID)
			}
			return &Error{Line: keyLine(root, "rules", id), Msg: fmt.Sprintf("rules: unknown rule %q; the rules are %s", id, strings.Join(known, ", "))}
		}
	}
	for i, p := range c.SensitivePaths {
		if !strings.HasPrefix(p, "/") {
			return &Error{Line: itemLine(root, "sensitive_paths", i), Msg: fmt.Sprintf("sensitive_paths: %q must be an absolute host path", p)}
		}
	}
	for i, p := range c.AllowedBindSources {
		if p == "" || strings.HasPrefix(path.Clean(p), "..") {
			return &Error{Line: itemLine(root, "allowed_bind_sources", i), Msg: fmt.Sprintf("allowed_bind_sources: %q must be an absolute path, a ~ path, or a path inside the project", p)}
		}
	}
	if c.Limits.MaxFileSize < 0 || c.Limits.MaxFiles < 0 || c.Limits.MaxYAMLNodes < 0 {
		return &Error{Line: keyLine(root, "limits"), Msg: "limits must not be negative"}
	}
	for i, g := range c.ComposeFiles {
		if !doublestar.ValidatePattern(g) || strings.HasPrefix(g, "/") {
			return &Error{Line: itemLine(root, "compose_files", i), Msg: fmt.Sprintf("compose_files: %q is not a valid glob relative to the repository root", g)}
		}
	}
	choices := []struct {
		key, value string
		allowed    []string
		line       int
	}{
		{"comments.mode", c.Comments.Mode, []string{"diff", "added"}, keyLine(root, "comments", "mode")},
		{"review_event", c.ReviewEvent, []string{"COMMENT", "REQUEST_CHANGES"}, keyLine(root, "review_event")},
		{"fail_on", c.FailOn, []string{"error", "warning", "notice", "never"}, keyLine(root, "fail_on")},
		{"error_conclusion", c.ErrorConclusion, []string{"neutral", "failure"}, keyLine(root, "error_conclusion")},
	}
	for _, ch := range choices {
		if ch.value != "" && !slices.Contains(ch.allowed, ch.value) {
			return &Error{Line: ch.line, Msg: fmt.Sprintf("%s: %q is not one of %s", ch.key, ch.value, strings.Join(ch.allowed, ", "))}
		}
	}
	if c.Comments.MaxInline < 0 || c.Comments.MaxInline > 100 {
		return &Error{Line: keyLine(root, "comments", "max_inline"), Msg: "comments.max_inline must be between 1 and 100 (GitHub fails reviews with many more comments)"}
	}
	return nil
}

// keyLine finds the line of a nested key, for error messages.
func keyLine(root *yaml.Node, keys ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, k := range keys {
		found := false
		for i := 0; n != nil && n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

func itemLine(root *yaml.Node, key string, i int) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for j := 0; n.Kind == yaml.MappingNode && j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key {
			if s := n.Content[j+1]; s.Kind == yaml.SequenceNode && i < len(s.Content) {
				return s.Content[i].Line
			}
			return n.Content[j].Line
		}
	}
	return 0
}

// RuleSettings is the part of the configuration the rules use.
func (c *Config) RuleSettings() rules.Settings {
	return rules.Settings{
		Severity:           c.Rules,
		SensitivePaths:     slices.Clone(c.SensitivePaths),
		AllowedBindSources: slices.Clone(c.AllowedBindSources),
	}
}

// LoadOptions is the part of the configuration the loader uses.
func (c *Config) LoadOptions() compose.Options {
	return compose.Options{
		MaxFileSize: int64(c.Limits.MaxFileSize),
		MaxFiles:    c.Limits.MaxFiles,
		MaxNodes:    c.Limits.MaxYAMLNodes,
	}
}
