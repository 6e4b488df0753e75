package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/mountguard/mountguard/review/compose"
)

// Settings adjust the catalog: they come from the configuration file.
type Settings struct {
	// Severity replaces a rule's severity; Off disables it. A rule whose
	// default is Off runs only when it is given a severity here.
	Severity map[string]Severity
	// SensitivePaths are host paths treated like /etc.
	SensitivePaths []string
	// AllowedBindSources are host paths (absolute, ~/..., or relative to
	// the root) whose bind mounts are accepted: the path rules
	// (sensitive-host-path, writable-bind-mount, outside-project,
	// bind-mount) skip them. A runtime socket is never accepted this way.
	AllowedBindSources []string
}

// Analyze applies every enabled rule to a loaded project and returns the
// findings, in no particular order.
func Analyze(p *compose.Project, s Settings) []Finding {
	a := &analyzer{project: p, settings: s, paths: newClassifier(s), flagged: map[*compose.Mount]bool{}}
	a.problems()
	if p.Model == nil {
		return a.findings
	}
	for _, key := range slices.Sorted(keys(p.Volumes)) {
		a.volume(p.Volumes[key])
	}
	for _, svc := range p.Services {
		a.service(svc)
	}
	for _, r := range p.FileResources {
		a.fileResource(r)
	}
	a.sharedWritable()
	a.bindMounts()
	return a.findings
}

// fileResource reviews a config or secret read from a host file: docker
// compose bind-mounts that file, read-only, into the services that use it,
// so the path rules apply to it as to a read-only bind mount.
func (a *analyzer) fileResource(r *compose.FileResource) {
	if len(r.Users) == 0 {
		return
	}
	what := fmt.Sprintf("%s %q is the host file %s, mounted read-only into %s %s", r.Kind, r.Key, r.File, plural(len(r.Users), "service", "services"), join(quoteAll(r.Users)))
	f := Finding{Loc: r.Loc, Target: r.Kind + ":" + r.Key, Source: r.File}
	if runtime, ok := runtimeSocket(r.Host); ok && a.enabled(DockerSocket) {
		f.Rule, f.Severity = DockerSocket, Error
		f.Message = fmt.Sprintf("%s: it is the %s API socket, and read-only does not help: the API still accepts every call.", what, runtime)
		a.emit(f)
		return
	}
	if a.paths.allowedSource(r.Host) {
		return
	}
	if sens, ok := a.paths.sensitive(r.Host); ok && !benign(r.Host) && a.enabled(SensitiveHostPath) {
		f.Rule, f.Severity = SensitiveHostPath, Warning
		f.Message = fmt.Sprintf("%s: %s; the containers can read it. Keep secrets in files made for them, inside the project or generated at deploy time.", what, sens.describe(r.Host.Path))
		a.emit(f)
		return
	}
	if r.Host.Kind == compose.HostHome || r.Host.Kind == compose.HostOutside {
		f.Rule, f.Severity = OutsideProject, Warning
		f.Message = fmt.Sprintf("%s, outside the project: the review cannot see what is there, and the service depends on the machine it runs on.", what)
		a.emit(f)
	}
}

