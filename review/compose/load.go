// Package compose loads a Docker Compose project the way docker compose
// does, from a file system rooted at the project, and remembers which YAML
// node every part of the merged model came from.
//
// compose-go (github.com/compose-spec/compose-go/v2) computes the effective
// model: interpolation, anchors and merge keys, extends, include, override
// files and !reset/!override tags all behave as they do for docker compose.
// compose-go drops source positions, so this package parses every file a
// second time into YAML nodes and retraces the merge (the "graph") to find,
// for each effective service, mount and volume, the node that wins.
//
// The files under review are hostile. This package reads them only through
// the fs.FS it is given, never the process environment, and never a path
// outside the root: include, extends.file and env_file paths are checked
// before compose-go sees them and every reference compose-go will open is
// rewritten to a private copy of a file that passed the check.
package compose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// Options bound the work one load may do. The zero value selects the
// defaults.
type Options struct {
	// MaxFileSize is the largest file read, in bytes (default 2 MiB).
	MaxFileSize int64
	// MaxNodes is the most YAML nodes a file may hold (default 200,000).
	MaxNodes int
	// MaxFiles is the most files one project may read through include and
	// extends (default 100).
	MaxFiles int
	// MaxVisits bounds node visits while tracing the merge, aliases
	// followed (default 2,000,000).
	MaxVisits int
	// TempDir is where the private copies of included and extended files
	// are written for compose-go, in a new directory that is removed
	// before Load returns (default os.TempDir()).
	TempDir string
}

// Default limits.
const (
	DefaultMaxFileSize = 2 << 20
	DefaultMaxNodes    = 200_000
	DefaultMaxFiles    = 100
	DefaultMaxVisits   = 2_000_000
)

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxVisits <= 0 {
		o.MaxVisits = DefaultMaxVisits
	}
	return o
}

type loadState struct {
	ctx          context.Context
	fsys         fs.FS
	opts         Options
	files        map[string]*sourceFile
	problems     []Problem
	budget       *budget
	refs         []*reference
	envFiles     map[string]bool
	extendsCache map[extendsKey][]*doc
	refCount     int
	ioErr        error
}

func (l *loadState) err() error {
	if l.ioErr != nil {
		return l.ioErr
	}
	return l.ctx.Err()
}

// Load reads the compose files (root-relative, slash-separated paths in
// fsys, merged in order like `docker compose -f`) and whatever they include
// or extend, and returns the effective project.
//
// Problems with the files themselves (invalid YAML, a reference outside the
// project, limits exceeded) are reported in Project.Problems; when one of
// them prevents loading, Project.Model is nil. The error is for failures of
// the machinery: fsys could not be read, ctx ended, no temporary directory.
//
// fsys must not follow symbolic links out of its root; os.Root's FS does
// not, and wraps nothing, so the caller should map its "path escapes"
// errors to ErrOutsideRoot.
func Load(ctx context.Context, fsys fs.FS, files []string, opts Options) (*Project, error) {
	if len(files) == 0 {
		return nil, errors.New("no compose file given")
	}
	for _, f := range files {
		if !fs.ValidPath(f) || f == "." {
			return nil, fmt.Errorf("compose file %q is not a path inside the project root", f)
		}
	}
	opts = opts.withDefaults()
	l := &loadState{
		ctx:          ctx,
		fsys:         fsys,
		opts:         opts,
		files:        map[string]*sourceFile{},
		budget:       &budget{left: opts.MaxVisits},
		envFiles:     map[string]bool{},
		extendsCache: map[extendsKey][]*doc{},
	}
	p := &Project{
		Dir:     path.Dir(files[0]),
		Files:   slices.Clone(files),
		Volumes: map[string]*Volume{},
		sources: l.files,
		budget:  l.budget,
	}
	var tops []*sourceFile
	for _, f := range files {
		tops = append(tops, l.file(f, Loc{File: f, Line: 1, Column: 1, EndLine: 1}))
	}
	if err := l.err(); err != nil {
		return nil, err
	}
	topEnv := env{}
	dotEnv := path.Join(p.Dir, ".env")
	if _, err := fs.Stat(fsys, dotEnv); err == nil {
		f := l.read(dotEnv, Loc{File: dotEnv, Line: 1, Column: 1, EndLine: 1})
		if !f.failed {
			vars, err := parseDotEnv(f.content, env{})
			if err != nil {
				l.problem(ParseError, Loc{File: dotEnv, Line: 1, Column: 1, EndLine: 1}, "not a valid env file: "+err.Error())
			} else {
				topEnv = vars
			}
		}
	}
	top := l.newScope(p.Dir, topEnv, tops, nil)
	if err := l.err(); err != nil {
		return nil, err
	}
	if !l.fatal() && !slices.ContainsFunc(tops, func(f *sourceFile) bool { return f.failed }) {
		model, err := l.runCompose(p.Dir, tops, topEnv)
		if err != nil {
			return nil, err
		}
		if model != nil {
			p.Model = model
			l.build(p, top)
		}
	}
	p.Problems = l.problems
	slices.SortStableFunc(p.Problems, func(a, b Problem) int { return compareLoc(a.Loc, b.Loc) })
	return p, nil
}

