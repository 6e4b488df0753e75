package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v4"
)

// The graph mirrors how compose-go assembles a project from files: a scope
// is one set of files merged like `docker compose -f a -f b` (the top-level
// files, or the files of one include), and each document of each file
// brings its includes, its services and their extends. compose-go computes
// the merged values; the graph remembers which YAML nodes they came from.

type scope struct {
	dir  string
	env  env
	docs []*doc
}

type doc struct {
	file *sourceFile
	root *yaml.Node
	// dir is the directory relative paths in this document resolve against.
	dir string
	env env
	// extendsBase marks a file loaded only as the base of an extends:
	// compose-go ignores its includes.
	extendsBase bool
	includes    []*scope
	extends     map[string]extendsRef
}

type extendsRef struct {
	docs    []*doc
	service string
}

// reference is a path in a file under review that compose-go will open. All
// of them are rewritten before compose-go sees the file, to the private copy
// of the file they name, or to an empty stand-in when the file must not or
// cannot be read.
type reference struct {
	file   *sourceFile
	node   *yaml.Node
	target string // root-relative path of the file to open, or "" for the stand-in
	stub   stubKind
	// service is the extended service, for extends stand-ins.
	service string
}

type stubKind int

const (
	stubNone stubKind = iota
	stubCompose
	stubExtends
	stubEnv
	stubDir
)

// maxReferences bounds include and extends references per load, so a
// project whose includes fan out cannot make the loader do unbounded work.
const maxReferences = 256

// file returns the parsed compose file at root-relative path p, reading it
// on first use. at is where the reference to it was written, for problems.
func (l *loadState) file(p string, at Loc) *sourceFile {
	f := l.read(p, at)
	if f.failed || f.docs != nil || f.parsed {
		return f
	}
	f.parsed = true
	docs, err := parseYAML(f.content, l.opts.MaxNodes)
	if err != nil {
		f.failed = true
		loc := Loc{File: p, Line: 1, Column: 1, EndLine: 1}
		var pe *parseError
		if errors.As(err, &pe) && pe.line > 0 {
			loc.Line, loc.EndLine, loc.Column = pe.line, pe.line, max(pe.column, 1)
		}
		l.problem(ParseError, loc, "not valid YAML: "+strings.TrimPrefix(err.Error(), "yaml: "))
		return f
	}
	f.docs = docs
	return f
}

// read returns the bytes of the file at root-relative path p.
func (l *loadState) read(p string, at Loc) *sourceFile {
	if f, ok := l.files[p]; ok {
		return f
	}
	f := &sourceFile{path: p}
	l.files[p] = f
	if len(l.files) > l.opts.MaxFiles {
		f.failed = true
		l.problem(ParseError, at, fmt.Sprintf("the project reads more than %d files through include and extends; raise max_files if this is intended", l.opts.MaxFiles))
		return f
	}
	content, err := readFile(l.fsys, p, l.opts.MaxFileSize)
	if err != nil {
		f.failed = true
		var tl *tooLargeError
		switch {
		case errors.Is(err, ErrOutsideRoot):
			l.add(Problem{Kind: OutsideProject, Loc: at, Ref: p, Field: "file",
				Message: fmt.Sprintf("%s is a link to a file outside the project; it was not read", p)})
		case errors.Is(err, fs.ErrNotExist):
			l.problem(ParseError, at, fmt.Sprintf("%s does not exist", p))
		case errors.Is(err, errIsDir):
			l.problem(ParseError, at, fmt.Sprintf("%s is a directory, not a file", p))
		case errors.As(err, &tl):
			l.problem(ParseError, Loc{File: p, Line: 1, Column: 1, EndLine: 1}, tl.Error())
		default:
			l.ioErr = fmt.Errorf("reading %s: %w", p, err)
		}
		return f
	}
	f.content = content
	return f
}

func (l *loadState) problem(kind ProblemKind, at Loc, msg string) {
	l.add(Problem{Kind: kind, Loc: at, Message: msg})
}