func quoteAll(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func keys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type analyzer struct {
	project  *compose.Project
	settings Settings
	paths    *classifier
	findings []Finding
	// flagged records mounts that a rule has flagged, for bind-mount.
	flagged map[*compose.Mount]bool
}

// emit records a finding unless its rule is switched off.
func (a *analyzer) emit(f Finding) {
	if f, ok := a.settings.Finish(f); ok {
		a.findings = append(a.findings, f)
	}
}

// Finish applies the configured severity to a finding built by a rule, and
// fills in its title and fingerprint. It reports false when the rule is
// switched off.
func (s Settings) Finish(f Finding) (Finding, bool) {
	rule, _ := Lookup(f.Rule)
	if sev, ok := s.Severity[f.Rule]; ok {
		f.Severity = sev
	} else if rule.Default == Off {
		return f, false
	}
	if f.Severity == Off {
		return f, false
	}
	f.Title = rule.Title
	f.Fingerprint = Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
	return f, true
}

// enabled reports whether a rule would emit anything.
func (a *analyzer) enabled(id string) bool {
	if sev, ok := a.settings.Severity[id]; ok {
		return sev != Off
	}
	r, _ := Lookup(id)
	return r.Default != Off
}

func (a *analyzer) mountFinding(id string, sev Severity, svc *compose.Service, m *compose.Mount, msg string) Finding {
	if a.enabled(id) {
		a.flagged[m] = true
	}
	return Finding{Rule: id, Severity: sev, Loc: m.Loc, Service: svc.Name, Target: m.Target, Source: m.Source, Message: msg}
}

func (a *analyzer) problems() {
	for _, pr := range a.project.Problems {
		f := Finding{Loc: pr.Loc, Message: pr.Message, Target: pr.Field, Source: pr.Ref}
		switch pr.Kind {
		case compose.ParseError:
			// compose-go's messages are not stable from run to run (it
			// walks maps), so a parse error is identified by its file.
			f.Rule, f.Severity, f.Target, f.Source = ParseError, Error, "", ""
		case compose.OutsideProject:
			f.Rule, f.Severity = OutsideProject, Error
		case compose.UnresolvedVariable:
			f.Rule, f.Severity = UnresolvedVariable, Notice
		default:
			continue
		}
		a.emit(f)
	}
}

func (a *analyzer) volume(v *compose.Volume) {
	if v.Bind == nil {
		return
	}
	how := "driver_opts o: bind with device: " + v.Bind.Device
	if v.Driver != "" && v.Driver != "local" {
		how = "driver " + v.Driver + " with mountpoint: " + v.Bind.Device
	}
	a.emit(Finding{
		Rule: DisguisedBind, Severity: Warning, Loc: v.Bind.Loc, Target: v.Key, Source: v.Bind.Device,
		Message: fmt.Sprintf("named volume %q is a bind mount of host path %s in disguise (%s): every service that mounts it reaches the host. Write it as a bind mount so it is reviewed as one, or drop the driver_opts to get a real named volume.",
			v.Key, v.Bind.Device, how),
	})
	if len(v.Bind.Unresolved) > 0 {
		a.emit(Finding{
			Rule: UnresolvedVariable, Severity: Notice, Loc: v.Bind.Loc, Target: v.Key, Source: v.Bind.Device,
			Message: fmt.Sprintf("the device of named volume %q uses %s, which has no value and no default; docker compose would use an empty string, so it was reviewed as %q.",
				v.Key, vars(v.Bind.Unresolved), v.Bind.Device),
		})
	}
}

func (a *analyzer) service(svc *compose.Service) {
	for _, m := range svc.Mounts {
		a.mount(svc, m)
	}
	a.rootWritable(svc)
	a.serviceSettings(svc)
}

// describe names a mount's host side for messages.
func describe(m *compose.Mount) string {
	if m.Volume != nil && m.Volume.Bind != nil {
		return fmt.Sprintf("named volume %q (a bind mount of %s)", m.Volume.Key, m.Volume.Bind.Device)
	}
	if m.Type == types.VolumeTypeVolume {
		if m.Source == "" {
			return "an anonymous volume"
		}
		return fmt.Sprintf("named volume %q", m.Source)
	}
	if len(m.Unresolved) > 0 && m.Written != "" {
		if m.Source == "" {
			return fmt.Sprintf("%s (with %s unset: an unknown host path)", m.Written, vars(m.Unresolved))
		}
		return fmt.Sprintf("%s (with %s unset: %s)", m.Written, vars(m.Unresolved), m.Source)
	}
	if m.Source == "" {
		return "an empty host path"
	}
	return m.Source
}

func access(m *compose.Mount) string {
	if m.ReadOnly {
		return "read-only"
	}
	return "writable"
}

func (a *analyzer) readOnlyFix(m *compose.Mount) *Fix {
	edit, ok := a.project.ReadOnlyEdit(m)
	if !ok {
		return nil
	}
	desc := "Mount it read-only (:ro)"
	if !m.Short {
		desc = "Mount it read-only (read_only: true)"
	}
	return &Fix{Description: desc, Edit: edit}
}

func (a *analyzer) mount(svc *compose.Service, m *compose.Mount) {
	if len(m.Unresolved) > 0 {
		f := a.mountFinding(UnresolvedVariable, Notice, svc, m, fmt.Sprintf(
			"service %q mounts a source that uses %s, which has no value and no default; docker compose would use an empty string, so the entry was reviewed as %q at %s.",
			svc.Name, vars(m.Unresolved), m.Source, m.Target))
		a.emit(f)
	}
	if m.Propagation == types.PropagationShared || m.Propagation == types.PropagationRShared {
		a.emit(a.mountFinding(MountPropagation, Error, svc, m, fmt.Sprintf(
			"service %q mounts %s at %s with %s propagation: mounts made inside the container appear on the host, and the container sees every new host mount. Remove the propagation option to get the default rprivate.",
			svc.Name, describe(m), m.Target, m.Propagation)))
	}
	host := m.Host
	if scratchTarget(m.Target) && !m.ReadOnly && m.Type != types.VolumeTypeTmpfs && (host == nil || !isSocket(*host)) {
		a.emit(a.mountFinding(TmpfsCandidate, Notice, svc, m, fmt.Sprintf(
			"service %q keeps scratch space %s on %s, a writable persistent mount: use tmpfs (tmpfs: %s) so temporary files never reach the host or a volume and are cleared on restart.",
			svc.Name, m.Target, describe(m), m.Target)))
	}
	if host == nil {
		return
	}
	sens, sensitive := a.paths.sensitive(*host)
	if m.SELinux != "" {
		label := "shared (:z)"
		if m.SELinux == types.SELinuxPrivate {
			label = "private (:Z)"
		}
		if sensitive {
			a.emit(a.mountFinding(SELinuxRelabel, Error, svc, m, fmt.Sprintf(
				"service %q relabels host path %s with a %s SELinux label: relabelling a system or home path changes the label of host files other programs depend on and breaks the host. Remove the SELinux option.",
				svc.Name, host.Path, label)))
		} else {
			a.emit(a.mountFinding(SELinuxRelabel, Notice, svc, m, fmt.Sprintf(
				"service %q relabels %s with a %s SELinux label: the host files take the container's label. Make sure nothing else on the host needs their old label.",
				svc.Name, describe(m), label)))
		}
	}
	if runtime, ok := runtimeSocket(*host); ok && a.enabled(DockerSocket) {
		ro := ""
		if m.ReadOnly {
			ro = " It is mounted read-only, which does not help: the API still accepts every call."
		}
		a.emit(a.mountFinding(DockerSocket, Error, svc, m, fmt.Sprintf(
			"service %q mounts the %s API socket %s at %s: whoever controls the container controls the container runtime, and can start a privileged container that mounts the host's root file system.%s",
			svc.Name, runtime, host.Path, m.Target, ro)))
		return
	}
	if a.paths.allowedSource(*host) {
		a.flagged[m] = true // accepted by configuration: no bind-mount notice
		return
	}
	if m.ReadOnly && benign(*host) {
		a.flagged[m] = true // time zone and CA certificates: nothing to say
		return
	}
	switch {
	case sensitive && a.enabled(SensitiveHostPath):
		sev, consequence := Error, "a process in the container can change it and take over the host"
		var fix *Fix
		if m.ReadOnly {
			sev, consequence = Warning, "even read-only, the container can read what is there (keys, passwords, configuration)"
		} else {
			fix = a.readOnlyFix(m)
		}
		f := a.mountFinding(SensitiveHostPath, sev, svc, m, fmt.Sprintf(
			"service %q mounts %s %s at %s: %s; %s.",
			svc.Name, describe(m), access(m), m.Target, sens.describe(host.Path), consequence))
		f.Fix = fix
		a.emit(f)
	case !m.ReadOnly:
		f := a.mountFinding(WritableBindMount, Warning, svc, m, fmt.Sprintf(
			"service %q mounts %s at %s writable: the container can change or delete these host files. Mount it read-only unless the container must write there.",
			svc.Name, describe(m), m.Target))
		f.Fix = a.readOnlyFix(m)
		a.emit(f)
	}
	if !(sensitive && a.enabled(SensitiveHostPath)) && (host.Kind == compose.HostHome || host.Kind == compose.HostOutside) {
		where := "is in a home directory"
		if host.Kind == compose.HostOutside {
			where = "resolves to " + host.Path + ", outside the project"
		}
		a.emit(a.mountFinding(OutsideProject, Warning, svc, m, fmt.Sprintf(
			"service %q mounts %s at %s, which %s: the review cannot see what is there, and the service depends on the machine it runs on. Keep bind sources inside the project, or use a named volume.",
			svc.Name, describe(m), m.Target, where)))
	}
}

func isSocket(h compose.HostPath) bool {
	_, ok := runtimeSocket(h)
	return ok
}

// rootWritable reports a service that runs as root and writes to the host,
// once, at its first writable bind mount.
func (a *analyzer) rootWritable(svc *compose.Service) {
	user := strings.TrimSpace(svc.Config.User)
	name, _, _ := strings.Cut(user, ":")
	who := ""
	switch {
	case user == "":
		who = "runs as root as far as the compose file says (no user: is set, and the image's own USER is not known from the file)"
	case name == "root" || name == "0":
		who = fmt.Sprintf("runs as root (user: %s)", user)
	default:
		return
	}
	for _, m := range svc.Mounts {
		// A socket or a pipe is no place to plant files; docker-socket
		// says what is wrong with it.
		if m.Host == nil || m.ReadOnly || m.Host.Kind == compose.HostPipe || isSocket(*m.Host) {
			continue
		}
		f := a.mountFinding(RootWritableBind, Warning, svc, m, fmt.Sprintf(
			"service %q %s and mounts %s at %s writable: what it writes on the host is owned by root, and a compromised process can plant root-owned files there. Set user: to an unprivileged UID:GID, or mount it read-only.",
			svc.Name, who, describe(m), m.Target))
		// One finding per service: its identity is the service, not the
		// mount that happens to come first.
		f.Target, f.Source = "", ""
		a.emit(f)
		return
	}
}

// sharedWritable reports named volumes and host paths that several
// services mount writable.
func (a *analyzer) sharedWritable() {
	type use struct {
		svc *compose.Service
		m   *compose.Mount
	}
	groups := map[string][]use{}
	var order []string
	for _, svc := range a.project.Services {
		for _, m := range svc.Mounts {
			if m.ReadOnly {
				continue
			}
			var key string
			switch {
			case m.Host != nil && (m.Host.Kind == compose.HostPipe || isSocket(*m.Host)):
				continue // an API, not data: docker-socket covers it
			case m.Host != nil && m.Host.Kind != compose.HostUnknown:
				// Host paths first, so that a folder shared through a
				// disguised volume and a plain bind is one group.
				key = fmt.Sprintf("host\x00%d\x00%s", m.Host.Kind, m.Host.Path)
			case m.Type == types.VolumeTypeVolume && m.Source != "":
				key = "volume\x00" + m.Source
			default:
				continue
			}
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key] = append(groups[key], use{svc, m})
		}
	}
	for _, key := range order {
		uses := groups[key]
		var names []string
		for _, u := range uses {
			if !slices.Contains(names, u.svc.Name) {
				names = append(names, u.svc.Name)
			}
		}
		if len(names) < 2 {
			continue
		}
		for _, u := range uses {
			var others []string
			for _, n := range names {
				if n != u.svc.Name {
					others = append(others, fmt.Sprintf("%q", n))
				}
			}
			a.emit(a.mountFinding(SharedWritableVolume, Warning, u.svc, u.m, fmt.Sprintf(
				"service %q mounts %s writable at %s, and so does %s %s: concurrent writers corrupt data that is not designed for it. Make all but one writer read-only, or give each service its own volume.",
				u.svc.Name, describe(u.m), u.m.Target, plural(len(others), "service", "services"), join(others))))
		}
	}
}

