package compose

import (
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// Loc is where a YAML node sits in a file under review. File is the path
// relative to the root of the file system the project was loaded from, with
// forward slashes; Line and Column are 1-based.
type Loc struct {
	File    string
	Line    int
	Column  int
	EndLine int
}

// IsZero reports whether l names no place.
func (l Loc) IsZero() bool { return l.File == "" }

// ProblemKind classifies what went wrong while reading a project.
type ProblemKind int

const (
	// ParseError: a file is not valid YAML or not a valid compose file, or it
	// cannot be read within the configured limits.
	ParseError ProblemKind = iota + 1
	// OutsideProject: include, extends.file or env_file names a file outside
	// the root. The file is not read.
	OutsideProject
	// UnresolvedVariable: a reference (include, extends.file, env_file)
	// depends on a variable with no value and no default.
	UnresolvedVariable
)

// Problem is something about the files themselves, found while loading.
type Problem struct {
	Kind    ProblemKind
	Loc     Loc
	Message string
	// Ref is the reference as written after interpolation (for
	// OutsideProject and UnresolvedVariable), and Field the key that holds
	// it: "include", "extends.file", "env_file", "label_file",
	// "include.env_file", "include.project_directory".
	Ref   string
	Field string
	// Variables lists the variables that had no value.
	Variables []string
}

// Project is a compose project as docker compose would run it, with every
// part traced back to the YAML that defines it.
type Project struct {
	// Dir is the project (working) directory, relative to the root.
	Dir string
	// Files are the compose files given to Load, in merge order.
	Files []string
	// Model is compose-go's effective model. It is nil when the project
	// could not be loaded; Problems then says why.
	Model    *types.Project
	Services []*Service
	// Volumes are the top-level named volumes, by their key in the file.
	Volumes map[string]*Volume
	// FileResources are the top-level configs and secrets read from a host
	// file, sorted by kind and key.
	FileResources []*FileResource
	Problems      []Problem

	sources map[string]*sourceFile
	budget  *budget
}

// Source returns the content of a file that was read for this project.
func (p *Project) Source(file string) ([]byte, bool) {
	f, ok := p.sources[file]
	if !ok || f.content == nil {
		return nil, false
	}
	return f.content, true
}

// SourceFiles lists every file read for this project: compose files,
// included and extended files, and .env files.
func (p *Project) SourceFiles() []string {
	out := make([]string, 0, len(p.sources))
	for name := range p.sources {
		out = append(out, name)
	}
	return out
}

// YAMLFiles lists the compose files read for this project (top-level,
// included and extended), without .env files.
func (p *Project) YAMLFiles() []string {
	var out []string
	for name, f := range p.sources {
		if f.parsed && f.content != nil {
			out = append(out, name)
		}
	}
	return out
}

// Service is one effective service.
type Service struct {
	Name string
	// Loc is the service's key in the file that defines it last.
	Loc    Loc
	Config types.ServiceConfig
	Mounts []*Mount

	layers  []layer
	project *Project
}

// PathKind classifies the host side of a bind mount.
type PathKind int

const (
	// HostAbsolute: an absolute path on the host ("/etc").
	HostAbsolute PathKind = iota + 1
	// HostProject: a path inside the project root ("./data").
	HostProject
	// HostHome: a path in a user's home directory ("~/x").
	HostHome
	// HostOutside: a relative path that leaves the project root ("../../x").
	HostOutside
	// HostPipe: a Windows named pipe ("//./pipe/docker_engine").
	HostPipe
	// HostUnknown: the path could not be determined (for example only an
	// unresolved variable).
	HostUnknown
)

// HostPath is the host side of a bind mount, as docker would resolve it.
type HostPath struct {
	Kind PathKind
	// Path is cleaned: absolute for HostAbsolute ("/etc"), relative to the
	// root for HostProject and HostOutside ("data", "../x"), "~/..." for
	// HostHome, as written for HostPipe.
	Path string
}

// Mount is one entry of a service's volumes.
type Mount struct {
	// Type is compose's mount type: bind, volume, tmpfs, npipe, image,
	// cluster.
	Type string
	// Source is the source after interpolation, as written ("./data",
	// "/etc", "dbdata"); empty for anonymous volumes and tmpfs.
	Source string
	// Written is the source before interpolation ("${DATA:-./data}").
	Written     string
	Target      string
	ReadOnly    bool
	Propagation string
	SELinux     string
	// Host is set for bind mounts and for named volumes that are bind
	// mounts in disguise (see Volume.Bind).
	Host *HostPath
	// Volume is the top-level declaration of a named volume, if any.
	Volume *Volume
	// Loc is the volume entry, Short whether it uses the "src:dst:mode"
	// syntax.
	Loc   Loc
	Short bool
	// Unresolved lists variables in the source that had no value.
	Unresolved []string

	node *yaml.Node
}

// Volume is a top-level named volume.
type Volume struct {
	Key        string
	Loc        Loc
	Driver     string
	DriverOpts map[string]string
	External   bool
	// Bind is set when the volume is a bind mount in disguise: the local
	// driver with o=bind and a device path, or a plugin such as
	// local-persist with a mountpoint.
	Bind *DisguisedBind
}

// DisguisedBind is the host path behind a named volume.
type DisguisedBind struct {
	Host HostPath
	// Device is the path as written, Loc its driver_opts entry.
	Device     string
	Loc        Loc
	Unresolved []string
}

// FileResource is a top-level config or secret whose content is a host
// file: docker compose bind-mounts that file, read-only, into every service
// that uses it.
type FileResource struct {
	// Kind is "config" or "secret"; Key its name in the file.
	Kind string
	Key  string
	// File is the path after interpolation; Host where it is.
	File string
	Host HostPath
	// Loc is the file: entry.
	Loc Loc
	// Users are the services that use it.
	Users      []string
	Unresolved []string
}
