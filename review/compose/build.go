package compose

import (
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// layer is one definition of a service (or top-level volume) in one
// document; a merged service is its layers applied in order.
type layer struct {
	doc  *doc
	key  *yaml.Node
	node *yaml.Node
}

func (ly layer) file() *sourceFile { return ly.doc.file }

// dir is the directory relative paths in this layer resolve against.
func (ly layer) dir() string {
	if ly.doc.extendsBase {
		return path.Dir(ly.doc.file.path)
	}
	return ly.doc.dir
}

// maxExtendsDepth bounds extends chains; compose-go rejects cycles, and
// this keeps a long acyclic chain from costing more than it should.
const maxExtendsDepth = 32

// serviceLayers lists the definitions of a service in merge order, lowest
// precedence first, the way compose-go applies them: for each document,
// the service's extends base, then what includes bring, then the document's
// own definition.
func (l *loadState) serviceLayers(s *scope, name string, depth int) []layer {
	var out []layer
	for _, d := range s.docs {
		out = append(out, l.docLayers(d, name, depth)...)
	}
	return out
}

func (l *loadState) docLayers(d *doc, name string, depth int) []layer {
	if depth > maxExtendsDepth {
		return nil
	}
	var out []layer
	_, services, _ := l.budget.get(d.root, "services")
	key, svc, _ := l.budget.get(services, name)
	if svc != nil {
		if ref, ok := d.extends[name]; ok {
			for _, bd := range ref.docs {
				out = append(out, l.docLayers(bd, ref.service, depth+1)...)
			}
		}
	}
	if !d.extendsBase {
		for _, inc := range d.includes {
			out = append(out, l.serviceLayers(inc, name, depth+1)...)
		}
	}
	if svc != nil {
		out = append(out, layer{doc: d, key: key, node: svc})
	}
	return out
}

// resourceLayers lists the definitions of a top-level resource (a volume,
// config or secret) in merge order.
func (l *loadState) resourceLayers(s *scope, section, name string, depth int) []layer {
	if depth > maxExtendsDepth {
		return nil
	}
	var out []layer
	for _, d := range s.docs {
		for _, inc := range d.includes {
			out = append(out, l.resourceLayers(inc, section, name, depth+1)...)
		}
		_, resources, _ := l.budget.get(d.root, section)
		if key, v, _ := l.budget.get(resources, name); key != nil {
			out = append(out, layer{doc: d, key: key, node: v})
		}
	}
	return out
}

// build attaches locations to compose-go's effective model.
func (l *loadState) build(p *Project, top *scope) {
	m := p.Model
	for _, key := range slices.Sorted(mapsKeys(m.Volumes)) {
		p.Volumes[key] = l.volume(top, key, m.Volumes[key])
	}
	for _, name := range slices.Sorted(mapsKeys(m.Services)) {
		svc := &Service{
			Name:    name,
			Config:  m.Services[name],
			layers:  l.serviceLayers(top, name, 0),
			project: p,
		}
		svc.Loc = Loc{File: p.Files[0], Line: 1, Column: 1, EndLine: 1}
		if n := len(svc.layers); n > 0 {
			last := svc.layers[n-1]
			svc.Loc = l.loc(last.file(), last.key)
			svc.Loc.EndLine = svc.Loc.Line
		}
		for _, v := range svc.Config.Volumes {
			svc.Mounts = append(svc.Mounts, l.mount(p, svc, v))
		}
		p.Services = append(p.Services, svc)
	}
	for _, key := range slices.Sorted(mapsKeys(m.Configs)) {
		l.fileResource(p, top, "config", key, m.Configs[key].File)
	}
	for _, key := range slices.Sorted(mapsKeys(m.Secrets)) {
		l.fileResource(p, top, "secret", key, m.Secrets[key].File)
	}
}

// fileResource records a config or secret read from a host file.
func (l *loadState) fileResource(p *Project, top *scope, kind, key, file string) {
	if file == "" {
		return
	}
	r := &FileResource{Kind: kind, Key: key, File: file, Loc: Loc{File: p.Files[0], Line: 1, Column: 1, EndLine: 1}}
	dir := top.dir
	layers := l.resourceLayers(top, kind+"s", key, 0)
	for i := len(layers) - 1; i >= 0; i-- {
		ly := layers[i]
		k, v, _ := l.budget.get(ly.node, "file")
		if k == nil {
			continue
		}
		raw, _ := scalar(v)
		in := newInterpolator(ly.doc.env)
		r.File = in.substitute(raw)
		r.Unresolved = in.missing
		r.Loc = l.loc(ly.file(), k)
		dir = ly.dir()
		break
	}
	r.Host = resolveHost(r.File, dir)
	for _, svc := range p.Services {
		refs := svc.Config.Secrets
		if kind == "config" {
			refs = nil
			for _, c := range svc.Config.Configs {
				refs = append(refs, types.ServiceSecretConfig(c))
			}
		}
		for _, ref := range refs {
			if ref.Source == key {
				r.Users = append(r.Users, svc.Name)
				break
			}
		}
	}
	p.FileResources = append(p.FileResources, r)
}

func mapsKeys[M ~map[string]V, V any](m M) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (l *loadState) mount(p *Project, svc *Service, v types.ServiceVolumeConfig) *Mount {
	mt := &Mount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly, Loc: svc.Loc}
	if v.Bind != nil {
		mt.Propagation, mt.SELinux = v.Bind.Propagation, v.Bind.SELinux
	}
	dir := p.Dir
	if ly, node := l.findVolume(svc.layers, v.Target); node != nil {
		mt.node = node
		mt.Loc = l.loc(ly.file(), node)
		mt.Short = node.Kind == yaml.ScalarNode
		dir = ly.dir()
		in := newInterpolator(ly.doc.env)
		if mt.Short {
			if parsed, err := parseEntry(node.Value, in); err == nil {
				mt.Source = parsed.Source
				if parts := splitShort(node.Value); len(parts) > 1 {
					mt.Written = parts[0]
				}
			}
		} else if _, src, _ := l.budget.get(node, "source"); src != nil {
			mt.Written, _ = scalar(src)
			mt.Source = in.substitute(mt.Written)
		}
		mt.Unresolved = in.missing
	}
	switch mt.Type {
	case types.VolumeTypeBind:
		h := resolveHost(mt.Source, dir)
		mt.Host = &h
	case types.VolumeTypeNamedPipe:
		mt.Host = &HostPath{Kind: HostPipe, Path: mt.Source}
	case types.VolumeTypeVolume:
		if vol := p.Volumes[mt.Source]; vol != nil {
			mt.Volume = vol
			if vol.Bind != nil {
				h := vol.Bind.Host
				mt.Host = &h
			}
		}
	}
	return mt
}