func (l *loadState) add(p Problem) {
	for _, q := range l.problems {
		if q.Kind == p.Kind && q.Loc == p.Loc && q.Message == p.Message {
			return
		}
	}
	l.problems = append(l.problems, p)
}

func (l *loadState) loc(f *sourceFile, n *yaml.Node) Loc {
	if n == nil {
		return Loc{File: f.path, Line: 1, Column: 1, EndLine: 1}
	}
	return Loc{File: f.path, Line: n.Line, Column: n.Column, EndLine: endLine(n)}
}

// newScope loads a set of files merged in order.
func (l *loadState) newScope(dir string, e env, files []*sourceFile, stack []string) *scope {
	s := &scope{dir: dir, env: e}
	for _, f := range files {
		if f.failed {
			continue
		}
		for _, root := range f.docs {
			s.docs = append(s.docs, l.newDoc(f, root, dir, e, false, stack))
		}
	}
	return s
}

func (l *loadState) newDoc(f *sourceFile, root *yaml.Node, dir string, e env, extendsBase bool, stack []string) *doc {
	d := &doc{file: f, root: root, dir: dir, env: e, extendsBase: extendsBase, extends: map[string]extendsRef{}}
	if l.err() != nil {
		return d
	}
	if !extendsBase {
		l.loadIncludes(d, stack)
	}
	_, services, err := l.budget.get(root, "services")
	if err != nil {
		l.budgetProblem(f, root, err)
		return d
	}
	entries, err := l.budget.pairs(services)
	if err != nil {
		l.budgetProblem(f, services, err)
		return d
	}
	for _, e := range entries {
		name := deref(e.key).Value
		svc := deref(e.value)
		l.checkEnvFiles(d, svc)
		_, ext, err := l.budget.get(svc, "extends")
		if err != nil || ext == nil {
			continue
		}
		if base, ok := scalar(ext); ok {
			d.extends[name] = extendsRef{docs: []*doc{d}, service: newInterpolator(d.env).substitute(base)}
			continue
		}
		_, svcNode, _ := l.budget.get(ext, "service")
		_, fileNode, _ := l.budget.get(ext, "file")
		baseName, _ := scalar(svcNode)
		baseName = newInterpolator(d.env).substitute(baseName)
		if fileNode == nil {
			d.extends[name] = extendsRef{docs: []*doc{d}, service: baseName}
			continue
		}
		// Relative paths in a file loaded as an extends base resolve
		// against that file's own directory.
		base := d.dir
		if extendsBase {
			base = path.Dir(f.path)
		}
		target, ok := l.resolveRef(d, fileNode, base, "extends.file")
		if !ok {
			l.refs = append(l.refs, &reference{file: f, node: fileNode, stub: stubExtends, service: baseName})
			continue
		}
		bf := l.file(target, l.loc(f, fileNode))
		if bf.failed {
			l.refs = append(l.refs, &reference{file: f, node: fileNode, stub: stubExtends, service: baseName})
			continue
		}
		l.refs = append(l.refs, &reference{file: f, node: fileNode, target: target})
		d.extends[name] = extendsRef{docs: l.extendsDocs(bf, d.env, stack), service: baseName}
	}
	return d
}

// extendsDocs loads a file as an extends base, once per environment.
func (l *loadState) extendsDocs(f *sourceFile, e env, stack []string) []*doc {
	key := extendsKey{path: f.path, env: fmt.Sprintf("%p", e)}
	if docs, ok := l.extendsCache[key]; ok {
		return docs
	}
	l.extendsCache[key] = nil // a cycle sees no docs; compose-go reports it
	var docs []*doc
	for _, root := range f.docs {
		docs = append(docs, l.newDoc(f, root, path.Dir(f.path), e, true, stack))
	}
	l.extendsCache[key] = docs
	return docs
}

type extendsKey struct {
	path, env string
}

// budgetProblem reports a walk that could not finish: the node budget ran
// out, or merge keys nest too deeply.
func (l *loadState) budgetProblem(f *sourceFile, n *yaml.Node, err error) {
	l.problem(ParseError, l.loc(f, n), err.Error())
}