// bindMounts adds the bind-mount notice to every bind mount that no other
// rule flagged.
func (a *analyzer) bindMounts() {
	for _, svc := range a.project.Services {
		for _, m := range svc.Mounts {
			if m.Host == nil || a.flagged[m] || (m.Volume != nil && m.Volume.Bind != nil) {
				continue
			}
			a.emit(Finding{Rule: BindMount, Severity: Notice, Loc: m.Loc, Service: svc.Name, Target: m.Target, Source: m.Source,
				Message: fmt.Sprintf(
					"service %q bind-mounts %s at %s (%s). Named volumes are preferred; if this bind mount is needed, say why on the entry: # mountguard: allow bind-mount -- <reason>",
					svc.Name, describe(m), m.Target, access(m))})
		}
	}
}

// defaultCaps are the capabilities Docker grants every container; adding
// one back (typically after cap_drop: [ALL]) grants nothing new.
var defaultCaps = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true, "NET_RAW": true, "SETFCAP": true,
	"SETGID": true, "SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

var dangerousCaps = map[string]string{
	"ALL":             "every capability, which is as good as privileged: true",
	"SYS_ADMIN":       "mounting file systems and the cgroup and namespace operations behind most container escapes",
	"SYS_MODULE":      "loading modules into the host's kernel",
	"DAC_READ_SEARCH": "reading any file on a mounted host file system through open_by_handle_at (the \"shocker\" escape)",
	"SYS_PTRACE":      "tracing and injecting code into other processes",
	"SYS_RAWIO":       "raw access to host devices and I/O ports",
}