// parseEntry parses a short-syntax entry as compose-go sees it; a source
// lost to an unset variable is reported empty.
func parseEntry(raw string, in *interpolator) (types.ServiceVolumeConfig, error) {
	v, err := ParseShortVolume(fillEmptySource(raw, in.substitute(raw)))
	if v.Source == unresolvedSource {
		v.Source = ""
	}
	return v, err
}

// findVolume finds the entry that defines the mount at target: the last
// one in the last layer that has it, as compose-go's merge keeps the last.
func (l *loadState) findVolume(layers []layer, target string) (layer, *yaml.Node) {
	want := path.Clean(target)
	for i := len(layers) - 1; i >= 0; i-- {
		ly := layers[i]
		_, vols, _ := l.budget.get(ly.node, "volumes")
		items, _ := l.budget.items(vols)
		for j := len(items) - 1; j >= 0; j-- {
			if t, ok := l.entryTarget(items[j], ly.doc.env); ok && path.Clean(t) == want {
				return ly, items[j]
			}
		}
	}
	return layer{}, nil
}

func (l *loadState) entryTarget(n *yaml.Node, e env) (string, bool) {
	in := newInterpolator(e)
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := parseEntry(n.Value, in)
		return v.Target, err == nil
	case yaml.MappingNode:
		_, t, _ := l.budget.get(n, "target")
		s, ok := scalar(t)
		return in.substitute(s), ok
	}
	return "", false
}

func (l *loadState) volume(top *scope, key string, vc types.VolumeConfig) *Volume {
	vol := &Volume{Key: key, Driver: vc.Driver, DriverOpts: vc.DriverOpts, External: bool(vc.External)}
	layers := l.resourceLayers(top, "volumes", key, 0)
	if n := len(layers); n > 0 {
		vol.Loc = l.loc(layers[n-1].file(), layers[n-1].key)
		vol.Loc.EndLine = endLine(layers[n-1].node)
	}
	opt := ""
	switch {
	case (vc.Driver == "" || vc.Driver == "local") && hasBindOption(vc.DriverOpts["o"]) && vc.DriverOpts["device"] != "":
		opt = "device"
	case strings.Contains(vc.Driver, "local-persist") && vc.DriverOpts["mountpoint"] != "":
		opt = "mountpoint"
	default:
		return vol
	}
	bind := &DisguisedBind{Device: vc.DriverOpts[opt], Loc: vol.Loc}
	dir := ""
	for i := len(layers) - 1; i >= 0; i-- {
		ly := layers[i]
		optsKey, opts, _ := l.budget.get(ly.node, "driver_opts")
		_, dev, _ := l.budget.get(opts, opt)
		if dev == nil {
			continue
		}
		bind.Loc = l.loc(ly.file(), optsKey)
		bind.Loc.EndLine = endLine(opts)
		raw, _ := scalar(dev)
		in := newInterpolator(ly.doc.env)
		bind.Device = in.substitute(raw)
		bind.Unresolved = in.missing
		dir = ly.dir()
		break
	}
	if dir == "" {
		dir = top.dir
	}
	bind.Host = resolveHost(bind.Device, dir)
	vol.Bind = bind
	return vol
}

