package compose

import (
	"maps"
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
type interpolator struct {
	lookup  func(name string) (string, bool)
	missing []string
}

func newInterpolator(e env) *interpolator {
	return &interpolator{lookup: e.lookup}
}

// substitute is the compose-go template function used both by our own reads
// of the YAML and by compose-go's loader, so both see the same values.
func (in *interpolator) substitute(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	out, err := template.SubstituteWithOptions(s, in.mapping,
		template.WithoutLogging, template.WithSubstitutionFunction(in.braced))
	if err != nil {
		// Only malformed templates ("${", "${a b}") get here. docker
		// compose refuses them; compose-go reports the same error for the
		// file, so here the raw text stands in.
		return s
	}
	return out
}

func (in *interpolator) mapping(name string) (string, bool) {
	v, ok := in.lookup(name)
	if !ok {
		in.note(name)
	}
	return v, ok
}

func (in *interpolator) note(name string) {
	for _, m := range in.missing {
		if m == name {
			return
		}
	}
	in.missing = append(in.missing, name)
}

// operators in the order compose-go resolves an ambiguous ${...}: the one
// that appears first in the expression wins.
var operators = []string{":?", "?", ":-", "-", ":+", "+"}

// braced evaluates the inside of a ${...} expression.
func (in *interpolator) braced(expr string, m template.Mapping) (string, bool, error) {
	op, at := "", -1
	for _, candidate := range operators {
		i := strings.Index(expr, candidate)
		if i >= 0 && (at < 0 || i < at) {
			op, at = candidate, i
		}
	}
	if op == "" {
		return "", false, nil
	}
	name, arg := expr[:at], expr[at+len(op):]
	value, set := in.lookup(name)
	switch op {
	case ":?", "?":
		if !set || (op == ":?" && value == "") {
			in.note(name)
			return "", true, nil
		}
		return value, true, nil
	case ":-":
		if !set || value == "" {
			return in.nested(arg), true, nil
		}
	case "-":
		if !set {
			return in.nested(arg), true, nil
		}
	case ":+":
		if set && value != "" {
			return in.nested(arg), true, nil
		}
	case "+":
		if set {
			return in.nested(arg), true, nil
		}
	}
	return value, true, nil
}

func (in *interpolator) nested(s string) string {
	return in.substitute(s)
}

// composeSubstitute is compose-go's Substitute hook. compose-go hands it the
// variables of the file being interpolated (an included project has its
// own), which this package built from .env files alone.
func composeSubstitute(s string, m template.Mapping) (string, error) {
	in := interpolator{lookup: m}
	return in.substitute(s), nil
}