var confinement = []struct{ opt, what string }{
	{"seccomp:unconfined", "turns off the seccomp system-call filter that blocks most kernel escape techniques"},
	{"apparmor:unconfined", "turns off AppArmor confinement"},
	{"label:disable", "turns off SELinux separation"},
	{"label:type:spc_t", "runs the container as an SELinux super-privileged container (spc_t)"},
	{"label:type:unconfined_t", "runs the container in the unconfined SELinux domain"},
	{"systempaths:unconfined", "unmasks the /proc and /sys paths that Docker hides from containers"},
}

var namespaces = []struct{ key, what string }{
	{"pid", "shares the host's process namespace (pid: host): it sees and can signal every process on the host"},
	{"ipc", "shares the host's IPC namespace (ipc: host): it can read and write host shared memory"},
	{"userns_mode", "opts out of user-namespace remapping (userns_mode: host): root in the container is root on the host"},
	{"cgroup", "shares the host's cgroup namespace (cgroup: host): it sees the host's cgroup tree"},
	{"network_mode", "uses the host's network stack (network_mode: host): it can reach every service bound to the host's localhost and interfaces"},
}

// blockDevice matches disks and the devices that give raw access to them.
var blockDevice = regexp.MustCompile(`^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|loop\d|dm-\d|md\d|sr\d|sg\d|nbd\d|rbd\d|zram\d|pmem\d|mapper/|disk/)`)