func hasBindOption(o string) bool {
	for _, opt := range strings.Split(o, ",") {
		if opt = strings.TrimSpace(opt); opt == "bind" || opt == "rbind" {
			return true
		}
	}
	return false
}

// resolveHost classifies the host side of a bind mount written as source in
// a file whose relative paths resolve against dir (root-relative).
func resolveHost(source, dir string) HostPath {
	switch {
	case source == "":
		return HostPath{Kind: HostUnknown}
	case strings.HasPrefix(source, `\\.\pipe\`) || strings.HasPrefix(source, "//./pipe/"):
		return HostPath{Kind: HostPipe, Path: source}
	case strings.HasPrefix(source, "~"):
		return homePath(source)
	case strings.HasPrefix(source, "/"):
		return HostPath{Kind: HostAbsolute, Path: path.Clean(source)}
	case isWindowsAbs(source):
		return HostPath{Kind: HostAbsolute, Path: source}
	}
	joined := path.Join(dir, source)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return HostPath{Kind: HostOutside, Path: joined}
	}
	return HostPath{Kind: HostProject, Path: joined}
}

// homePath resolves "~", "~/x" and "~user/x". A path that climbs out of
// the home directory ("~/../../etc") is where it lands on a typical host:
// homes are /home/<user>, so it becomes an absolute path.
func homePath(source string) HostPath {
	user, rest, _ := strings.Cut(source[1:], "/")
	home := "/home/" + user
	if user == "" {
		home = "/home/~"
	}
	joined := path.Join(home, rest)
	if joined != home && !strings.HasPrefix(joined, home+"/") {
		return HostPath{Kind: HostAbsolute, Path: joined}
	}
	return HostPath{Kind: HostHome, Path: path.Clean("~" + user + "/" + rest)}
}

// KeyLoc returns where key is set for this service, in the definition that
// wins the merge. Without one it returns the service's own location and
// false.
func (s *Service) KeyLoc(key string) (Loc, bool) {
	b := s.project.budget
	for i := len(s.layers) - 1; i >= 0; i-- {
		ly := s.layers[i]
		if k, v, err := b.get(ly.node, key); err == nil && k != nil {
			loc := Loc{File: ly.file().path, Line: k.Line, Column: k.Column, EndLine: endLine(v)}
			return loc, true
		}
	}
	return s.Loc, false
}

// Item is one entry of a list-valued service key, interpolated.
type Item struct {
	// Value is a scalar entry's value; Fields a mapping entry's scalar
	// fields.
	Value  string
	Fields map[string]string
	Loc    Loc

	node *yaml.Node
}

// Items lists the entries of key in every definition of the service,
// winning definitions first (so the first match is the one that counts),
// and in file order within a definition.
func (s *Service) Items(key string) []Item {
	b := s.project.budget
	var out []Item
	for i := len(s.layers) - 1; i >= 0; i-- {
		ly := s.layers[i]
		_, v, err := b.get(ly.node, key)
		if err != nil || v == nil {
			continue
		}
		entries := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			entries, _ = b.items(v)
		}
		in := newInterpolator(ly.doc.env)
		for _, n := range entries {
			it := Item{Loc: Loc{File: ly.file().path, Line: n.Line, Column: n.Column, EndLine: endLine(n)}, node: n}
			switch n.Kind {
			case yaml.ScalarNode:
				it.Value = in.substitute(n.Value)
			case yaml.MappingNode:
				ps, _ := b.pairs(n)
				it.Fields = make(map[string]string, len(ps))
				for _, p := range ps {
					if sv, ok := scalar(p.value); ok {
						it.Fields[deref(p.key).Value] = in.substitute(sv)
					}
				}
			}
			out = append(out, it)
		}
	}
	return out
}
