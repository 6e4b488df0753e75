package rules

import (
	"slices"
	"testing"

	"github.com/mountguard/mountguard/review/compose"
)

func abs(p string) compose.HostPath  { return compose.HostPath{Kind: compose.HostAbsolute, Path: p} }
func home(p string) compose.HostPath { return compose.HostPath{Kind: compose.HostHome, Path: p} }
func proj(p string) compose.HostPath { return compose.HostPath{Kind: compose.HostProject, Path: p} }
func out(p string) compose.HostPath  { return compose.HostPath{Kind: compose.HostOutside, Path: p} }
func pipe(p string) compose.HostPath { return compose.HostPath{Kind: compose.HostPipe, Path: p} }

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"/", nil},
		{"", nil},
		{".", nil},
		{"/etc", []string{"etc"}},
		{"etc", []string{"etc"}},
		{"//etc", []string{"etc"}},
		{"/etc/", []string{"etc"}},
		{"/etc/../etc", []string{"etc"}},
		{"/etc/./ssl//certs/", []string{"etc", "ssl", "certs"}},
		{"/../../etc", []string{"etc"}},
		{"/etcd-data", []string{"etcd-data"}},
		{"/var/lib/docker", []string{"var", "lib", "docker"}},
		{"data/../..", nil},
	} {
		if got := segments(c.in); !slices.Equal(got, c.want) {
			t.Errorf("segments(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHasPrefix(t *testing.T) {
	for _, c := range []struct {
		p, prefix string
		want      bool
	}{
		{"/etc", "/etc", true},
		{"/etc/passwd", "/etc", true},
		{"/etc", "/etc/passwd", false},
		{"/etcd-data", "/etc", false},
		{"/etc", "/etcd", false},
		{"/var/lib/docker/x", "/var/lib/docker", true},
		{"/var/lib/dockerd", "/var/lib/docker", false},
		{"/anything", "/", true},
		{"/", "/", true},
		{"/", "/etc", false},
		{"/usr/share/zoneinfo/Europe", "/usr/share/zoneinfo", true},
	} {
		if got := hasPrefix(segments(c.p), segments(c.prefix)); got != c.want {
			t.Errorf("hasPrefix(%q, %q) = %v, want %v", c.p, c.prefix, got, c.want)
		}
	}
}

func TestSensitiveClassification(t *testing.T) {
	c := newClassifier(Settings{SensitivePaths: []string{"/srv/secrets", "opt/keys/"}})
	for _, tc := range []struct {
		in       compose.HostPath
		ok       bool
		path     string
		relation string
	}{
		// System paths.
		{abs("/"), true, "/", "is"},
		{abs("/etc"), true, "/etc", "is"},
		{abs("/etc/passwd"), true, "/etc", "lies inside"},
		{abs("/boot/grub"), true, "/boot", "lies inside"},
		{abs("/dev"), true, "/dev", "is"},
		{abs("/proc/1/root"), true, "/proc", "lies inside"},
		{abs("/sys/fs/cgroup"), true, "/sys", "lies inside"},
		{abs("/usr"), true, "/usr", "is"},
		{abs("/lib64"), true, "/lib64", "is"},
		{abs("/bin"), true, "/bin", "is"},
		{abs("/sbin"), true, "/sbin", "is"},
		{abs("/run"), true, "/run", "is"},
		{abs("/run/user/1000"), true, "/run", "lies inside"},
		{abs("/var/run"), true, "/var/run", "is"},
		{abs("/var/lib/docker"), true, "/var/lib/docker", "is"},
		{abs("/var/lib/kubelet/pods"), true, "/var/lib/kubelet", "lies inside"},
		// The most specific path wins for "lies inside"...
		{abs("/lib/modules"), true, "/lib/modules", "is"},
		{abs("/lib/modules/6.1"), true, "/lib/modules", "lies inside"},
		{abs("/lib/x86_64-linux-gnu"), true, "/lib", "lies inside"},
		// ...and the nearest one for "contains".
		{abs("/var"), true, "/var/run", "contains"},
		{abs("/var/lib"), true, "/var/lib/docker", "contains"},
		// Spellings.
		{abs("//etc"), true, "/etc", "is"},
		{abs("/etc/"), true, "/etc", "is"},
		{abs("/etc/../etc"), true, "/etc", "is"},
		// Whole segments only.
		{abs("/etcd-data"), false, "", ""},
		{abs("/var/log"), false, "", ""},
		{abs("/var/lib/dockerd"), false, "", ""},
		{abs("/srv/app"), false, "", ""},
		{abs("/opt"), true, "/opt/keys", "contains"},
		// Configured paths.
		{abs("/srv/secrets"), true, "/srv/secrets", "is"},
		{abs("/srv/secrets/db"), true, "/srv/secrets", "lies inside"},
		{abs("/srv"), true, "/srv/secrets", "contains"},
		{abs("/opt/keys/k1"), true, "/opt/keys", "lies inside"},
		// Homes.
		{abs("/home"), true, "/home", "is"},
		{abs("/home/alice"), true, "/home/alice", "is"},
		{abs("/home/alice/.ssh"), true, "/home/alice/.ssh", "is"},
		{abs("/home/alice/.ssh/id_rsa"), true, "/home/alice/.ssh", "lies inside"},
		{abs("/home/alice/.aws"), true, "/home/alice/.aws", "is"},
		{abs("/home/alice/.kube/config"), true, "/home/alice/.kube", "lies inside"},
		{abs("/home/alice/.docker"), true, "/home/alice/.docker", "is"},
		{abs("/home/alice/.gnupg"), true, "/home/alice/.gnupg", "is"},
		{abs("/home/alice/.config/gcloud"), true, "/home/alice/.config/gcloud", "is"},
		{abs("/home/alice/.config"), true, "/home/alice/.config/gcloud", "contains"},
		{abs("/home/alice/.config/nvim"), false, "", ""},
		{abs("/home/alice/.netrc"), true, "/home/alice/.netrc", "is"},
		{abs("/root/.azure/config"), true, "/root/.azure", "lies inside"},
		{home("~/.config/gh"), true, "~/.config/gh", "is"},
		{abs("/home/alice/projects/app"), false, "", ""},
		{abs("/home/alice/projects/app/.ssh"), false, "", ""},
		{abs("/Users"), true, "/Users", "is"},
		{abs("/Users/alice"), true, "/Users/alice", "is"},
		{abs("/Users/alice/code"), false, "", ""},
		{abs("/root"), true, "/root", "is"},
		{abs("/root/.aws/credentials"), true, "/root/.aws", "lies inside"},
		{abs("/root/app"), false, "", ""},
		{home("~"), true, "~", "is"},
		{home("~/.kube"), true, "~/.kube", "is"},
		{home("~/.ssh/id_ed25519"), true, "~/.ssh", "lies inside"},
		{home("~/.config/gcloud/creds.json"), true, "~/.config/gcloud", "lies inside"},
		{home("~alice"), true, "~alice", "is"},
		{home("~alice/.ssh"), true, "~alice/.ssh", "is"},
		{home("~/minecraft_data"), false, "", ""},
		{home("~/projects/app"), false, "", ""},
		// Other kinds are never sensitive by path.
		{proj("etc"), false, "", ""},
		{proj("home/.ssh"), false, "", ""},
		{out("../../etc"), false, "", ""},
		{pipe("//./pipe/docker_engine"), false, "", ""},
		{compose.HostPath{Kind: compose.HostUnknown}, false, "", ""},
		// Windows paths are not Linux system paths.
		{abs(`C:\Windows`), false, "", ""},
		{abs(`\\server\share`), false, "", ""},
	} {
		got, ok := c.sensitive(tc.in)
		if ok != tc.ok || got.path != tc.path || got.relation != tc.relation {
			t.Errorf("sensitive(%v) = %q %q %v, want %q %q %v", tc.in, got.path, got.relation, ok, tc.path, tc.relation, tc.ok)
		}
		if ok && got.why == "" {
			t.Errorf("sensitive(%v) gives no reason", tc.in)
		}
	}
}

// The configuration adds to the built-in list; it never replaces it.
func TestClassifierKeepsSystemPaths(t *testing.T) {
	c := newClassifier(Settings{SensitivePaths: []string{"/srv/secrets"}})
	if _, ok := c.sensitive(abs("/etc")); !ok {
		t.Error("/etc no longer sensitive with SensitivePaths set")
	}
	if len(systemPaths) != len(newClassifier(Settings{}).system) {
		t.Error("newClassifier changed the built-in list")
	}
	s, _ := c.sensitive(abs("/srv/secrets"))
	if s.why != "listed as sensitive in the mountguard configuration" {
		t.Errorf("why = %q", s.why)
	}
}

func TestSensitivityDescribe(t *testing.T) {
	for _, c := range []struct {
		s    sensitivity
		host string
		want string
	}{
		{sensitivity{"/etc", "is", "the host's system configuration"}, "/etc", "/etc is the host's system configuration"},
		{sensitivity{"/etc", "lies inside", "the host's system configuration"}, "/etc/passwd", "/etc/passwd lies inside /etc (the host's system configuration)"},
		{sensitivity{"/var/run", "contains", "the host's runtime state"}, "/var", "/var contains /var/run (the host's runtime state)"},
	} {
		if got := c.s.describe(c.host); got != c.want {
			t.Errorf("describe(%q) = %q, want %q", c.host, got, c.want)
		}
	}
}

func TestBenign(t *testing.T) {
	for _, c := range []struct {
		in   compose.HostPath
		want bool
	}{
		{abs("/etc/localtime"), true},
		{abs("/etc/timezone"), true},
		{abs("/usr/share/zoneinfo"), true},
		{abs("/usr/share/zoneinfo/Europe/Paris"), true},
		{abs("/etc/ssl/certs"), true},
		{abs("/etc/ssl/certs/ca-certificates.crt"), true},
		{abs("//etc/localtime"), true},
		{abs("/etc"), false},
		{abs("/etc/ssl"), false},
		{abs("/etc/ssl/private"), false},
		{abs("/etc/ssl/certs/../private"), false},
		{abs("/etc/localtime2"), false},
		{abs("/usr/share"), false},
		{abs("/etc/passwd"), false},
		// Only absolute host paths: a project file with the same name
		// is whatever the project put there.
		{proj("etc/localtime"), false},
		{home("~/etc/localtime"), false},
	} {
		if got := benign(c.in); got != c.want {
			t.Errorf("benign(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRuntimeSocket(t *testing.T) {
	for _, c := range []struct {
		in      compose.HostPath
		runtime string
	}{
		{abs("/var/run/docker.sock"), "Docker"},
		{abs("/run/docker.sock"), "Docker"},
		{abs("/run/user/1000/docker.sock"), "Docker"},
		{abs("/home/alice/.docker/run/docker.sock"), "Docker"},
		{abs("/var/run/docker.sock.raw"), "Docker"},
		{proj("docker.sock"), "Docker"},
		{home("~/.colima/default/docker.sock"), "Docker"},
		{abs(`C:\ProgramData\docker\docker.sock`), "Docker"},
		{abs("/run/podman/podman.sock"), "Podman"},
		{abs("/run/user/1000/podman/podman.sock"), "Podman"},
		{abs("/run/containerd/containerd.sock"), "containerd"},
		{abs("/var/run/crio/crio.sock"), "CRI-O"},
		{abs("/var/run/dockershim.sock"), "Docker (dockershim)"},
		{pipe("//./pipe/docker_engine"), "Docker"},
		{pipe(`\\.\pipe\docker_engine`), "Docker"},
		{pipe(`\\.\pipe\Docker_Engine_Windows`), "Docker"},
		{pipe("//./pipe/podman-machine-default"), "Podman"},
		{pipe("//./pipe/other"), ""},
		{abs("/var/run"), ""},
		{abs("/var/run/docker"), ""},
		{abs("/srv/notdocker.sock"), ""},
		{abs("/srv/docker.socket"), ""},
		{abs("/var/run/docker.pid"), ""},
		{abs("/run/containerd"), ""},
	} {
		got, ok := runtimeSocket(c.in)
		if ok != (c.runtime != "") || got != c.runtime {
			t.Errorf("runtimeSocket(%v) = %q, %v; want %q", c.in, got, ok, c.runtime)
		}
		if isSocket(c.in) != ok {
			t.Errorf("isSocket(%v) disagrees with runtimeSocket", c.in)
		}
	}
}

func TestScratchTarget(t *testing.T) {
	for _, c := range []struct {
		target string
		want   bool
	}{
		{"/tmp", true},
		{"/tmp/", true},
		{"//tmp", true},
		{"/var/tmp", true},
		{"/run", true},
		{"/var/run", true},
		{"/var/cache", true},
		{"/var/cache/apt", true},
		{"/var/cache/apt/archives", true},
		{"/app/.cache", true},
		{"/root/.cache", true},
		{"/srv/cache", true},
		{"/tmp/app", false},
		{"/run/secrets", false},
		{"/var/run/docker.sock", false},
		{"/var/lib/cache-data", false},
		{"/var/lib/app", false},
		{"/cache-dir", false},
		{"/data", false},
		{"/", false},
	} {
		if got := scratchTarget(c.target); got != c.want {
			t.Errorf("scratchTarget(%q) = %v, want %v", c.target, got, c.want)
		}
	}
}

func TestAllowedSource(t *testing.T) {
	c := newClassifier(Settings{AllowedBindSources: []string{"./config", "/var/log/app", "~/data", "shared/", "/srv/x/../y"}})
	for _, tc := range []struct {
		in   compose.HostPath
		want bool
	}{
		{proj("config"), true},
		{proj("config/nginx.conf"), true},
		{proj("configs"), false},
		{proj("conf"), false},
		{proj("shared"), true},
		{proj("shared/x"), true},
		{abs("/var/log/app"), true},
		{abs("/var/log/app/today.log"), true},
		{abs("/var/log/application"), false},
		{abs("/var/log"), false},
		{abs("/srv/y"), true},
		{abs("/srv/x"), false},
		{home("~/data"), true},
		{home("~/data/sub"), true},
		{home("~/database"), false},
		{home("~"), false},
		// Kinds must match: the project's ./config is not /config, nor
		// ~/config.
		{abs("/config"), false},
		{home("~/config"), false},
		{proj("var/log/app"), false},
		{pipe("//./pipe/docker_engine"), false},
	} {
		if got := c.allowedSource(tc.in); got != tc.want {
			t.Errorf("allowedSource(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestClassifyAllowed(t *testing.T) {
	for _, c := range []struct {
		in   string
		want compose.HostPath
	}{
		{"./config", proj("config")},
		{"config/", proj("config")},
		{"/var/log/app/", abs("/var/log/app")},
		{"~/data/", home("~/data")},
		{"~", home("~")},
	} {
		if got := classifyAllowed(c.in); got != c.want {
			t.Errorf("classifyAllowed(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// An allowed source outside the project ("../shared", relative to the root
// like the project's own paths) names the same place as a bind source
// "../shared", which compose classifies as outside the project.
func TestAllowedSourceOutsideTheProject(t *testing.T) {
	c := newClassifier(Settings{AllowedBindSources: []string{"../shared"}})
	if !c.allowedSource(out("../shared")) {
		t.Errorf("allowedSource(../shared) = false with ../shared allowed")
	}
}

func TestIsWindowsPath(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{`C:\data`, true},
		{"c:/data", true},
		{`\\server\share`, true},
		{"/etc", false},
		{"data", false},
		{"", false},
	} {
		if got := isWindowsPath(c.in); got != c.want {
			t.Errorf("isWindowsPath(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
