package compose

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
)

// env is the set of variables interpolation may use. It is built only from
// the project's own .env files (and an include's env_file): the process
// environment of mountguard is never consulted, so a file under review cannot
// read the reviewer's secrets through ${VAR}.
type env map[string]string

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// mergeMissing returns a copy of e with the variables of other that e does
// not set, as compose-go does for an include's env_file.
func (e env) mergeMissing(other env) env {
	out := maps.Clone(e)
	if out == nil {
		out = env{}
	}
	for k, v := range other {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// parseDotEnv reads a .env file. Variables it references are resolved only
// against e and the file's own earlier lines.
func parseDotEnv(content []byte, e env) (env, error) {
	out, err := dotenv.UnmarshalBytesWithLookup(content, func(k string) (string, bool) { return e.lookup(k) })
	if err != nil {
		return nil, err
	}
	return env(out), nil
}

// interpolator substitutes ${VAR} forms exactly like docker compose, with one
// difference that matters for a reviewer: a variable that has no value and no
// default, including the ${VAR:?message} and ${VAR?message} forms that make
// docker compose stop, becomes an empty string and is recorded as missing, so
// the rest of the file can still be reviewed.
//
// compose-go's template package does the matching (its pattern, its brace
// counting); only the evaluation of each match is mountguard's, because
// compose-go's cannot say which variables were missing: the mapping it
// calls cannot tell a plain ${VAR} from one with a default. compose-go's
// loader is given this same function, so both read every value alike.
type interpolator struct {
	lookup  func(name string) (string, bool)
	missing []string
	depth   int
}

func newInterpolator(e env) *interpolator {
	return &interpolator{lookup: e.lookup}
}

// substitute interpolates s; a malformed template is returned as written
// (compose-go reports it for the file).
func (in *interpolator) substitute(s string) string {
	out, err := in.substituteStrict(s)
	if err != nil {
		return s
	}
	return out
}

func (in *interpolator) note(name string) {
	if !slices.Contains(in.missing, name) {
		in.missing = append(in.missing, name)
	}
}

// maxInterpolationDepth bounds defaults nested in defaults.
const maxInterpolationDepth = 32

func (in *interpolator) substituteStrict(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	if in.depth > maxInterpolationDepth {
		return "", fmt.Errorf("invalid interpolation in %q: variables nest too deeply", s)
	}
	in.depth++
	defer func() { in.depth-- }()
	return template.SubstituteWithOptions(s, in.lookup, template.WithoutLogging, template.WithReplacementFunction(in.replace))
}

var patternGroups = template.DefaultPattern.SubexpNames()

// replace evaluates one match of compose-go's pattern, following
// template.DefaultReplacementAppliedFunc step by step.
func (in *interpolator) replace(substring string, _ template.Mapping, _ *template.Config) (string, error) {
	rest := ""
	if closing := firstBraceClosingIndex(substring); closing > -1 {
		rest = substring[closing+1:]
		substring = substring[:closing+1]
	}
	groups := map[string]string{}
	if m := template.DefaultPattern.FindStringSubmatch(substring); m != nil {
		for i, name := range patternGroups {
			if name != "" {
				groups[name] = m[i]
			}
		}
	}
	if escaped := groups["escaped"]; escaped != "" {
		return escaped, nil
	}
	if name := groups["named"]; name != "" {
		return in.value(name), nil
	}
	expr := groups["braced"]
	if expr == "" {
		return "", &template.InvalidTemplateError{}
	}
	value, err := in.braced(expr)
	if err != nil {
		return "", err
	}
	if rest == "" {
		return value, nil
	}
	tail, err := in.substituteStrict(rest)
	return value + tail, err
}

func (in *interpolator) value(name string) string {
	v, ok := in.lookup(name)
	if !ok {
		in.note(name)
	}
	return v
}

// firstBraceClosingIndex is compose-go's way of finding where the first
// ${...} of a match ends (an opening brace also skips the character after
// it).
func firstBraceClosingIndex(s string) int {
	open := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '}' {
			open--
			if open == 0 {
				return i
			}
		}
		if s[i] == '{' {
			open++
			i++
		}
	}
	return -1
}

// operators in the order compose-go resolves an ambiguous ${...}: the one
// that appears first in the expression wins.
var operators = []string{":?", "?", ":-", "-", ":+", "+"}

// braced evaluates the inside of ${...}.
func (in *interpolator) braced(expr string) (string, error) {
	op, at := "", -1
	for _, candidate := range operators {
		if i := strings.Index(expr, candidate); i >= 0 && (at < 0 || i < at) {
			op, at = candidate, i
		}
	}
	if op == "" {
		return in.value(expr), nil
	}
	name, arg := expr[:at], expr[at+len(op):]
	value, set := in.lookup(name)
	switch op {
	case ":?", "?":
		if !set || (op == ":?" && value == "") {
			in.note(name)
			return "", nil
		}
		return value, nil
	case ":-":
		if !set || value == "" {
			return in.substituteStrict(arg)
		}
	case "-":
		if !set {
			return in.substituteStrict(arg)
		}
	case ":+":
		if set && value != "" {
			return in.substituteStrict(arg)
		}
	case "+":
		if set {
			return in.substituteStrict(arg)
		}
	}
	return value, nil
}

// composeSubstitute is compose-go's Substitute hook. compose-go hands it the
// variables of the file being interpolated (an included project has its
// own), which this package built from .env files alone.
func composeSubstitute(s string, m template.Mapping) (string, error) {
	in := interpolator{lookup: m}
	out, err := in.substituteStrict(s)
	if err != nil {
		return "", err
	}
	return fillEmptySource(s, out), nil
}

// unresolvedSource stands in, for compose-go only, for a volume source that
// is nothing but an unset variable: "${DATA}:/data" would otherwise become
// ":/data", which compose-go rejects, although the entry can still be
// reviewed (as a mount of an unknown host path).
const unresolvedSource = "./.mountguard-unresolved-source"

// fillEmptySource puts unresolvedSource in front of an interpolated value
// that starts with a variable and lost its first field to it.
func fillEmptySource(raw, out string) string {
	if strings.HasPrefix(raw, "$") && strings.HasPrefix(out, ":") {
		return unresolvedSource + out
	}
	return out
}
