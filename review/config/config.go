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
	"regexp"
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
	// Exceptions configures how security leads grant exceptions with
	// pull request labels.
	Exceptions Exceptions `yaml:"exceptions"`
}

// Exceptions configures the exception labels and who may apply them.
type Exceptions struct {
	// Label covers every blocking finding of the pull request.
	Label LabelConfig `yaml:"label"`
	// Allow is the label that covers one rule: its name is the prefix
	// followed by the rule id ("mountguard: allow docker-socket").
	Allow LabelConfig `yaml:"allow"`
	// NeedsReview is applied while new blocking findings wait for an
	// exception, so security leads can filter for them.
	NeedsReview LabelConfig `yaml:"needs_review"`
	Approvers   Approvers   `yaml:"approvers"`
	// RemoveUnauthorized takes off an exception label that someone who
	// may not approve applied (default true).
	RemoveUnauthorized *bool `yaml:"remove_unauthorized"`
	// ReviewTeam ("org/team-slug") is asked to review when someone
	// presses the check run's "Request review" button.
	ReviewTeam string `yaml:"review_team"`
	// Conclusion of a check run whose blocking findings are all excepted:
	// success (default) or neutral.
	Conclusion string `yaml:"conclusion"`
}

// LabelConfig is a label's look. For Allow, Name is the prefix.
type LabelConfig struct {
	Name        string `yaml:"name"`
	Color       string `yaml:"color"`
	Description string `yaml:"description"`
}

// Approvers says who may grant an exception: anyone with at least
// MinRole on the repository, the listed users, and members of the listed
// teams ("org/team-slug").
type Approvers struct {
	// MinRole is admin, maintain (default), write, triage or read.
	MinRole string   `yaml:"min_role"`
	Users   []string `yaml:"users"`
	Teams   []string `yaml:"teams"`
}

// Roles from least to most privileged, as GitHub names them.
var Roles = []string{"read", "triage", "write", "maintain", "admin"}

// ExceptionSettings are the exception settings with defaults applied.
type ExceptionSettings struct {
	Label              LabelConfig
	Allow              LabelConfig
	NeedsReview        LabelConfig
	MinRole            string
	Users              []string
	Teams              []string
	RemoveUnauthorized bool
	ReviewTeam         string
	Conclusion         string
}

// ExceptionSettings returns the exception settings with defaults.
func (c *Config) ExceptionSettings() ExceptionSettings {
	e := c.Exceptions
	or := func(l LabelConfig, name, color, desc string) LabelConfig {
		if l.Name == "" {
			l.Name = name
		}
		if l.Color == "" {
			l.Color = color
		}
		if l.Description == "" {
			l.Description = desc
		}
		return l
	}
	s := ExceptionSettings{
		Label:              or(e.Label, "mountguard: exception", "b60205", "A security lead accepts this pull request's volume findings"),
		Allow:              or(e.Allow, "mountguard: allow ", "d93f0b", "A security lead accepts one rule's findings in this pull request"),
		NeedsReview:        or(e.NeedsReview, "mountguard: needs review", "fbca04", "New volume findings wait for a security review"),
		MinRole:            e.Approvers.MinRole,
		Users:              slices.Clone(e.Approvers.Users),
		Teams:              slices.Clone(e.Approvers.Teams),
		RemoveUnauthorized: e.RemoveUnauthorized == nil || *e.RemoveUnauthorized,
		ReviewTeam:         e.ReviewTeam,
		Conclusion:         e.Conclusion,
	}
	if s.MinRole == "" {
		s.MinRole = "maintain"
	}
	if s.Conclusion == "" {
		s.Conclusion = "success"
	}
	return s
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
		return errors.New("a size must be a number of bytes or a string like 2MiB")
	}
	if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		*s = Size(v)
		return nil
	}
	v, err := units.RAMInBytes(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a size: write a number of bytes or a string like 2MiB", n.Value)
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
		return nil, YAMLError(err)
	}
	if err := root.Load(cfg, yaml.WithKnownFields()); err != nil {
		return nil, YAMLError(err)
	}
	if err := cfg.validate(&root); err != nil {
		return nil, err
	}
	return cfg, nil
}