func (a *analyzer) serviceSettings(svc *compose.Service) {
	cfg := svc.Config
	if cfg.Privileged {
		loc, _ := svc.KeyLoc("privileged")
		a.emit(Finding{Rule: Privileged, Severity: Error, Loc: loc, Service: svc.Name, Target: "privileged",
			Message: fmt.Sprintf("service %q runs privileged: it gets every capability and every host device, so any mount is an escape path. Remove privileged: true and add only the capabilities it needs.", svc.Name)})
	}
	caps := newItemLocator(svc, "cap_add")
	for _, c := range cfg.CapAdd {
		norm := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		loc := caps.loc(func(it compose.Item) bool { return it.Value == c }, func(it compose.Item) bool {
			return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(it.Value)), "CAP_") == norm
		})
		if defaultCaps[norm] {
			continue // least privilege done right: drop all, add back a default
		}
		f := Finding{Rule: DangerousCapability, Loc: loc, Service: svc.Name, Target: "cap_add", Source: norm}
		if why, ok := dangerousCaps[norm]; ok {
			f.Severity = Error
			f.Message = fmt.Sprintf("service %q adds capability %s, which allows %s: a way out of the container. Remove it, or find the narrower capability the service needs.", svc.Name, norm, why)
		} else {
			f.Severity = Warning
			f.Message = fmt.Sprintf("service %q adds capability %s beyond Docker's default set: check that the service needs it, and drop it otherwise.", svc.Name, norm)
		}
		a.emit(f)
	}
	opts := newItemLocator(svc, "security_opt")
	for _, opt := range cfg.SecurityOpt {
		norm := normalizeSecurityOpt(opt)
		for _, c := range confinement {
			if norm != c.opt {
				continue
			}
			loc := opts.loc(func(it compose.Item) bool { return it.Value == opt }, func(it compose.Item) bool { return normalizeSecurityOpt(it.Value) == norm })
			a.emit(Finding{Rule: ConfinementDisabled, Severity: Error, Loc: loc, Service: svc.Name, Target: "security_opt", Source: opt,
				Message: fmt.Sprintf("service %q sets security_opt %s, which %s. Remove it, or write a profile that allows only what the service needs.", svc.Name, opt, c.what)})
		}
	}
	values := map[string]string{"pid": cfg.Pid, "ipc": cfg.Ipc, "userns_mode": cfg.UserNSMode, "cgroup": cfg.Cgroup, "network_mode": cfg.NetworkMode}
	for _, ns := range namespaces {
		if values[ns.key] != "host" {
			continue
		}
		loc, _ := svc.KeyLoc(ns.key)
		a.emit(Finding{Rule: HostNamespace, Severity: Warning, Loc: loc, Service: svc.Name, Target: ns.key, Source: "host",
			Message: fmt.Sprintf("service %q %s. Remove %s: host unless the service is a host agent that needs it.", svc.Name, ns.what, ns.key)})
	}
	devices := newItemLocator(svc, "devices")
	for _, d := range cfg.Devices {
		src := d.Source
		clean := path.Clean("/" + src)
		loc := devices.loc(func(it compose.Item) bool {
			if it.Fields != nil {
				return it.Fields["target"] == d.Target
			}
			_, rest, _ := strings.Cut(it.Value, ":")
			target, _, _ := strings.Cut(rest, ":")
			return target == d.Target || rest == "" && it.Value == d.Target
		}, func(it compose.Item) bool {
			if it.Fields != nil {
				return it.Fields["source"] == src
			}
			s, _, _ := strings.Cut(it.Value, ":")
			return s == src
		})
		f := Finding{Rule: HostDevice, Loc: loc, Service: svc.Name, Target: d.Target, Source: src}
		switch {
		case blockDevice.MatchString(clean):
			f.Severity = Error
			f.Message = fmt.Sprintf("service %q maps block device %s: it can read and write the whole disk, bypassing every file permission and mount on it.", svc.Name, src)
		case clean == "/dev/mem" || clean == "/dev/kmem" || clean == "/dev/port":
			f.Severity = Error
			f.Message = fmt.Sprintf("service %q maps %s: direct access to the host's memory or I/O ports, enough to take over the kernel.", svc.Name, src)
		default:
			f.Severity = Warning
			f.Message = fmt.Sprintf("service %q maps host device %s: check that the service needs it; a device is a direct line to a host driver.", svc.Name, src)
		}
		a.emit(f)
	}
	for _, from := range cfg.VolumesFrom {
		parts := strings.Split(from, ":")
		if parts[len(parts)-1] == "ro" {
			continue
		}
		items := svc.Items("volumes_from")
		f := Finding{Rule: VolumesFrom, Severity: Warning, Loc: svc.Loc, Service: svc.Name, Target: "volumes_from", Source: from,
			Message: fmt.Sprintf("service %q uses volumes_from: %s without :ro, so it can write to every volume of %s, including ones added later. Append :ro, or mount the volumes it needs explicitly.", svc.Name, from, strings.TrimSuffix(from, ":rw"))}
		for _, it := range items {
			if it.Value == from {
				f.Loc = it.Loc
				if edit, ok := svc.ReadOnlyItemEdit(it); ok {
					f.Fix = &Fix{Description: "Inherit the volumes read-only (:ro)", Edit: edit}
				}
				break
			}
		}
		a.emit(f)
	}
	if !cfg.ReadOnly && a.enabled(NoReadOnlyRootfs) {
		f := Finding{Rule: NoReadOnlyRootfs, Severity: Notice, Loc: svc.Loc, Service: svc.Name, Target: "read_only",
			Message: fmt.Sprintf("service %q has a writable root file system: add read_only: true, and mount tmpfs where it needs to write.", svc.Name)}
		if edit, ok := svc.ReadOnlyRootfsEdit(); ok {
			f.Fix = &Fix{Description: "Make the root file system read-only", Edit: edit}
		}
		a.emit(f)
	}
}