func (l *loadState) fatal() bool {
	for _, p := range l.problems {
		if p.Kind == ParseError {
			return true
		}
	}
	return false
}

func compareLoc(a, b Loc) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}

// virtualRoot stands in for the project directory when no file needs to be
// written: compose-go then opens nothing, and the name appears only in
// paths that the guard refuses.
const virtualRoot = "/nonexistent/mountguard-project"

// runCompose hands the project to compose-go. Files that compose-go opens
// itself (included and extended files, an include's env files) are written,
// with their references rewritten, into a private directory first.
func (l *loadState) runCompose(dir string, tops []*sourceFile, e env) (*types.Project, error) {
	root := virtualRoot
	if len(l.refs) > 0 {
		tmp, err := os.MkdirTemp(l.opts.TempDir, "mountguard-*")
		if err != nil {
			return nil, fmt.Errorf("creating a private directory for included files: %w", err)
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	m := &materializer{root: root, files: l.files}
	patched, ok := l.patch(m)
	if !ok {
		return nil, nil
	}
	if root != virtualRoot {
		if err := m.write(l, patched); err != nil {
			return nil, err
		}
	}
	details := types.ConfigDetails{
		WorkingDir:  m.abs(dir),
		Environment: types.Mapping(maps.Clone(e)),
	}
	for _, f := range tops {
		content := f.content
		if b, ok := patched[f.path]; ok {
			content = b
		}
		if content == nil {
			// compose-go reads a file from disk when it has no content.
			content = []byte{}
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: m.abs(f.path), Content: content})
	}
	if details.Environment == nil {
		details.Environment = types.Mapping{}
	}
	model, err := loadCompose(l.ctx, details, m, 2*l.opts.MaxNodes)
	if err != nil {
		if cerr := l.ctx.Err(); cerr != nil {
			return nil, cerr
		}
		l.composeProblem(err, m, tops)
		return nil, nil
	}
	return model, nil
}

// loadCompose runs compose-go. A panic inside it on hostile input becomes
// an error.
func loadCompose(ctx context.Context, details types.ConfigDetails, m *materializer, maxVisits int) (model *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			model, err = nil, fmt.Errorf("compose-go failed on this project (%v)", r)
		}
	}()
	return loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName("mountguard", true)
		o.Profiles = []string{"*"}
		// Service environments and labels are not needed to review
		// mounts, and resolving them would open env_file and label_file.
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		// Sources are taken from the YAML as written; resolving them
		// would only add the private directory's name.
		o.ResolvePaths = false
		o.Interpolate.Substitute = composeSubstitute
		o.ResourceLoaders = []loader.ResourceLoader{guard{m}}
		o.MaxNodeVisits = maxVisits
	})
}

var composePath = regexp.MustCompile(`\b((?:services|volumes|networks|secrets|configs|include|models)(?:\.(?:\[\d*\]|[^\s.:,'"\[\]]+))+)`)

