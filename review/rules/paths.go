package rules

import (
	"path"
	"strings"

	"github.com/mountguard/mountguard/review/compose"
)

// Paths are compared by whole segments after cleaning, so that //etc,
// /etc/ and /etc/../etc are /etc, and /etcd-data is not inside /etc.

func segments(p string) []string {
	p = path.Clean("/" + p)
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func hasPrefix(p, prefix []string) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// sensitivePath is a host path that a container must not reach, and why.
type sensitivePath struct {
	path string
	why  string
}

var systemPaths = []sensitivePath{
	{"/", "the host's entire file system"},
	{"/etc", "the host's system configuration, including users and passwords"},
	{"/boot", "the host's kernel and boot loader"},
	{"/dev", "the host's devices"},
	{"/proc", "the host's kernel and process interfaces"},
	{"/sys", "the host's kernel settings"},
	{"/usr", "the host's programs and libraries"},
	{"/lib", "the host's system libraries"},
	{"/lib64", "the host's system libraries"},
	{"/bin", "the host's system programs"},
	{"/sbin", "the host's system programs"},
	{"/run", "the host's runtime state and service sockets"},
	{"/var/run", "the host's runtime state and service sockets"},
	{"/var/lib/docker", "Docker's own storage, with every container's files"},
	{"/var/lib/kubelet", "the kubelet's state, including pod secrets"},
	{"/lib/modules", "the host's kernel modules"},
}

// credentialFolders are folders (and files) in a home directory that hold
// credentials.
var credentialFolders = [][]string{
	{".ssh"}, {".aws"}, {".kube"}, {".docker"}, {".gnupg"}, {".config", "gcloud"},
	{".azure"}, {".config", "gh"}, {".password-store"}, {".netrc"}, {".git-credentials"},
}

func credentialKind(cred []string) string {
	if name := cred[len(cred)-1]; name == ".netrc" || name == ".git-credentials" {
		return "a credential file"
	}
	return "a credential folder"
}

// benignReadOnly are read-only mounts that share harmless host data.
var benignReadOnly = []string{"/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo", "/etc/ssl/certs"}

// sensitivity says why a host path is sensitive.
type sensitivity struct {
	// path is the sensitive path matched, relation how the host path
	// relates to it: "is", "contains" or "lies inside".
	path     string
	relation string
	why      string
}

func (s sensitivity) describe(host string) string {
	switch s.relation {
	case "is":
		return host + " is " + s.why
	case "contains":
		return host + " contains " + s.path + " (" + s.why + ")"
	}
	return host + " lies inside " + s.path + " (" + s.why + ")"
}

// classifier decides about host paths, with the configured additions.
type classifier struct {
	system  []sensitivePath
	allowed []compose.HostPath
}

func newClassifier(s Settings) *classifier {
	c := &classifier{system: systemPaths}
	for _, p := range s.SensitivePaths {
		c.system = append(c.system, sensitivePath{path.Clean("/" + p), "listed as sensitive in the mountguard configuration"})
	}
	for _, a := range s.AllowedBindSources {
		c.allowed = append(c.allowed, classifyAllowed(a))
	}
	return c
}

func classifyAllowed(a string) compose.HostPath {
	clean := path.Clean(a)
	switch {
	case strings.HasPrefix(a, "~"):
		return compose.HostPath{Kind: compose.HostHome, Path: clean}
	case strings.HasPrefix(a, "/"):
		return compose.HostPath{Kind: compose.HostAbsolute, Path: clean}
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return compose.HostPath{Kind: compose.HostOutside, Path: clean}
	}
	return compose.HostPath{Kind: compose.HostProject, Path: clean}
}

// allowedSource reports whether configuration accepts bind mounts of h.
func (c *classifier) allowedSource(h compose.HostPath) bool {
	for _, a := range c.allowed {
		if a.Kind != h.Kind {
			continue
		}
		if a.Kind == compose.HostHome {
			if h.Path == a.Path || strings.HasPrefix(h.Path, a.Path+"/") {
				return true
			}
			continue
		}
		if hasPrefix(segments(h.Path), segments(a.Path)) {
			return true
		}
	}
	return false
}

// sensitive decides whether a host path is sensitive.
func (c *classifier) sensitive(h compose.HostPath) (sensitivity, bool) {
	switch h.Kind {
	case compose.HostAbsolute:
		if isWindowsPath(h.Path) {
			return sensitivity{}, false
		}
		segs := segments(h.Path)
		if s, ok := c.systemSensitive(segs); ok {
			return s, true
		}
		return homeSensitive(segs)
	case compose.HostHome:
		rest := strings.TrimPrefix(h.Path, "~")
		user := ""
		if i := strings.Index(rest, "/"); i >= 0 {
			user, rest = rest[:i], rest[i:]
		} else {
			user, rest = rest, ""
		}
		home := []string{"home", "~" + user}
		return homeSensitive(append(home, segments(rest)...))
	}
	return sensitivity{}, false
}

func (c *classifier) systemSensitive(segs []string) (sensitivity, bool) {
	var inside, contains *sensitivePath
	for i := range c.system {
		sp := &c.system[i]
		sys := segments(sp.path)
		switch {
		case len(sys) == len(segs) && hasPrefix(segs, sys):
			return sensitivity{path: sp.path, relation: "is", why: sp.why}, true
		case len(sys) == 0:
			// Every path lies inside /; only / itself is the root.
		case hasPrefix(segs, sys):
			if inside == nil || len(segments(inside.path)) < len(sys) {
				inside = sp
			}
		case hasPrefix(sys, segs):
			if contains == nil || len(segments(contains.path)) > len(sys) {
				contains = sp
			}
		}
	}
	if inside != nil {
		return sensitivity{path: inside.path, relation: "lies inside", why: inside.why}, true
	}
	if contains != nil {
		return sensitivity{path: contains.path, relation: "contains", why: contains.why}, true
	}
	return sensitivity{}, false
}

// homeSensitive handles home directories: a home root (/home, /home/<user>,
// /Users/<user>, /root, ~) and the credential folders in a home. A project
// folder deeper inside a home is not sensitive.
func homeSensitive(segs []string) (sensitivity, bool) {
	var homeLen int
	switch {
	case len(segs) >= 1 && segs[0] == "root":
		homeLen = 1
	case len(segs) >= 1 && (segs[0] == "home" || segs[0] == "Users"):
		if len(segs) == 1 {
			return sensitivity{path: "/" + segs[0], relation: "is", why: "every user's home directory"}, true
		}
		homeLen = 2
	default:
		return sensitivity{}, false
	}
	home := displayHome(segs[:homeLen])
	if len(segs) == homeLen {
		return sensitivity{path: home, relation: "is", why: "a home directory, with its credentials and keys"}, true
	}
	rest := segs[homeLen:]
	for _, cred := range credentialFolders {
		p := home + "/" + strings.Join(cred, "/")
		switch {
		case hasPrefix(rest, cred) && len(rest) == len(cred):
			return sensitivity{path: p, relation: "is", why: credentialKind(cred)}, true
		case hasPrefix(rest, cred):
			return sensitivity{path: p, relation: "lies inside", why: credentialKind(cred)}, true
		case hasPrefix(cred, rest):
			// ~/.config contains ~/.config/gcloud
			return sensitivity{path: p, relation: "contains", why: credentialKind(cred)}, true
		}
	}
	return sensitivity{}, false
}

func displayHome(segs []string) string {
	if len(segs) == 2 && strings.HasPrefix(segs[1], "~") {
		return segs[1]
	}
	return "/" + strings.Join(segs, "/")
}

func isWindowsPath(p string) bool {
	return len(p) >= 2 && p[1] == ':' || strings.HasPrefix(p, `\\`)
}

func benign(h compose.HostPath) bool {
	if h.Kind != compose.HostAbsolute {
		return false
	}
	segs := segments(h.Path)
	for _, b := range benignReadOnly {
		if hasPrefix(segs, segments(b)) {
			return true
		}
	}
	return false
}

// runtimeSockets maps socket file names to the runtime they control.
var runtimeSockets = []struct{ name, runtime string }{
	{"docker.sock", "Docker"},
	{"podman.sock", "Podman"},
	{"containerd.sock", "containerd"},
	{"crio.sock", "CRI-O"},
	{"dockershim.sock", "Docker (dockershim)"},
}

// runtimeSocket reports which container runtime's API a host path reaches.
func runtimeSocket(h compose.HostPath) (string, bool) {
	if h.Kind == compose.HostPipe {
		lower := strings.ToLower(h.Path)
		if strings.Contains(lower, "docker_engine") {
			return "Docker", true
		}
		if strings.Contains(lower, "podman") {
			return "Podman", true
		}
		return "", false
	}
	base := path.Base(strings.ReplaceAll(h.Path, `\`, "/"))
	for _, s := range runtimeSockets {
		if base == s.name || strings.HasPrefix(base, s.name+".") {
			return s.runtime, true
		}
	}
	return "", false
}

// scratchTarget reports whether a container path is scratch space that
// belongs on tmpfs.
func scratchTarget(target string) bool {
	segs := segments(target)
	switch path.Clean("/" + target) {
	case "/tmp", "/var/tmp", "/run", "/var/run":
		return true
	}
	if hasPrefix(segs, []string{"var", "cache"}) {
		return true
	}
	if n := len(segs); n > 0 && (segs[n-1] == "cache" || segs[n-1] == ".cache") {
		return true
	}
	return false
}