// YAMLError turns an error of the YAML library (decoding a file into a Go
// struct) into an *Error for the file's author: with its line, and without
// the Go type names the library puts in its messages ("field x not found
// in type config.Limits", "cannot construct !!str `many` into int"), which
// mean nothing to them. The server settings file uses it too.
func YAMLError(err error) *Error {
	var le *yaml.LoadErrors
	if errors.As(err, &le) && len(le.Errors) > 0 {
		e := le.Errors[0]
		return &Error{Line: e.Line, Msg: plainTypes(strings.TrimPrefix(e.Err.Error(), "yaml: "))}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	// A syntax error gives its place only in its text; the last place is
	// where the problem is, earlier ones are context ("while parsing a
	// block mapping at line 1").
	line := 0
	if ms := yamlLine.FindAllStringSubmatch(msg, -1); ms != nil {
		line, _ = strconv.Atoi(ms[len(ms)-1][1])
	}
	return &Error{Line: line, Msg: msg}
}

var (
	yamlLine  = regexp.MustCompile(`line (\d+)`)
	inType    = regexp.MustCompile(` in type [A-Za-z0-9_.*\[\]]+`)
	intoType  = regexp.MustCompile(`cannot (?:construct|unmarshal) (!!\w+)(?: (.*?))? into ([A-Za-z0-9_.*\[\]]+)`)
	tagWords  = map[string]string{"!!seq": "a list", "!!map": "a mapping"}
	typeWords = map[string]string{
		"int": "a whole number", "int64": "a whole number", "uint": "a whole number",
		"time.Duration": "a duration such as 30s or 5m", "string": "a string", "bool": "true or false",
		"[]string": "a list of strings", "config.Size": "a size such as 2MiB",
	}
)

func plainTypes(msg string) string {
	msg = inType.ReplaceAllString(msg, "")
	return intoType.ReplaceAllStringFunc(msg, func(m string) string {
		sub := intoType.FindStringSubmatch(m)
		want, ok := typeWords[sub[3]]
		if !ok {
			if strings.HasPrefix(sub[3], "map[") || strings.HasPrefix(sub[3], "config.") || strings.HasPrefix(sub[3], "main.") {
				want = "a mapping of keys"
			} else {
				want = "a different kind of value"
			}
		}
		if sub[2] == "" {
			found, ok := tagWords[sub[1]]
			if !ok {
				found = "a " + strings.TrimPrefix(sub[1], "!!")
			}
			return "expected " + want + ", not " + found
		}
		return sub[2] + " is not " + want
	})
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
			return &Error{Line: itemLine(root, i, "sensitive_paths"), Msg: fmt.Sprintf("sensitive_paths: %q must be an absolute host path", p)}
		}
	}
	for i, p := range c.AllowedBindSources {
		if p == "" || strings.HasPrefix(path.Clean(p), "..") {
			return &Error{Line: itemLine(root, i, "allowed_bind_sources"), Msg: fmt.Sprintf("allowed_bind_sources: %q must be an absolute path, a ~ path, or a path inside the project", p)}
		}
	}
	if c.Limits.MaxFileSize < 0 || c.Limits.MaxFiles < 0 || c.Limits.MaxYAMLNodes < 0 {
		return &Error{Line: keyLine(root, "limits"), Msg: "limits must not be negative"}
	}
	for i, g := range c.ComposeFiles {
		if !doublestar.ValidatePattern(g) || strings.HasPrefix(g, "/") {
			return &Error{Line: itemLine(root, i, "compose_files"), Msg: fmt.Sprintf("compose_files: %q is not a valid glob relative to the repository root", g)}
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
	if err := c.Exceptions.validate(root); err != nil {
		return err
	}
	if c.Comments.MaxInline < 0 || c.Comments.MaxInline > 100 {
		return &Error{Line: keyLine(root, "comments", "max_inline"), Msg: "comments.max_inline must be from 1 to 100, or 0 for the default of 25 (GitHub fails reviews with many more comments)"}
	}
	return nil
}

// keyLine finds the line of a nested key, for error messages.
func keyLine(root *yaml.Node, keys ...string) int {
	_, line, _ := walk(root, keys)
	return line
}

// itemLine finds the line of the i-th item of the list at keys, or of the
// nearest key found on the way.
func itemLine(root *yaml.Node, i int, keys ...string) int {
	n, line, ok := walk(root, keys)
	if ok && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i].Line
	}
	return line
}

// walk follows keys down nested mappings. It returns the value node of
// the last key and whether every key was found; line is that of the last
// key found (0 when none was).
func walk(root *yaml.Node, keys []string) (n *yaml.Node, line int, ok bool) {
	n = root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range keys {
		found := false
		for i := 0; n != nil && n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return nil, line, false
		}
	}
	return n, line, n != nil
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

var hexColor = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

func (e Exceptions) validate(root *yaml.Node) error {
	for _, l := range []struct {
		key string
		cfg LabelConfig
	}{{"label", e.Label}, {"allow", e.Allow}, {"needs_review", e.NeedsReview}} {
		if l.cfg.Color != "" && !hexColor.MatchString(l.cfg.Color) {
			return &Error{Line: keyLine(root, "exceptions", l.key, "color"), Msg: fmt.Sprintf("exceptions.%s.color: %q is not six hex digits such as d93f0b", l.key, l.cfg.Color)}
		}
		if len(l.cfg.Name) > 50 || len(l.cfg.Description) > 100 {
			return &Error{Line: keyLine(root, "exceptions", l.key), Msg: fmt.Sprintf("exceptions.%s: GitHub allows label names of 50 characters and descriptions of 100", l.key)}
		}
	}
	if r := e.Approvers.MinRole; r != "" && !slices.Contains(Roles, r) {
		return &Error{Line: keyLine(root, "exceptions", "approvers", "min_role"), Msg: fmt.Sprintf("exceptions.approvers.min_role: %q is not one of %s", r, strings.Join(Roles, ", "))}
	}
	teamOK := func(t string) bool {
		org, slug, ok := strings.Cut(t, "/")
		return ok && org != "" && slug != "" && !strings.Contains(slug, "/")
	}
	for i, t := range e.Approvers.Teams {
		if !teamOK(t) {
			return &Error{Line: itemLine(root, i, "exceptions", "approvers", "teams"), Msg: fmt.Sprintf("exceptions.approvers.teams: team %q must be written org/team-slug", t)}
		}
	}
	if t := e.ReviewTeam; t != "" && !teamOK(t) {
		return &Error{Line: keyLine(root, "exceptions", "review_team"), Msg: fmt.Sprintf("exceptions.review_team: team %q must be written org/team-slug", t)}
	}
	if c := e.Conclusion; c != "" && c != "success" && c != "neutral" {
		return &Error{Line: keyLine(root, "exceptions", "conclusion"), Msg: fmt.Sprintf("exceptions.conclusion: %q is not success or neutral", c)}
	}
	return nil
}