// undefinedRef matches compose-go's consistency errors, which name a
// service and the kind of thing it refers to.
var undefinedRef = regexp.MustCompile(`service "([^"]+)" (?:depends on|refers to) undefined (service|volume|network|secret|config)`)

var refKeys = map[string]string{"service": "depends_on", "volume": "volumes", "network": "networks", "secret": "secrets", "config": "configs"}

// composeProblem turns a compose-go error into a parse error at the node it
// names, when it names one.
func (l *loadState) composeProblem(err error, m *materializer, tops []*sourceFile) {
	msg := m.clean(err.Error())
	msg = strings.TrimPrefix(msg, "validating ")
	at := Loc{File: tops[0].path, Line: 1, Column: 1, EndLine: 1}
	files := tops
	for name, f := range l.files {
		if strings.HasPrefix(msg, name+":") {
			files = []*sourceFile{f}
			at.File = name
			msg = strings.TrimSpace(strings.TrimPrefix(msg, name+":"))
			break
		}
	}
	target := ""
	if m := undefinedRef.FindStringSubmatch(msg); m != nil {
		target = "services." + m[1] + "." + refKeys[m[2]]
	} else if m := composePath.FindStringSubmatch(msg); m != nil {
		target = m[1]
	}
	if target != "" {
		keys := strings.Split(target, ".")
		best := 0
		for i := len(files) - 1; i >= 0; i-- {
			for _, root := range files[i].docs {
				if n, v, depth := l.locate(root, keys); n != nil && depth > best {
					best = depth
					at = l.loc(files[i], n)
					if r := l.refine(v, msg); r != nil {
						at = l.loc(files[i], r)
					}
				}
			}
		}
	}
	l.problem(ParseError, at, "not a valid compose file: "+msg)
}

// locate follows dotted keys (numbers, bare or in brackets, index
// sequences) as far as they go. It returns the node to point at (the key of
// a mapping entry, or a sequence item), its value, and how deep it got.
func (l *loadState) locate(root *yaml.Node, keys []string) (at, value *yaml.Node, depth int) {
	n := root
	for d, key := range keys {
		var next, keyNode *yaml.Node
		if i, err := strconv.Atoi(strings.Trim(key, "[]")); err == nil {
			items, _ := l.budget.items(n)
			if i >= 0 && i < len(items) {
				next, keyNode = items[i], items[i]
			}
		} else {
			keyNode, next, _ = l.budget.get(n, key)
		}
		if next == nil {
			return at, value, d
		}
		at, value, n = keyNode, next, next
	}
	return at, value, len(keys)
}

// refine narrows a located node to the scalar below it that an error
// message quotes on its last line (compose-go ends interpolation errors with
// the offending template).
func (l *loadState) refine(n *yaml.Node, msg string) *yaml.Node {
	last := msg[strings.LastIndex(msg, "\n")+1:]
	if n == nil || len(last) < 3 || last == msg {
		return nil
	}
	stack := []*yaml.Node{n}
	for visits := 0; len(stack) > 0 && visits < 10_000; visits++ {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.Kind == yaml.ScalarNode && top.Value == last {
			return top
		}
		stack = append(stack, top.Content...)
	}
	return nil
}

// materializer lays out the private copy of the project: the project under
// root/project, stand-ins under root/stubs.
type materializer struct {
	root    string
	files   map[string]*sourceFile
	allowed map[string]bool
	stubs   map[string][]byte
}

func (m *materializer) abs(rel string) string {
	return filepath.Join(m.root, "project", filepath.FromSlash(rel))
}

func (m *materializer) stub(name string, content []byte) string {
	p := filepath.Join(m.root, "stubs", name)
	if m.stubs == nil {
		m.stubs = map[string][]byte{}
	}
	m.stubs[p] = content
	return p
}

// clean removes the private directory from a message meant for a user.
func (m *materializer) clean(msg string) string {
	msg = strings.ReplaceAll(msg, filepath.Join(m.root, "project")+string(filepath.Separator), "")
	msg = strings.ReplaceAll(msg, filepath.Join(m.root, "stubs")+string(filepath.Separator), "(not read) ")
	return strings.ReplaceAll(msg, m.root, "(project)")
}