// includeSpec is one entry of `include`, in either of its forms.
type includeSpec struct {
	at       *yaml.Node
	paths    []*yaml.Node
	projDir  *yaml.Node
	envFiles []*yaml.Node
}

func (l *loadState) includeSpecs(d *doc) []includeSpec {
	_, inc, err := l.budget.get(d.root, "include")
	if err != nil {
		l.budgetProblem(d.file, d.root, err)
		return nil
	}
	entries, err := l.budget.items(inc)
	if err != nil {
		l.budgetProblem(d.file, inc, err)
		return nil
	}
	var specs []includeSpec
	for _, entry := range entries {
		spec := includeSpec{at: entry}
		switch entry.Kind {
		case yaml.ScalarNode:
			spec.paths = []*yaml.Node{entry}
		case yaml.MappingNode:
			_, p, _ := l.budget.get(entry, "path")
			spec.paths = l.scalarOrList(p)
			_, spec.projDir, _ = l.budget.get(entry, "project_directory")
			_, ef, _ := l.budget.get(entry, "env_file")
			spec.envFiles = l.scalarOrList(ef)
		}
		if len(spec.paths) == 0 {
			l.problem(ParseError, l.loc(d.file, entry), "include entry has no path")
			continue
		}
		specs = append(specs, spec)
	}
	return specs
}

func (l *loadState) scalarOrList(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	items, _ := l.budget.items(n)
	return items
}

func (l *loadState) loadIncludes(d *doc, stack []string) {
	for _, spec := range l.includeSpecs(d) {
		var files []*sourceFile
		var mainPath string
		for i, pn := range spec.paths {
			target, ok := l.resolveRef(d, pn, d.dir, "include")
			if ok && contains(stack, target) {
				l.problem(ParseError, l.loc(d.file, pn), fmt.Sprintf("include cycle: %s includes %s, which is already being loaded", d.file.path, target))
				ok = false
			}
			var f *sourceFile
			if ok {
				f = l.file(target, l.loc(d.file, pn))
				ok = !f.failed
			}
			if !ok {
				l.refs = append(l.refs, &reference{file: d.file, node: pn, stub: stubCompose})
				continue
			}
			l.refs = append(l.refs, &reference{file: d.file, node: pn, target: target})
			if i == 0 {
				mainPath = target
			}
			files = append(files, f)
		}
		if mainPath == "" {
			// The main file of the include is unusable, so its project
			// directory is unknown: nothing from this include is loaded.
			for _, pn := range append(spec.envFiles, spec.projDir) {
				if pn != nil {
					l.refs = append(l.refs, &reference{file: d.file, node: pn, stub: stubFor(pn, spec)})
				}
			}
			continue
		}
		dir := path.Dir(mainPath)
		if spec.projDir != nil {
			if target, ok := l.resolveRef(d, spec.projDir, d.dir, "include.project_directory"); ok {
				dir = target
				l.refs = append(l.refs, &reference{file: d.file, node: spec.projDir, target: target})
			} else {
				l.refs = append(l.refs, &reference{file: d.file, node: spec.projDir, target: dir})
			}
		}
		fileEnv := env{}
		var envPaths []string
		for _, en := range spec.envFiles {
			if v, _ := scalar(en); v == "/dev/null" {
				continue // compose-go skips it explicitly
			}
			target, ok := l.resolveRef(d, en, d.dir, "include.env_file")
			if ok {
				envPaths = append(envPaths, target)
				l.refs = append(l.refs, &reference{file: d.file, node: en, target: target})
			} else {
				l.refs = append(l.refs, &reference{file: d.file, node: en, stub: stubEnv})
			}
		}
		if len(spec.envFiles) == 0 {
			if _, err := fs.Stat(l.fsys, path.Join(dir, ".env")); err == nil {
				envPaths = []string{path.Join(dir, ".env")}
			}
		}
		for _, p := range envPaths {
			f := l.read(p, l.loc(d.file, spec.at))
			l.envFiles[p] = true
			if f.failed {
				continue
			}
			vars, err := parseDotEnv(f.content, d.env.mergeMissing(fileEnv))
			if err != nil {
				l.problem(ParseError, Loc{File: p, Line: 1, Column: 1, EndLine: 1}, "not a valid env file: "+err.Error())
				continue
			}
			for k, v := range vars {
				fileEnv[k] = v
			}
		}
		childStack := append(append([]string(nil), stack...), d.file.path)
		d.includes = append(d.includes, l.newScope(dir, d.env.mergeMissing(fileEnv), files, childStack))
	}
}