// itemLocator finds the entries of a list key that effective values came
// from. Each entry is handed out once, so two spellings of the same value
// ("seccomp:unconfined", "seccomp=unconfined") keep their own lines.
type itemLocator struct {
	svc   *compose.Service
	key   string
	items []compose.Item
	used  map[int]bool
}

func newItemLocator(svc *compose.Service, key string) *itemLocator {
	return &itemLocator{svc: svc, key: key, items: svc.Items(key), used: map[int]bool{}}
}

// find returns the first unused entry that match accepts, preferring one
// that exact accepts too.
func (il *itemLocator) find(exact, match func(compose.Item) bool) (compose.Item, bool) {
	for _, accept := range []func(compose.Item) bool{exact, match} {
		for i, it := range il.items {
			if !il.used[i] && accept(it) && match(it) {
				il.used[i] = true
				return it, true
			}
		}
	}
	return compose.Item{}, false
}

func (il *itemLocator) loc(exact, match func(compose.Item) bool) compose.Loc {
	if it, ok := il.find(exact, match); ok {
		return it.Loc
	}
	loc, _ := il.svc.KeyLoc(il.key)
	return loc
}

// normalizeSecurityOpt writes "seccomp=unconfined" and "seccomp:unconfined"
// the same way.
func normalizeSecurityOpt(opt string) string {
	opt = strings.ToLower(strings.TrimSpace(opt))
	if k, v, ok := strings.Cut(opt, "="); ok && !strings.Contains(k, ":") {
		opt = k + ":" + v
	}
	return opt
}

func vars(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "${" + n + "}"
	}
	return join(out)
}

func join(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
