package rules

import "slices"

// Rule describes one check. Its ID is stable: it appears in output, in
// justification comments, in configuration and in exception labels.
type Rule struct {
	ID    string
	Title string
	// Default is the severity used unless configuration says otherwise;
	// Off means the rule must be enabled by configuration.
	Default Severity
	// Summary says in one sentence what the rule finds.
	Summary string
	// Threat is what the problem risks: "container escape", "host
	// compromise", "data corruption" or "review gap".
	Threat string
}

// IDs of the rules.
const (
	DockerSocket         = "docker-socket"
	SensitiveHostPath    = "sensitive-host-path"
	WritableBindMount    = "writable-bind-mount"
	BindMount            = "bind-mount"
	RootWritableBind     = "root-writable-bind"
	DisguisedBind        = "disguised-bind"
	MountPropagation     = "mount-propagation"
	SELinuxRelabel       = "selinux-relabel"
	OutsideProject       = "outside-project"
	SharedWritableVolume = "shared-writable-volume"
	TmpfsCandidate       = "tmpfs-candidate"
	VolumesFrom          = "volumes-from"
	Privileged           = "privileged"
	DangerousCapability  = "dangerous-capability"
	ConfinementDisabled  = "confinement-disabled"
	HostNamespace        = "host-namespace"
	HostDevice           = "host-device"
	UnresolvedVariable   = "unresolved-variable"
	NoReadOnlyRootfs     = "no-read-only-rootfs"
	ParseError           = "parse-error"
	BadJustification     = "bad-justification"
)

var catalog = []Rule{
	{DockerSocket, "Container runtime socket mounted", Error,
		"A container-runtime API socket or pipe (docker.sock, podman.sock, containerd.sock, crio.sock, //./pipe/docker_engine) is mounted into a container.", "container escape"},
	{SensitiveHostPath, "Sensitive host path mounted", Error,
		"A bind mount's host path is, contains or lies inside a sensitive system path, a home directory or a credential folder.", "container escape"},
	{WritableBindMount, "Writable bind mount", Warning,
		"A bind mount lets the container write to the host.", "data corruption"},
	{BindMount, "Bind mount needs a justification", Notice,
		"A bind mount that no other rule flags: named volumes are preferred, and each bind mount should say why it is needed.", "review gap"},
	{RootWritableBind, "Root user with a writable bind mount", Warning,
		"A service that runs as root (as far as the compose file says) writes to the host through a bind mount.", "data corruption"},
	{DisguisedBind, "Named volume is a bind mount in disguise", Warning,
		"A named volume uses driver_opts (o: bind with a device, or a local-persist mountpoint) to mount a host path.", "container escape"},
	{MountPropagation, "Shared mount propagation", Error,
		"A bind mount uses shared or rshared propagation, so mounts made in the container appear on the host.", "container escape"},
	{SELinuxRelabel, "SELinux relabelling of a host path", Notice,
		"A bind mount uses :z, :Z or bind.selinux, which relabels the host path; on a system path this breaks the host.", "host compromise"},
	{OutsideProject, "Path outside the project", Warning,
		"A bind source leaves the project (../.., ~), or include, extends.file or env_file names a file outside the project.", "review gap"},
	{SharedWritableVolume, "Volume written by several services", Warning,
		"The same named volume or host path is mounted writable in two or more services.", "data corruption"},
	{TmpfsCandidate, "Scratch space on a persistent mount", Notice,
		"A writable mount targets scratch space (/tmp, /var/tmp, /run, /var/cache, .../cache) where tmpfs would do.", "data corruption"},
	{VolumesFrom, "volumes_from without :ro", Warning,
		"volumes_from inherits every mount of another service or container read-write.", "data corruption"},
	{Privileged, "Privileged container", Error,
		"privileged: true gives the container every capability and every device, so any mount becomes an escape path.", "container escape"},
	{DangerousCapability, "Dangerous capability added", Error,
		"cap_add grants a capability; ALL, SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH, SYS_PTRACE and SYS_RAWIO allow escaping the container.", "container escape"},
	{ConfinementDisabled, "Container confinement disabled", Error,
		"security_opt disables seccomp, AppArmor or SELinux separation, or unmasks /proc and /sys (systempaths=unconfined).", "container escape"},
	{HostNamespace, "Host namespace shared", Warning,
		"pid, ipc, userns_mode, cgroup or network_mode is set to host.", "container escape"},
	{HostDevice, "Host device mapped", Warning,
		"devices maps a host device into the container; block devices and /dev/mem, /dev/kmem, /dev/port are errors.", "container escape"},
	{UnresolvedVariable, "Variable without a value", Notice,
		"A mount source or a referenced file depends on a variable with no value and no default, so it was reviewed as docker compose would run it without one.", "review gap"},
	{NoReadOnlyRootfs, "Writable root file system", Off,
		"The service lacks read_only: true (disabled unless enabled by configuration).", "data corruption"},
	{ParseError, "File cannot be read as a compose file", Error,
		"A file is not valid YAML, not a valid compose file, or exceeds a configured limit.", "review gap"},
	{BadJustification, "Justification comment is not valid", Notice,
		"A '# mountguard: allow' comment has no reason or names an unknown rule, so it justifies nothing.", "review gap"},
}

// Catalog returns every rule, in documentation order.
func Catalog() []Rule { return slices.Clone(catalog) }

// Lookup returns the rule with the given ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range catalog {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// DocsBase is where the rule documentation pages (docs/rules/<id>.md) are
// published.
const DocsBase = "https://github.com/mountguard/mountguard/blob/main/docs/rules/"

// DocURL is the documentation page of a rule.
func DocURL(id string) string { return DocsBase + id + ".md" }