func stubFor(n *yaml.Node, spec includeSpec) stubKind {
	if n == spec.projDir {
		return stubDir
	}
	return stubEnv
}

// checkEnvFiles reports env_file and label_file entries that point outside
// the project. compose-go is told not to resolve service environments, so
// these files are never opened; the finding tells the author why the file
// cannot be part of a reviewed project.
func (l *loadState) checkEnvFiles(d *doc, svc *yaml.Node) {
	base := d.dir
	if d.extendsBase {
		base = path.Dir(d.file.path)
	}
	for _, field := range []string{"env_file", "label_file"} {
		_, n, err := l.budget.get(svc, field)
		if err != nil || n == nil {
			continue
		}
		for _, entry := range l.scalarOrList(n) {
			p := entry
			if entry.Kind == yaml.MappingNode {
				_, p, _ = l.budget.get(entry, "path")
			}
			if v, _ := scalar(p); p != nil && v != "/dev/null" {
				l.resolveRef(d, p, base, field)
			}
		}
	}
}

// resolveRef interpolates the path in n and resolves it against base (a
// root-relative directory). A path that leaves the root, is absolute, starts
// with ~, names a remote resource, or depends on an unset variable is
// reported and refused.
func (l *loadState) resolveRef(d *doc, n *yaml.Node, base, field string) (string, bool) {
	at := l.loc(d.file, n)
	raw, ok := scalar(n)
	if !ok {
		l.problem(ParseError, at, field+" must be a string")
		return "", false
	}
	in := newInterpolator(d.env)
	v := in.substitute(raw)
	if len(in.missing) > 0 {
		l.add(Problem{Kind: UnresolvedVariable, Loc: at, Ref: v, Field: field, Variables: in.missing,
			Message: fmt.Sprintf("%s %q uses %s, which has no value and no default; the file was not read",
				field, raw, describeVars(in.missing))})
		return "", false
	}
	if l.refCount++; l.refCount > maxReferences {
		if l.refCount == maxReferences+1 {
			l.problem(ParseError, at, fmt.Sprintf("more than %d include, extends and env_file references; the rest were not followed", maxReferences))
		}
		return "", false
	}
	outside := func(why string) (string, bool) {
		l.add(Problem{Kind: OutsideProject, Loc: at, Ref: v, Field: field,
			Message: fmt.Sprintf("%s %q %s; it was not read", field, v, why)})
		return "", false
	}
	switch {
	case v == "":
		l.problem(ParseError, at, field+" is empty")
		return "", false
	case isRemote(v):
		return outside("is a remote resource, which a review cannot fetch")
	case strings.HasPrefix(v, "~"):
		return outside("is in a home directory, outside the project")
	case path.IsAbs(v) || isWindowsAbs(v):
		return outside("is an absolute path, outside the project")
	}
	joined := path.Join(base, v)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return outside("leaves the project directory")
	}
	return joined, true
}

func isRemote(v string) bool {
	return strings.Contains(v, "://") || strings.HasPrefix(v, "git@")
}

func isWindowsAbs(v string) bool {
	return len(v) >= 3 && v[1] == ':' && (v[2] == '\\' || v[2] == '/') &&
		(('a' <= v[0] && v[0] <= 'z') || ('A' <= v[0] && v[0] <= 'Z')) ||
		strings.HasPrefix(v, `\\`)
}

func describeVars(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "${" + n + "}"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