// patch rewrites every reference compose-go would open to an absolute path
// in the private copy. It returns the new content of each file that has
// references.
func (l *loadState) patch(m *materializer) (map[string][]byte, bool) {
	type edit struct {
		start, end int
		text       string
	}
	edits := map[*sourceFile][]edit{}
	m.allowed = map[string]bool{}
	for i, r := range l.refs {
		var target string
		switch {
		case r.target != "":
			target = m.abs(r.target)
			if r.stub != stubDir {
				m.allowed[target] = true
			}
		case r.stub == stubCompose:
			target = m.stub("empty.yaml", []byte("{}\n"))
		case r.stub == stubEnv:
			target = m.stub("empty.env", nil)
		case r.stub == stubDir:
			target = filepath.Join(m.root, "stubs")
		case r.stub == stubExtends:
			content, _ := yaml.Marshal(map[string]any{"services": map[string]any{
				r.service: map[string]any{"image": "mountguard/not-read"},
			}})
			target = m.stub(fmt.Sprintf("extends-%d.yaml", i), content)
		}
		if r.stub == stubCompose || r.stub == stubExtends {
			m.allowed[target] = true
		}
		start, end, ok := r.file.scalarSpan(r.node)
		if !ok {
			l.problem(ParseError, l.loc(r.file, r.node), "mountguard can only review a path written on one line and not through an alias; write it as a plain or quoted string")
			return nil, false
		}
		text := strconv.Quote(strings.ReplaceAll(target, "$", "$$"))
		duplicate := false
		for _, e := range edits[r.file] {
			if e.start == start {
				duplicate = true
			}
		}
		if !duplicate {
			edits[r.file] = append(edits[r.file], edit{start, end, text})
		}
	}
	out := map[string][]byte{}
	for f, es := range edits {
		slices.SortFunc(es, func(a, b edit) int { return a.start - b.start })
		var b []byte
		last := 0
		for _, e := range es {
			b = append(b, f.content[last:e.start]...)
			b = append(b, e.text...)
			last = e.end
		}
		b = append(b, f.content[last:]...)
		out[f.path] = b
	}
	return out, true
}

// write creates the private copy: every file a reference names, each
// include's env files and the stand-ins.
func (m *materializer) write(l *loadState, patched map[string][]byte) error {
	wrote := map[string]bool{}
	put := func(p string, content []byte) error {
		if wrote[p] {
			return nil
		}
		wrote[p] = true
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("preparing included files: %w", err)
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			return fmt.Errorf("preparing included files: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Join(m.root, "stubs"), 0o700); err != nil {
		return fmt.Errorf("preparing included files: %w", err)
	}
	for _, r := range l.refs {
		if r.target == "" || r.stub == stubDir {
			continue
		}
		f := l.files[r.target]
		if f == nil || f.failed {
			continue
		}
		content := f.content
		if b, ok := patched[f.path]; ok {
			content = b
		}
		if err := put(m.abs(f.path), content); err != nil {
			return err
		}
	}
	for p := range l.envFiles {
		if f := l.files[p]; f != nil && !f.failed {
			if err := put(m.abs(p), f.content); err != nil {
				return err
			}
		}
	}
	for p, content := range m.stubs {
		if err := put(p, content); err != nil {
			return err
		}
	}
	return nil
}

// guard is the only resource loader compose-go gets. Every include and
// extends path has been rewritten to a prepared file, so anything else is
// refused rather than opened.
type guard struct{ m *materializer }

func (g guard) Accept(string) bool { return true }

func (g guard) Load(_ context.Context, p string) (string, error) {
	clean := filepath.Clean(p)
	if !g.m.allowed[clean] {
		return "", fmt.Errorf("refusing to open %s: only files inside the project are read", p)
	}
	return clean, nil
}

func (g guard) Dir(p string) string {
	return filepath.Dir(p)
}
