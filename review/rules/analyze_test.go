package rules

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mountguard/mountguard/review/compose"
)

// analyze loads the project made of files (root-relative path → content)
// with names as the compose files given to docker compose -f (compose.yaml
// when none is given), analyses it and returns the findings sorted.
func analyze(t *testing.T, files map[string]string, settings Settings, names ...string) []Finding {
	t.Helper()
	p := load(t, files, names...)
	out := Analyze(p, settings)
	slices.SortFunc(out, Compare)
	return out
}

func load(t *testing.T, files map[string]string, names ...string) *compose.Project {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	if len(names) == 0 {
		names = []string{"compose.yaml"}
	}
	p, err := compose.Load(context.Background(), fsys, names, compose.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("compose.Load: %v", err)
	}
	return p
}

// w is an expected finding. at is "line:column-endline" in compose.yaml, or
// "file:line:column-endline"; msg lists substrings the message must contain
// and not substrings it must not.
type w struct {
	rule string
	sev  Severity
	svc  string
	at   string
	msg  []string
	not  []string
}

func (x w) key(t *testing.T) string {
	t.Helper()
	file, rest := "compose.yaml", x.at
	if i := strings.LastIndex(rest, ".yaml:"); i >= 0 {
		file, rest = rest[:i+len(".yaml")], rest[i+len(".yaml:"):]
	} else if i := strings.LastIndex(rest, ".env:"); i >= 0 {
		file, rest = rest[:i+len(".env")], rest[i+len(".env:"):]
	}
	var line, col, end int
	if _, err := fmt.Sscanf(rest, "%d:%d-%d", &line, &col, &end); err != nil {
		t.Fatalf("bad location %q in test table: %v", x.at, err)
	}
	return findingKey(x.rule, x.sev, x.svc, compose.Loc{File: file, Line: line, Column: col, EndLine: end})
}

func findingKey(rule string, sev Severity, svc string, loc compose.Loc) string {
	return fmt.Sprintf("%s:%d:%d-%d %s %s [%s]", loc.File, loc.Line, loc.Column, loc.EndLine, sev, rule, svc)
}

func keyOf(f Finding) string { return findingKey(f.Rule, f.Severity, f.Service, f.Loc) }

// ruleCase is one row of a table: a project and the findings it must give.
type ruleCase struct {
	name string
	// yaml is compose.yaml; files are further files of the project.
	yaml  string
	files map[string]string
	// names are the compose files given to Load (compose.yaml if empty).
	names    []string
	settings Settings
	// rules, when set, limits the comparison to these rules; otherwise
	// every finding must be listed in want.
	rules []string
	want  []w
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range tc.files {
				files[k] = v
			}
			if tc.yaml != "" {
				files["compose.yaml"] = tc.yaml
			}
			got := analyze(t, files, tc.settings, tc.names...)
			checkFindings(t, got, tc.want, tc.rules)
		})
	}
}

// checkFindings compares findings with the expected ones: the same rule,
// severity, service and exact location, and the listed message substrings.
// It also checks what every finding must have: the catalog title and the
// fingerprint of its identity.
func checkFindings(t *testing.T, got []Finding, want []w, only []string) {
	t.Helper()
	if only != nil {
		got = slices.DeleteFunc(slices.Clone(got), func(f Finding) bool { return !slices.Contains(only, f.Rule) })
	}
	var gotKeys, wantKeys []string
	for _, f := range got {
		gotKeys = append(gotKeys, keyOf(f))
		rule, ok := Lookup(f.Rule)
		if !ok {
			t.Errorf("finding with unknown rule %q", f.Rule)
		}
		if f.Title != rule.Title {
			t.Errorf("%s: Title = %q, want the catalog's %q", keyOf(f), f.Title, rule.Title)
		}
		if fp := Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source); f.Fingerprint != fp {
			t.Errorf("%s: Fingerprint = %q, want %q", keyOf(f), f.Fingerprint, fp)
		}
		if f.Message == "" {
			t.Errorf("%s: empty message", keyOf(f))
		}
	}
	for _, x := range want {
		wantKeys = append(wantKeys, x.key(t))
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("findings differ\n got:\n%s\nwant:\n  %s", dump(got), strings.Join(wantKeys, "\n  "))
		return
	}
	used := make([]bool, len(got))
	for _, x := range want {
		k := x.key(t)
		for i, f := range got {
			if used[i] || keyOf(f) != k {
				continue
			}
			used[i] = true
			for _, s := range x.msg {
				if !strings.Contains(f.Message, s) {
					t.Errorf("%s: message %q does not contain %q", k, f.Message, s)
				}
			}
			for _, s := range x.not {
				if strings.Contains(f.Message, s) {
					t.Errorf("%s: message %q contains %q", k, f.Message, s)
				}
			}
			break
		}
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s  %s\n", keyOf(f), f.Message)
		if f.Fix != nil {
			fmt.Fprintf(&b, "      fix %s %d-%d %q\n", f.Fix.File, f.Fix.StartLine, f.Fix.EndLine, f.Fix.Text)
		}
	}
	return b.String()
}

func only(fs []Finding, rule string) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.Rule != rule })
}

// --- docker-socket -------------------------------------------------------

func TestDockerSocket(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "short syntax", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
`, want: []w{
			// /var/run is a sensitive path and the mount is writable, but
			// docker-socket says it all: no sensitive-host-path, no
			// writable-bind-mount, no bind-mount.
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6",
				msg: []string{`service "a"`, "Docker API socket /var/run/docker.sock", "at /var/run/docker.sock"},
				not: []string{"read-only"}},
		}},
		{name: "short syntax read-only still fires", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6",
				msg: []string{"Docker API socket", "read-only, which does not help"}},
		}},
		{name: "long syntax read-only spans the entry", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - type: bind
        source: /var/run/docker.sock
        target: /sock
        read_only: true
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-9",
				msg: []string{"/var/run/docker.sock at /sock", "read-only, which does not help"}},
		}},
		{name: "docker.sock in any directory", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /run/user/1000/docker.sock:/var/run/docker.sock
      - ./docker.sock:/project.sock
      - /home/alice/.docker/run/docker.sock:/desktop.sock
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6", msg: []string{"/run/user/1000/docker.sock"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "7:9-7", msg: []string{"socket docker.sock at /project.sock"}},
			// Inside the .docker credential folder, but the socket
			// finding is the one that matters.
			{rule: DockerSocket, sev: Error, svc: "a", at: "8:9-8", msg: []string{"/home/alice/.docker/run/docker.sock"}},
		}},
		{name: "other runtimes", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /run/podman/podman.sock:/run/podman/podman.sock
      - /run/user/1000/podman/podman.sock:/p.sock
      - /run/containerd/containerd.sock:/run/containerd/containerd.sock
      - /var/run/crio/crio.sock:/var/run/crio/crio.sock
      - /var/run/dockershim.sock:/shim.sock
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6", msg: []string{"Podman API socket /run/podman/podman.sock"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "7:9-7", msg: []string{"Podman API socket"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "8:9-8", msg: []string{"containerd API socket /run/containerd/containerd.sock"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "9:9-9", msg: []string{"CRI-O API socket /var/run/crio/crio.sock"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "10:9-10", msg: []string{"dockershim"}},
		}},
		{name: "windows named pipe", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - //./pipe/docker_engine://./pipe/docker_engine
      - type: npipe
        source: \\.\pipe\docker_engine
        target: \\.\pipe\docker_engine
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6", msg: []string{"Docker API socket //./pipe/docker_engine"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "7:9-9", msg: []string{`Docker API socket \\.\pipe\docker_engine`}},
		}},
		{name: "disguised bind of the socket", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - sock:/var/run/docker.sock:ro
volumes:
  sock:
    driver: local
    driver_opts:
      type: none
      o: bind
      device: /var/run/docker.sock
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "10:5-13", msg: []string{`named volume "sock"`, "/var/run/docker.sock"}},
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6", msg: []string{"Docker API socket /var/run/docker.sock", "does not help"}},
		}},
		{name: "root user: the socket is no place to plant files", yaml: `services:
  a:
    image: x
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./data:/data
`, want: []w{
			// root-writable-bind skips the socket and reports the first
			// real writable bind.
			{rule: DockerSocket, sev: Error, svc: "a", at: "5:9-5"},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"./data at /data writable"}},
		}},
		{name: "not a socket", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./docker.socket:/a:ro
      - /srv/notdocker.sock:/b:ro
      - /srv/docker:/c:ro
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-6"},
			{rule: BindMount, sev: Notice, svc: "a", at: "7:9-7"},
			{rule: BindMount, sev: Notice, svc: "a", at: "8:9-8"},
		}},
	})
}

// --- sensitive-host-path ---------------------------------------------------

// TestSensitiveHostPaths mounts one host path per row, at
//
//	services:
//	  a:
//	    image: x
//	    user: "1000"
//	    volumes:
//	      - <source>:/mnt<mode>       (line 6, column 9)
func TestSensitiveHostPaths(t *testing.T) {
	const tmpl = "services:\n  a:\n    image: x\n    user: \"1000\"\n    volumes:\n      - %s:/mnt%s\n"
	type row struct {
		source string
		ro     bool
		// want are the rules found, in order of Compare (severity first).
		want []string
		sev  Severity // of the first rule
		msg  []string
	}
	rows := []row{
		// Each system path, as is.
		{source: "/", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/ is the host's entire file system"}},
		{source: "/etc", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc is the host's system configuration"}},
		{source: "/boot", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/boot is the host's kernel"}},
		{source: "/dev", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/dev is the host's devices"}},
		{source: "/proc", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/proc is"}},
		{source: "/sys", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/sys is"}},
		{source: "/usr", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/usr is"}},
		{source: "/lib", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/lib is"}},
		{source: "/lib64", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/lib64 is"}},
		{source: "/bin", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/bin is"}},
		{source: "/sbin", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/sbin is"}},
		{source: "/run", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/run is"}},
		{source: "/var/run", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/var/run is"}},
		{source: "/var/lib/docker", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/var/lib/docker is Docker's own storage"}},
		{source: "/var/lib/kubelet", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/var/lib/kubelet is"}},
		{source: "/lib/modules", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/lib/modules is the host's kernel modules"}},
		// Inside and containing.
		{source: "/etc/passwd", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc/passwd lies inside /etc"}},
		{source: "/lib/modules/6.1.0", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside /lib/modules"}},
		{source: "/var/lib/docker/volumes/x/_data", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside /var/lib/docker"}},
		{source: "/var", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/var contains /var/run"}},
		{source: "/var/lib", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/var/lib contains /var/lib/docker"}},
		// Spellings of /etc.
		{source: "//etc", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc is the host's system configuration"}},
		{source: "/etc/", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc is the host's system configuration"}},
		{source: "/etc/../etc", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc is the host's system configuration"}},
		{source: "/usr/../etc/shadow", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc/shadow lies inside /etc"}},
		// Whole segments only.
		{source: "/etcd-data", want: []string{WritableBindMount}, sev: Warning, msg: []string{"/etcd-data at /mnt writable"}},
		{source: "/var/log", want: []string{WritableBindMount}, sev: Warning},
		{source: "/usrdata", want: []string{WritableBindMount}, sev: Warning},
		{source: "/srv/etc", want: []string{WritableBindMount}, sev: Warning},
		// Homes and credential folders.
		{source: "/home", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/home is every user's home directory"}},
		{source: "/home/alice", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/home/alice is a home directory"}},
		{source: "/home/alice/.ssh", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/home/alice/.ssh is a credential folder"}},
		{source: "/home/alice/.ssh/id_ed25519", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside /home/alice/.ssh"}},
		{source: "/home/alice/.config/gcloud", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"credential folder"}},
		{source: "/Users/alice/.kube/config", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside /Users/alice/.kube"}},
		{source: "/root", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/root is a home directory"}},
		{source: "/root/.aws/credentials", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/root/.aws/credentials lies inside /root/.aws"}},
		{source: "~", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"~ is a home directory"}},
		{source: "~/.kube", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"~/.kube is a credential folder"}},
		{source: "~/.docker/config.json", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside ~/.docker"}},
		{source: "~alice/.gnupg", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"~alice/.gnupg is a credential folder"}},
		// ~/../../etc is /etc whatever the home directory is (/home/<user>
		// or /root).
		{source: "~/../../etc", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc"}},
		// Project folders in a home are not sensitive.
		{source: "/home/alice/projects/app", want: []string{WritableBindMount}, sev: Warning},
		{source: "/home/alice/projects/.ssh", want: []string{WritableBindMount}, sev: Warning},
		{source: "~/minecraft_data", want: []string{OutsideProject, WritableBindMount}, sev: Warning, msg: []string{"~/minecraft_data at /mnt, which is in a home directory"}},
		// Read-only: a warning, not an error.
		{source: "/etc", ro: true, want: []string{SensitiveHostPath}, sev: Warning, msg: []string{"/etc read-only at /mnt", "even read-only"}},
		{source: "/home/alice/.ssh", ro: true, want: []string{SensitiveHostPath}, sev: Warning, msg: []string{"read-only"}},
		{source: "~", ro: true, want: []string{SensitiveHostPath}, sev: Warning, msg: []string{"read-only"}},
		{source: "/var/log", ro: true, want: []string{BindMount}, sev: Notice, msg: []string{"/var/log at /mnt (read-only)"}},
		// Benign read-only mounts give no finding at all.
		{source: "/etc/localtime", ro: true},
		{source: "/etc/timezone", ro: true},
		{source: "/usr/share/zoneinfo", ro: true},
		{source: "/usr/share/zoneinfo/Europe/Paris", ro: true},
		{source: "/etc/ssl/certs", ro: true},
		{source: "/etc/ssl/certs/ca-certificates.crt", ro: true},
		// ...unless they are writable, or only look benign.
		{source: "/etc/localtime", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"/etc/localtime writable", "lies inside /etc"}},
		{source: "/usr/share/zoneinfo", want: []string{SensitiveHostPath}, sev: Error, msg: []string{"lies inside /usr"}},
		{source: "/etc/ssl/certs/../private", ro: true, want: []string{SensitiveHostPath}, sev: Warning, msg: []string{"/etc/ssl/private"}},
		{source: "/etc/ssl", ro: true, want: []string{SensitiveHostPath}, sev: Warning, msg: []string{"/etc/ssl read-only"}},
	}
	for _, r := range rows {
		mode := ""
		if r.ro {
			mode = ":ro"
		}
		t.Run(r.source+mode, func(t *testing.T) {
			got := analyze(t, map[string]string{"compose.yaml": fmt.Sprintf(tmpl, r.source, mode)}, Settings{})
			var rules []string
			for _, f := range got {
				rules = append(rules, f.Rule)
				if f.Loc != (compose.Loc{File: "compose.yaml", Line: 6, Column: 9, EndLine: 6}) || f.Service != "a" {
					t.Errorf("%s: at %+v of %q, want compose.yaml:6:9-6 of \"a\"", f.Rule, f.Loc, f.Service)
				}
			}
			if !slices.Equal(rules, r.want) {
				t.Fatalf("rules = %q, want %q\n%s", rules, r.want, dump(got))
			}
			if len(got) == 0 {
				return
			}
			f := got[0]
			if f.Severity != r.sev {
				t.Errorf("%s severity = %s, want %s", f.Rule, f.Severity, r.sev)
			}
			for _, s := range append([]string{`service "a"`}, r.msg...) {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not contain %q", f.Message, s)
				}
			}
			if f.Rule == SensitiveHostPath {
				if !strings.Contains(f.Message, access(&compose.Mount{ReadOnly: r.ro})) {
					t.Errorf("message %q does not say %q", f.Message, access(&compose.Mount{ReadOnly: r.ro}))
				}
				// A writable sensitive mount gets the :ro fix, a
				// read-only one has nothing to fix.
				if r.ro != (f.Fix == nil) {
					t.Errorf("fix = %+v for read-only %v", f.Fix, r.ro)
				}
			}
		})
	}
}

func TestSensitiveHostPathLongSyntax(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "writable long syntax is an error", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - type: bind
        source: /etc
        target: /host-etc
`, want: []w{
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-8", msg: []string{"/etc writable at /host-etc"}},
		}},
		{name: "read-only long syntax is a warning", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - type: bind
        source: /root/.ssh
        target: /keys
        read_only: true
`, want: []w{
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "6:9-9", msg: []string{"/root/.ssh read-only at /keys", "/root/.ssh is a credential folder"}},
		}},
		{name: "benign read-only long syntax", yaml: `services:
  a:
    image: x
    volumes:
      - type: bind
        source: /etc/localtime
        target: /etc/localtime
        read_only: true
`},
	})
}

// --- writable-bind-mount and bind-mount ------------------------------------

func TestWritableBindMount(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "project folder writable", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data
      - ./rw:/rw:rw
      - type: bind
        source: ./long
        target: /long
`, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6", msg: []string{`service "a"`, "./data at /data writable"}},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"./rw at /rw writable"}},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "8:9-10", msg: []string{"./long at /long writable"}},
		}},
		{name: "read-only or not a bind", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data:ro
      - named:/named
      - /anonymous
      - type: tmpfs
        target: /scratch
volumes:
  named:
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-6"},
		}},
	})
}

func TestBindMount(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "read-only project bind asks for a justification", yaml: `services:
  a:
    image: x
    volumes:
      - ./config:/etc/app:ro
      - type: bind
        source: /srv/static
        target: /static
        read_only: true
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "5:9-5",
				msg: []string{`service "a"`, "./config at /etc/app (read-only)", "say why", "# mountguard: allow bind-mount -- "}},
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-9", msg: []string{"/srv/static at /static (read-only)"}},
		}},
		{name: "not when another rule flags the mount", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data
      - /etc:/host-etc:ro
      - ../../outside:/outside:ro
      - ./z:/z:ro,z
      - ./p:/p:ro,rshared
`, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "7:9-7"},
			{rule: OutsideProject, sev: Warning, svc: "a", at: "8:9-8"},
			{rule: SELinuxRelabel, sev: Notice, svc: "a", at: "9:9-9"},
			{rule: MountPropagation, sev: Error, svc: "a", at: "10:9-10"},
		}},
		{name: "not for benign read-only mounts", yaml: `services:
  a:
    image: x
    volumes:
      - /etc/localtime:/etc/localtime:ro
      - /etc/timezone:/etc/timezone:ro
      - /usr/share/zoneinfo:/usr/share/zoneinfo:ro
      - /etc/ssl/certs:/etc/ssl/certs:ro
`},
		{name: "not for disguised binds, which have their own rule", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - data:/data:ro
volumes:
  data:
    driver_opts: {type: none, o: bind, device: ./data}
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "9:5-9"},
		}},
		{name: "a switched-off rule does not count as flagging", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data
`, settings: Settings{Severity: map[string]Severity{WritableBindMount: Off}}, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-6", msg: []string{"./data at /data (writable)"}},
		}},
	})
}

// --- root-writable-bind ----------------------------------------------------

func TestRootWritableBind(t *testing.T) {
	const mounts = `    volumes:
      - ./ro:/ro:ro
      - ./first:/first
      - ./second:/second
`
	root := func(user string) string {
		return "services:\n  a:\n    image: x\n    user: " + user + "\n" + mounts
	}
	rules := []string{RootWritableBind}
	runCases(t, []ruleCase{
		{name: "no user", rules: rules, yaml: "services:\n  a:\n    image: x\n    # no user\n" + mounts, want: []w{
			// Once per service, at the first writable bind (line 7);
			// the read-only one before it does not count.
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "7:9-7",
				msg: []string{`service "a" runs as root`, "no user: is set", "./first at /first writable"}},
		}},
		{name: "user root", rules: rules, yaml: root("root"), want: []w{
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"(user: root)"}},
		}},
		{name: "user 0", rules: rules, yaml: root(`"0"`), want: []w{
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"(user: 0)"}},
		}},
		{name: "user 0:0", rules: rules, yaml: root(`"0:0"`), want: []w{
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"(user: 0:0)"}},
		}},
		{name: "user root:root", rules: rules, yaml: root("root:root"), want: []w{
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "7:9-7"},
		}},
		{name: "user 1000", rules: rules, yaml: root(`"1000"`)},
		{name: "user 1000:1000", rules: rules, yaml: root(`"1000:1000"`)},
		{name: "user app", rules: rules, yaml: root("app")},
		{name: "read-only binds and volumes do not count", yaml: `services:
  a:
    image: x
    volumes:
      - ./ro:/ro:ro
      - data:/data
      - /anon
volumes:
  data:
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "5:9-5"},
		}},
		{name: "reported beside sensitive-host-path", yaml: `services:
  a:
    image: x
    volumes:
      - /etc:/etc
`, want: []w{
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "5:9-5"},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:9-5"},
		}},
		{name: "one per service", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - ./a:/a
  b:
    image: x
    user: root
    volumes:
      - type: bind
        source: ./b
        target: /b
`, want: []w{
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:9-5"},
			{rule: RootWritableBind, sev: Warning, svc: "b", at: "10:9-12", msg: []string{`service "b" runs as root (user: root)`}},
		}},
	})
}

// The finding is about the service, not the mount that happens to come
// first: adding a writable mount before it keeps the fingerprint.
func TestRootWritableBindFingerprintIsTheService(t *testing.T) {
	one := analyze(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: x\n    volumes:\n      - ./one:/one\n"}, Settings{})
	two := analyze(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: x\n    volumes:\n      - ./zero:/zero\n      - ./one:/one\n"}, Settings{})
	a, b := only(one, RootWritableBind), only(two, RootWritableBind)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("want one root-writable-bind each, got\n%s\n%s", dump(a), dump(b))
	}
	if a[0].Fingerprint != b[0].Fingerprint {
		t.Errorf("fingerprint changed with the first mount: %s vs %s", a[0].Fingerprint, b[0].Fingerprint)
	}
	if a[0].Target != "" || a[0].Source != "" {
		t.Errorf("Target, Source = %q, %q; want empty", a[0].Target, a[0].Source)
	}
}

// --- disguised-bind ----------------------------------------------------------

func TestDisguisedBind(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "local driver with o: bind and a device", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - data:/data
volumes:
  data:
    driver: local
    driver_opts:
      type: none
      o: bind
      device: ./data
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "10:5-13",
				msg: []string{`named volume "data" is a bind mount of host path ./data in disguise`, "driver_opts o: bind with device: ./data"}},
			// The device is reviewed like a bind mount at the service's
			// entry.
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6",
				msg: []string{`named volume "data" (a bind mount of ./data) at /data writable`}},
		}},
		{name: "no driver, rbind among options, sensitive device", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - etc:/etc-data:ro
volumes:
  etc:
    driver_opts:
      o: "rbind,ro"
      device: /etc
      type: none
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "9:5-12", msg: []string{"host path /etc"}},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "6:9-6",
				msg: []string{`named volume "etc" (a bind mount of /etc) read-only at /etc-data`}},
		}},
		{name: "writable sensitive device with selinux and a root user", yaml: `services:
  a:
    image: x
    volumes:
      - home:/home:z
volumes:
  home:
    driver_opts: {o: bind, device: /home, type: none}
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "8:5-8"},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "5:9-5"},
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "5:9-5", msg: []string{"relabels host path /home"}},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:9-5"},
		}},
		{name: "local-persist mountpoint", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - type: volume
        source: persist
        target: /data
volumes:
  persist:
    driver: local-persist
    driver_opts:
      mountpoint: /home/alice
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "12:5-13", msg: []string{"host path /home/alice", "driver local-persist with mountpoint: /home/alice"}},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-8", msg: []string{"/home/alice is a home directory"}},
		}},
		{name: "unused disguised volume", yaml: `services:
  a:
    image: x
volumes:
  data:
    driver_opts:
      type: none
      o: bind
      device: /srv/data
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "6:5-9"},
		}},
		{name: "real named volumes", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - nfs:/nfs
      - tmp:/scratch
      - plain:/plain
      - nodevice:/nodevice
volumes:
  nfs:
    driver_opts:
      type: nfs
      o: addr=10.0.0.1,rw
      device: ":/export"
  tmp:
    driver: local
    driver_opts:
      type: tmpfs
      device: tmpfs
  plain:
  nodevice:
    driver_opts:
      o: bind
`},
	})
}

// --- mount-propagation ---------------------------------------------------------

func TestMountPropagation(t *testing.T) {
	rules := []string{MountPropagation}
	runCases(t, []ruleCase{
		{name: "shared and rshared, short and long", rules: rules, yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /mnt/a:/a:shared
      - /mnt/b:/b:ro,rshared
      - type: bind
        source: /mnt/c
        target: /c
        bind:
          propagation: rshared
      - type: bind
        source: /mnt/d
        target: /d
        bind:
          propagation: shared
`, want: []w{
			{rule: MountPropagation, sev: Error, svc: "a", at: "6:9-6", msg: []string{`service "a"`, "/mnt/a at /a with shared propagation"}},
			{rule: MountPropagation, sev: Error, svc: "a", at: "7:9-7", msg: []string{"/mnt/b at /b with rshared propagation"}},
			{rule: MountPropagation, sev: Error, svc: "a", at: "8:9-12", msg: []string{"rshared"}},
			{rule: MountPropagation, sev: Error, svc: "a", at: "13:9-17", msg: []string{"/mnt/d at /d with shared"}},
		}},
		{name: "other propagation modes", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - /mnt/a:/a:rslave
      - /mnt/b:/b:slave
      - /mnt/c:/c:private
      - /mnt/d:/d:rprivate
      - type: bind
        source: /mnt/e
        target: /e
        bind:
          propagation: rslave
`},
		{name: "reported beside sensitive-host-path", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /:/host:ro,rshared
`, want: []w{
			{rule: MountPropagation, sev: Error, svc: "a", at: "6:9-6"},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"/ read-only at /host"}},
		}},
	})
}

// --- selinux-relabel -------------------------------------------------------------

func TestSELinuxRelabel(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "project folder is a notice", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data:z
      - ./private:/private:Z,ro
      - type: bind
        source: ./long
        target: /long
        read_only: true
        bind:
          selinux: z
`, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: SELinuxRelabel, sev: Notice, svc: "a", at: "6:9-6", msg: []string{`service "a" relabels ./data with a shared (:z) SELinux label`}},
			{rule: SELinuxRelabel, sev: Notice, svc: "a", at: "7:9-7", msg: []string{"./private with a private (:Z) SELinux label"}},
			{rule: SELinuxRelabel, sev: Notice, svc: "a", at: "8:9-13", msg: []string{"./long with a shared (:z)"}},
		}},
		{name: "sensitive path is an error, beside sensitive-host-path", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /home:/home:z
      - /usr:/usr:ro,Z
      - type: bind
        source: /home/alice/.ssh
        target: /ssh
        read_only: true
        bind:
          selinux: Z
`, want: []w{
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "6:9-6", msg: []string{"relabels host path /home with a shared (:z) SELinux label", "breaks the host"}},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-6"},
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "7:9-7", msg: []string{"host path /usr with a private (:Z)"}},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "7:9-7"},
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "8:9-13", msg: []string{"/home/alice/.ssh"}},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "8:9-13"},
		}},
		{name: "benign read-only mount with a relabel", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /etc/localtime:/etc/localtime:ro,z
`, want: []w{
			// Relabelling /etc/localtime changes a host system file,
			// read-only or not.
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "6:9-6", msg: []string{"/etc/localtime"}},
		}},
	})
}

// --- outside-project ---------------------------------------------------------------

func TestOutsideProject(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "bind sources", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ../../x:/x
      - ~/x:/home-x:ro
      - ../sibling:/sibling:ro
`, want: []w{
			{rule: OutsideProject, sev: Warning, svc: "a", at: "6:9-6", msg: []string{`service "a" mounts ../../x at /x`, "resolves to ../../x, outside the project"}},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: OutsideProject, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"~/x at /home-x", "is in a home directory"}},
			{rule: OutsideProject, sev: Warning, svc: "a", at: "8:9-8", msg: []string{"resolves to ../sibling"}},
		}},
		{name: "inside the project after cleaning", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./a/../b:/b:ro
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-6"},
		}},
		{name: "a sensitive home path is reported once", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ~/.ssh:/ssh:ro
`, want: []w{
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "6:9-6"},
		}},
		{name: "include", yaml: `include:
  - /etc/passwd
  - ../../x/compose.yaml
  - ~/x/compose.yaml
  - path: ../other/compose.yaml
services:
  a:
    image: x
`, want: []w{
			{rule: OutsideProject, sev: Error, at: "2:5-2", msg: []string{`include "/etc/passwd"`, "absolute path", "not read"}},
			{rule: OutsideProject, sev: Error, at: "3:5-3", msg: []string{`include "../../x/compose.yaml"`, "leaves the project"}},
			{rule: OutsideProject, sev: Error, at: "4:5-4", msg: []string{`include "~/x/compose.yaml"`, "home directory"}},
			{rule: OutsideProject, sev: Error, at: "5:11-5", msg: []string{`include "../other/compose.yaml"`}},
		}},
		{name: "extends file", yaml: `services:
  a:
    image: x
    extends:
      file: ../../x.yaml
      service: base
  b:
    image: x
    extends:
      file: /etc/passwd
      service: base
  c:
    image: x
    extends: {file: ~/x.yaml, service: base}
`, want: []w{
			{rule: OutsideProject, sev: Error, at: "5:13-5", msg: []string{`extends.file "../../x.yaml"`, "leaves the project"}},
			{rule: OutsideProject, sev: Error, at: "10:13-10", msg: []string{`extends.file "/etc/passwd"`}},
			{rule: OutsideProject, sev: Error, at: "14:21-14", msg: []string{`extends.file "~/x.yaml"`}},
		}},
		{name: "env_file", yaml: `services:
  a:
    image: x
    env_file: /proc/self/environ
  b:
    image: x
    env_file:
      - ./ok.env
      - ../../x.env
      - path: ~/x.env
        required: false
`, files: map[string]string{"ok.env": "A=1\n"}, want: []w{
			{rule: OutsideProject, sev: Error, at: "4:15-4", msg: []string{`env_file "/proc/self/environ"`, "absolute path"}},
			{rule: OutsideProject, sev: Error, at: "9:9-9", msg: []string{`env_file "../../x.env"`}},
			{rule: OutsideProject, sev: Error, at: "10:15-10", msg: []string{`env_file "~/x.env"`}},
		}},
	})
}

// --- shared-writable-volume ------------------------------------------------------

func TestSharedWritableVolume(t *testing.T) {
	rules := []string{SharedWritableVolume}
	runCases(t, []ruleCase{
		{name: "named volume in two services", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - data:/data
  b:
    image: x
    volumes:
      - data:/srv/data
  c:
    image: x
    volumes:
      - data:/data:ro
volumes:
  data:
`, want: []w{
			{rule: SharedWritableVolume, sev: Warning, svc: "a", at: "5:9-5", msg: []string{`service "a" mounts named volume "data" writable at /data, and so does service "b"`}, not: []string{`"c"`}},
			{rule: SharedWritableVolume, sev: Warning, svc: "b", at: "9:9-9", msg: []string{`service "b" mounts named volume "data" writable at /srv/data, and so does service "a"`}},
		}},
		{name: "three writers", rules: rules, yaml: `services:
  a:
    image: x
    volumes: [data:/data]
  b:
    image: x
    volumes: [data:/data]
  c:
    image: x
    volumes: [data:/data]
volumes:
  data:
`, want: []w{
			{rule: SharedWritableVolume, sev: Warning, svc: "a", at: "4:15-4", msg: []string{`so does services "b" and "c"`}},
			{rule: SharedWritableVolume, sev: Warning, svc: "b", at: "7:15-7", msg: []string{`services "a" and "c"`}},
			{rule: SharedWritableVolume, sev: Warning, svc: "c", at: "10:15-10", msg: []string{`services "a" and "b"`}},
		}},
		{name: "one writer and read-only consumers", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - data:/data
  b:
    image: x
    volumes:
      - data:/data:ro
      - type: volume
        source: data
        target: /again
        read_only: true
volumes:
  data:
`},
		{name: "one service mounting a volume twice", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - data:/one
      - data:/two
volumes:
  data:
`},
		{name: "same host path in two services", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./shared:/shared
  b:
    image: x
    user: "1000"
    volumes:
      - ./shared/:/srv
`, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: SharedWritableVolume, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"./shared writable at /shared", `service "b"`}},
			{rule: WritableBindMount, sev: Warning, svc: "b", at: "11:9-11"},
			{rule: SharedWritableVolume, sev: Warning, svc: "b", at: "11:9-11", msg: []string{`service "a"`}},
		}},
		{name: "a bind mount and a disguised bind of the same host path", rules: rules, yaml: `services:
  a:
    image: x
    volumes:
      - ./data:/data
  b:
    image: x
    volumes:
      - vol:/data
  c:
    image: x
    volumes:
      - vol2:/data
volumes:
  vol:
    driver_opts: {type: none, o: bind, device: ./data}
  vol2:
    driver_opts: {type: none, o: bind, device: ./data/}
`, want: []w{
			// The three services write to the same host folder, whatever
			// the volume names say.
			{rule: SharedWritableVolume, sev: Warning, svc: "a", at: "5:9-5", msg: []string{`services "b" and "c"`}},
			{rule: SharedWritableVolume, sev: Warning, svc: "b", at: "9:9-9", msg: []string{`named volume "vol" (a bind mount of ./data)`}},
			{rule: SharedWritableVolume, sev: Warning, svc: "c", at: "13:9-13"},
		}},
		{name: "a runtime socket is not shared data", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
  b:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
`, want: []w{
			// docker-socket says everything about these entries: an API
			// socket is not data that concurrent writers corrupt, just as
			// it is not a tmpfs candidate.
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6"},
			{rule: DockerSocket, sev: Error, svc: "b", at: "11:9-11"},
		}},
		{name: "anonymous volumes are not shared", rules: rules, yaml: `services:
  a:
    image: x
    volumes: [/data]
  b:
    image: x
    volumes: [/data]
`},
	})
}

// --- tmpfs-candidate -------------------------------------------------------------

func TestTmpfsCandidate(t *testing.T) {
	rules := []string{TmpfsCandidate}
	runCases(t, []ruleCase{
		{name: "scratch targets", rules: rules, yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /tmp
      - cache:/var/tmp
      - ./run:/run
      - cache:/var/cache/apt
      - type: volume
        source: cache
        target: /app/.cache
      - /srv/cache
volumes:
  cache:
`, want: []w{
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "6:9-6", msg: []string{`service "a" keeps scratch space /tmp on an anonymous volume`, "tmpfs: /tmp"}},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "7:9-7", msg: []string{`/var/tmp on named volume "cache"`}},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "8:9-8", msg: []string{"/run on ./run"}},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "9:9-9", msg: []string{"/var/cache/apt"}},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "10:9-12", msg: []string{"/app/.cache"}},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "13:9-13", msg: []string{"/srv/cache"}},
		}},
		{name: "not when read-only, tmpfs, a socket or elsewhere", rules: rules, yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - cache:/tmp:ro
      - type: tmpfs
        target: /var/tmp
      - /var/run/docker.sock:/var/run/docker.sock
      - /run/user/1000/docker.sock:/var/cache/docker.sock
      - cache:/tmp/app
      - cache:/var/lib/app
volumes:
  cache:
`},
		{name: "bind mount at /tmp also gets the bind rules", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./tmp:/tmp
`, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "6:9-6"},
		}},
	})
}

// --- volumes-from ----------------------------------------------------------------

func TestVolumesFrom(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "without :ro", yaml: `services:
  db:
    image: x
  a:
    image: x
    volumes_from:
      - db
      - db:rw
      - container:builder
`, want: []w{
			{rule: VolumesFrom, sev: Warning, svc: "a", at: "7:9-7", msg: []string{`service "a" uses volumes_from: db without :ro`}},
			{rule: VolumesFrom, sev: Warning, svc: "a", at: "8:9-8", msg: []string{"volumes_from: db:rw without :ro", "every volume of db,"}},
			{rule: VolumesFrom, sev: Warning, svc: "a", at: "9:9-9", msg: []string{"container:builder"}},
		}},
		{name: "with :ro", yaml: `services:
  db:
    image: x
  a:
    image: x
    volumes_from: [db:ro, "container:builder:ro"]
`},
	})
}

// --- service settings --------------------------------------------------------------

func TestPrivileged(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "privileged true", yaml: `services:
  a:
    image: x
    privileged: true
`, want: []w{
			{rule: Privileged, sev: Error, svc: "a", at: "4:5-4", msg: []string{`service "a" runs privileged`}},
		}},
		{name: "privileged in flow style", yaml: `services:
  a: {image: x, privileged: true}
`, want: []w{
			{rule: Privileged, sev: Error, svc: "a", at: "2:17-2"},
		}},
		{name: "privileged false", yaml: `services:
  a:
    image: x
    privileged: false
`},
	})
}

func TestDangerousCapability(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "capabilities", yaml: `services:
  a:
    image: x
    cap_add:
      - ALL
      - NET_ADMIN
  b:
    image: x
    cap_add: [CAP_SYS_ADMIN, sys_admin2]
  c:
    image: x
    cap_add:
      - sys_admin
      - SYS_MODULE
      - DAC_READ_SEARCH
      - SYS_PTRACE
      - cap_sys_rawio
`, want: []w{
			{rule: DangerousCapability, sev: Error, svc: "a", at: "5:9-5", msg: []string{`service "a" adds capability ALL`, "privileged: true"}},
			{rule: DangerousCapability, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"adds capability NET_ADMIN beyond Docker's default set"}},
			{rule: DangerousCapability, sev: Error, svc: "b", at: "9:15-9", msg: []string{"adds capability SYS_ADMIN,"}},
			{rule: DangerousCapability, sev: Warning, svc: "b", at: "9:30-9", msg: []string{"SYS_ADMIN2"}},
			{rule: DangerousCapability, sev: Error, svc: "c", at: "13:9-13", msg: []string{"adds capability SYS_ADMIN,"}},
			{rule: DangerousCapability, sev: Error, svc: "c", at: "14:9-14", msg: []string{"SYS_MODULE", "kernel"}},
			{rule: DangerousCapability, sev: Error, svc: "c", at: "15:9-15", msg: []string{"DAC_READ_SEARCH", "shocker"}},
			{rule: DangerousCapability, sev: Error, svc: "c", at: "16:9-16", msg: []string{"SYS_PTRACE"}},
			{rule: DangerousCapability, sev: Error, svc: "c", at: "17:9-17", msg: []string{"SYS_RAWIO"}},
		}},
		{name: "cap_drop is fine", yaml: `services:
  a:
    image: x
    cap_drop: [ALL]
`},
	})
}

// Each capability is identified by its normalized name, whatever its
// spelling, so the fingerprint does not change when CAP_ is added.
func TestDangerousCapabilityIdentity(t *testing.T) {
	a := only(analyze(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: x\n    cap_add: [SYS_ADMIN]\n"}, Settings{}), DangerousCapability)
	b := only(analyze(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: x\n    cap_add: [cap_sys_admin]\n"}, Settings{}), DangerousCapability)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("want one finding each:\n%s\n%s", dump(a), dump(b))
	}
	if a[0].Source != "SYS_ADMIN" || a[0].Target != "cap_add" || a[0].Fingerprint != b[0].Fingerprint {
		t.Errorf("identity %q/%q %s vs %q/%q %s", a[0].Target, a[0].Source, a[0].Fingerprint, b[0].Target, b[0].Source, b[0].Fingerprint)
	}
}

func TestConfinementDisabled(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "options that disable confinement", yaml: `services:
  a:
    image: x
    security_opt:
      - seccomp:unconfined
      - apparmor=unconfined
      - label:disable
      - systempaths=unconfined
      - label=type:spc_t
      - "label:type:unconfined_t"
  b:
    image: x
    security_opt: [seccomp=unconfined, label=disable, "APPARMOR:UNCONFINED"]
`, want: []w{
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "5:9-5", msg: []string{`service "a" sets security_opt seccomp:unconfined`, "seccomp"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "6:9-6", msg: []string{"apparmor=unconfined", "AppArmor"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "7:9-7", msg: []string{"label:disable", "SELinux"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "8:9-8", msg: []string{"systempaths=unconfined", "/proc and /sys"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "9:9-9", msg: []string{"spc_t"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "10:9-10", msg: []string{"unconfined_t"}},
			{rule: ConfinementDisabled, sev: Error, svc: "b", at: "13:20-13", msg: []string{`service "b" sets security_opt seccomp=unconfined`}},
			{rule: ConfinementDisabled, sev: Error, svc: "b", at: "13:40-13", msg: []string{"label=disable"}},
			{rule: ConfinementDisabled, sev: Error, svc: "b", at: "13:55-13", msg: []string{"APPARMOR:UNCONFINED"}},
		}},
		{name: "harmless options", yaml: `services:
  a:
    image: x
    security_opt:
      - no-new-privileges:true
      - no-new-privileges=true
      - seccomp=./profile.json
      - apparmor=docker-default
      - label=level:s0:c100,c200
`},
	})
}

// Two entries that say the same thing in different spellings are two
// findings (their Source differs), and each must point at its own entry.
func TestListEntriesWithTheSameMeaningKeepTheirPlace(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "security_opt", yaml: `services:
  a:
    image: x
    security_opt:
      - seccomp:unconfined
      - seccomp=unconfined
`, want: []w{
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "5:9-5", msg: []string{"seccomp:unconfined"}},
			{rule: ConfinementDisabled, sev: Error, svc: "a", at: "6:9-6", msg: []string{"seccomp=unconfined"}},
		}},
		{name: "devices", yaml: `services:
  a:
    image: x
    devices:
      - /dev/sda:/dev/sda
      - /dev/sda:/dev/xvda
`, want: []w{
			{rule: HostDevice, sev: Error, svc: "a", at: "5:9-5"},
			{rule: HostDevice, sev: Error, svc: "a", at: "6:9-6"},
		}},
	})
}

func TestHostNamespace(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "host namespaces", yaml: `services:
  a:
    image: x
    pid: host
    ipc: host
    userns_mode: host
    cgroup: host
    network_mode: host
`, want: []w{
			{rule: HostNamespace, sev: Warning, svc: "a", at: "4:5-4", msg: []string{`service "a" shares the host's process namespace`, "Remove pid: host"}},
			{rule: HostNamespace, sev: Warning, svc: "a", at: "5:5-5", msg: []string{"IPC", "ipc: host"}},
			{rule: HostNamespace, sev: Warning, svc: "a", at: "6:5-6", msg: []string{"userns_mode: host"}},
			{rule: HostNamespace, sev: Warning, svc: "a", at: "7:5-7", msg: []string{"cgroup: host"}},
			{rule: HostNamespace, sev: Warning, svc: "a", at: "8:5-8", msg: []string{"network_mode: host"}},
		}},
		{name: "other modes", yaml: `services:
  a:
    image: x
    network_mode: bridge
    ipc: shareable
    cgroup: private
  b:
    image: x
    network_mode: "service:a"
    pid: "service:a"
    ipc: "service:a"
`},
	})
}

func TestHostDevice(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "short syntax", yaml: `services:
  a:
    image: x
    devices:
      - /dev/sda:/dev/sda
      - /dev/nvme0n1:/dev/disk0:rwm
      - /dev/mem
      - /dev/ttyUSB0:/dev/ttyUSB0
      - /dev/fuse
      - /dev/sdb1
      - /dev/disk/by-id/usb-x:/dev/x
      - /dev/kmem
`, want: []w{
			{rule: HostDevice, sev: Error, svc: "a", at: "5:9-5", msg: []string{`service "a" maps block device /dev/sda`}},
			{rule: HostDevice, sev: Error, svc: "a", at: "6:9-6", msg: []string{"block device /dev/nvme0n1"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "7:9-7", msg: []string{"maps /dev/mem", "memory"}},
			{rule: HostDevice, sev: Warning, svc: "a", at: "8:9-8", msg: []string{"host device /dev/ttyUSB0"}},
			{rule: HostDevice, sev: Warning, svc: "a", at: "9:9-9", msg: []string{"host device /dev/fuse"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "10:9-10", msg: []string{"/dev/sdb1"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "11:9-11", msg: []string{"/dev/disk/by-id/usb-x"}},
			{rule: HostDevice, sev: Error, svc: "a", at: "12:9-12", msg: []string{"/dev/kmem"}},
		}},
		{name: "long syntax", yaml: `services:
  a:
    image: x
    devices:
      - source: /dev/sda
        target: /dev/xvda
        permissions: r
      - source: /dev/dri
        target: /dev/dri
`, want: []w{
			{rule: HostDevice, sev: Error, svc: "a", at: "5:9-7", msg: []string{"/dev/sda"}},
			{rule: HostDevice, sev: Warning, svc: "a", at: "8:9-9", msg: []string{"/dev/dri"}},
		}},
	})
}

// --- unresolved-variable ---------------------------------------------------------

func TestUnresolvedVariable(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "no value and no default", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ${NOPE}/x:/x
`, want: []w{
			// The mount is still reviewed, as /x.
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"${NOPE}/x (with ${NOPE} unset: /x)", "at /x writable"}},
			{rule: UnresolvedVariable, sev: Notice, svc: "a", at: "6:9-6", msg: []string{`service "a"`, "${NOPE}", `reviewed as "/x" at /x`}},
		}},
		{name: "the empty value can make it sensitive", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - type: bind
        source: ${CONF_DIR}/etc
        target: /conf
`, want: []w{
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-8", msg: []string{"(with ${CONF_DIR} unset: /etc)", "writable at /conf", "/etc is the host's system configuration"}},
			{rule: UnresolvedVariable, sev: Notice, svc: "a", at: "6:9-8", msg: []string{"${CONF_DIR}"}},
		}},
		{name: "required variable without a value", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ${NOPE:?set it}/x:/x:ro
      - ${EMPTY-}/y:/y:ro
`, want: []w{
			// ${EMPTY-} has a default (the empty string): nothing to say
			// but the bind-mount notice.
			{rule: UnresolvedVariable, sev: Notice, svc: "a", at: "6:9-6", msg: []string{"${NOPE}", `reviewed as "/x"`}},
			{rule: BindMount, sev: Notice, svc: "a", at: "7:9-7", msg: []string{"/y at /y"}},
		}},
		{name: "default value", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ${X:-./d}:/d:ro
`, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "6:9-6", msg: []string{"./d at /d"}},
		}},
		{name: "value from the project .env", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ${HOST_DIR}:/data
      - ${DATA:-./d}:/d:ro
`, files: map[string]string{".env": "HOST_DIR=/etc\nDATA=/var/lib/docker\n"}, want: []w{
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-6", msg: []string{"/etc writable at /data"}},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"/var/lib/docker read-only at /d"}},
		}},
		{name: "value from an included project's .env", yaml: `include:
  - sub/compose.yaml
services:
  a:
    image: x
`, files: map[string]string{
			"sub/compose.yaml": "services:\n  inc:\n    image: x\n    user: \"1000\"\n    volumes:\n      - ${INC_DIR}:/v:ro\n",
			"sub/.env":         "INC_DIR=/etc/shadow\n",
		}, want: []w{
			{rule: SensitiveHostPath, sev: Warning, svc: "inc", at: "sub/compose.yaml:6:9-6", msg: []string{"/etc/shadow read-only at /v"}},
		}},
		{name: "disguised bind device", yaml: `services:
  a:
    image: x
volumes:
  data:
    driver_opts:
      type: none
      o: bind
      device: ${DATA_ROOT}/data
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "6:5-9", msg: []string{"host path /data"}},
			{rule: UnresolvedVariable, sev: Notice, at: "6:5-9", msg: []string{`named volume "data"`, "${DATA_ROOT}", `reviewed as "/data"`}},
		}},
		{name: "referenced file", yaml: `include:
  - ${INC}/compose.yaml
services:
  a:
    image: x
    env_file: ${ENV_DIR}/app.env
`, want: []w{
			{rule: UnresolvedVariable, sev: Notice, at: "2:5-2", msg: []string{"${INC}", "not read"}},
			{rule: UnresolvedVariable, sev: Notice, at: "6:15-6", msg: []string{"${ENV_DIR}"}},
		}},
	})
}

// --- no-read-only-rootfs -----------------------------------------------------------

func TestNoReadOnlyRootfs(t *testing.T) {
	on := Settings{Severity: map[string]Severity{NoReadOnlyRootfs: Notice}}
	runCases(t, []ruleCase{
		{name: "off by default", yaml: `services:
  a:
    image: x
`},
		{name: "enabled", settings: on, yaml: `services:
  a:
    image: x
  b:
    image: x
    read_only: false
  c:
    image: x
    read_only: true
`, want: []w{
			{rule: NoReadOnlyRootfs, sev: Notice, svc: "a", at: "2:3-2", msg: []string{`service "a" has a writable root file system`, "read_only: true"}},
			{rule: NoReadOnlyRootfs, sev: Notice, svc: "b", at: "4:3-4"},
		}},
		{name: "enabled as a warning", settings: Settings{Severity: map[string]Severity{NoReadOnlyRootfs: Warning}}, yaml: `services:
  a:
    image: x
`, want: []w{
			{rule: NoReadOnlyRootfs, sev: Warning, svc: "a", at: "2:3-2"},
		}},
	})
}

// --- parse-error -------------------------------------------------------------------

func TestParseError(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "bad indentation", yaml: `services:
  a:
    image: x
   b: 1
`, want: []w{
			{rule: ParseError, sev: Error, at: "4:4-4", msg: []string{"not valid YAML"}},
		}},
		{name: "block sequence broken", yaml: `services:
  a:
    image: x
    volumes:
      - ./d:/d
      bad: [
`, want: []w{
			{rule: ParseError, sev: Error, at: "6:7-6", msg: []string{"not valid YAML"}},
		}},
		{name: "tab", yaml: "services:\n  a:\n    image: x\n\tuser: root\n", want: []w{
			{rule: ParseError, sev: Error, at: "4:1-4", msg: []string{"not valid YAML", "tab"}},
		}},
		{name: "duplicate key", yaml: `services:
  a:
    image: x
    privileged: false
    privileged: true
`, want: []w{
			{rule: ParseError, sev: Error, at: "5:5-5", msg: []string{`"privileged" is defined twice (first at line 4)`}},
		}},
		{name: "not a compose file", yaml: `apiVersion: v1
kind: Pod
metadata:
  name: x
`, want: []w{
			{rule: ParseError, sev: Error, at: "1:1-1", msg: []string{"not a valid compose file", "apiVersion"}},
		}},
		{name: "wrong type", yaml: `services:
  a:
    image: x
    volumes: 12
`, want: []w{
			{rule: ParseError, sev: Error, at: "4:5-4", msg: []string{"not a valid compose file", "services.a.volumes"}},
		}},
		{name: "in an included file", yaml: `include:
  - sub/compose.yaml
services:
  a:
    image: x
    privileged: true
`, files: map[string]string{"sub/compose.yaml": "services:\n  b:\n    image: x\n   c: 1\n"}, want: []w{
			// The project cannot be loaded: only the parse error.
			{rule: ParseError, sev: Error, at: "sub/compose.yaml:4:4-4", msg: []string{"not valid YAML"}},
		}},
	})
}

// --- one problem, one finding -------------------------------------------------------

func TestSuppression(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "docker-socket suppresses the path rules", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:z
      - type: bind
        source: /run/docker.sock
        target: /run/docker.sock
        bind:
          propagation: rshared
`, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6"},
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "6:9-6"},
			{rule: DockerSocket, sev: Error, svc: "a", at: "7:9-11"},
			{rule: MountPropagation, sev: Error, svc: "a", at: "7:9-11"},
		}},
		{name: "sensitive-host-path suppresses writable-bind-mount", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /etc:/host/etc
      - /home/alice/.aws:/aws:rshared
`, want: []w{
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "6:9-6"},
			{rule: MountPropagation, sev: Error, svc: "a", at: "7:9-7"},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "7:9-7"},
		}},
		{name: "everything beside, nothing twice", yaml: `services:
  a:
    image: x
    volumes:
      - root:/host:rshared,Z
volumes:
  root:
    driver_opts: {type: none, o: bind, device: /}
`, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "8:5-8"},
			{rule: MountPropagation, sev: Error, svc: "a", at: "5:9-5"},
			{rule: SELinuxRelabel, sev: Error, svc: "a", at: "5:9-5"},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "5:9-5"},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:9-5"},
		}},
	})
}

// --- positions across files ------------------------------------------------------------

func TestPositionsAcrossFiles(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "override file", names: []string{"compose.yaml", "compose.override.yaml"}, yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./base:/data
      - ./kept:/kept
`, files: map[string]string{"compose.override.yaml": `services:
  a:
    privileged: true
    cap_add: [SYS_ADMIN]
    volumes:
      - /srv/over:/data
`}, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "7:9-7", msg: []string{"./kept"}},
			{rule: Privileged, sev: Error, svc: "a", at: "compose.override.yaml:3:5-3"},
			{rule: DangerousCapability, sev: Error, svc: "a", at: "compose.override.yaml:4:15-4"},
			// The override's entry wins for /data.
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "compose.override.yaml:6:9-6", msg: []string{"/srv/over at /data"}},
		}},
		{name: "extended file", yaml: `services:
  a:
    extends:
      file: common/base.yaml
      service: base
    user: "1000"
    volumes:
      - ./own:/own:ro
`, files: map[string]string{"common/base.yaml": `services:
  base:
    image: x
    privileged: true
    volumes:
      - ./data:/data
      - /etc:/etc:ro
`}, want: []w{
			{rule: BindMount, sev: Notice, svc: "a", at: "8:9-8"},
			{rule: Privileged, sev: Error, svc: "a", at: "common/base.yaml:4:5-4"},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "common/base.yaml:6:9-6", msg: []string{"./data at /data"}},
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "common/base.yaml:7:9-7"},
		}},
		{name: "included file", yaml: `include:
  - sub/compose.yaml
services:
  a:
    image: x
`, files: map[string]string{"sub/compose.yaml": `services:
  inc:
    image: x
    network_mode: host
    volumes:
      - ./incdata:/inc
      - /var/run/docker.sock:/var/run/docker.sock
`}, want: []w{
			{rule: HostNamespace, sev: Warning, svc: "inc", at: "sub/compose.yaml:4:5-4"},
			{rule: WritableBindMount, sev: Warning, svc: "inc", at: "sub/compose.yaml:6:9-6", msg: []string{"./incdata at /inc"}},
			{rule: RootWritableBind, sev: Warning, svc: "inc", at: "sub/compose.yaml:6:9-6"},
			{rule: DockerSocket, sev: Error, svc: "inc", at: "sub/compose.yaml:7:9-7"},
		}},
		{name: "disguised volume in an included file", yaml: `include:
  - sub/compose.yaml
services:
  a:
    image: x
    user: "1000"
    volumes:
      - incvol:/iv
`, files: map[string]string{"sub/compose.yaml": `services:
  inc:
    image: x
volumes:
  incvol:
    driver_opts:
      type: none
      o: bind
      device: ./incdata
`}, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "8:9-8", msg: []string{`named volume "incvol" (a bind mount of ./incdata)`}},
			{rule: DisguisedBind, sev: Warning, at: "sub/compose.yaml:6:5-9"},
		}},
		{name: "disguised volume redefined in the override", names: []string{"compose.yaml", "compose.override.yaml"}, yaml: `services:
  a:
    image: x
volumes:
  data:
    driver_opts: {type: none, o: bind, device: /srv/a}
`, files: map[string]string{"compose.override.yaml": `volumes:
  data:
    driver_opts: {type: none, o: bind, device: /srv/b}
`}, want: []w{
			{rule: DisguisedBind, sev: Warning, at: "compose.override.yaml:3:5-3", msg: []string{"/srv/b"}, not: []string{"/srv/a"}},
		}},
		{name: "service key in the override", names: []string{"compose.yaml", "compose.override.yaml"},
			settings: Settings{Severity: map[string]Severity{NoReadOnlyRootfs: Notice}}, yaml: `services:
  a:
    image: x
`, files: map[string]string{"compose.override.yaml": `services:
  a:
    environment: [A=1]
`}, want: []w{
				{rule: NoReadOnlyRootfs, sev: Notice, svc: "a", at: "compose.override.yaml:2:3-2"},
			}},
		{name: "anchor used by two services", yaml: `x-common: &common
  image: x
  privileged: true
  volumes:
    - ./shared:/shared
services:
  a:
    <<: *common
  b:
    <<: *common
    user: "1000"
`, want: []w{
			{rule: Privileged, sev: Error, svc: "a", at: "3:3-3"},
			{rule: Privileged, sev: Error, svc: "b", at: "3:3-3"},
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "5:7-5"},
			{rule: WritableBindMount, sev: Warning, svc: "b", at: "5:7-5"},
			{rule: SharedWritableVolume, sev: Warning, svc: "a", at: "5:7-5"},
			{rule: SharedWritableVolume, sev: Warning, svc: "b", at: "5:7-5"},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:7-5"},
		}},
	})
}

// A node shared through an anchor is reported once per service: same place,
// different service and fingerprint.
func TestAnchorFindingsPerService(t *testing.T) {
	got := analyze(t, map[string]string{"compose.yaml": `x-vols: &vols
  - /etc:/host-etc:ro
services:
  a:
    image: x
    volumes: *vols
  b:
    image: x
    volumes: *vols
`}, Settings{})
	fs := only(got, SensitiveHostPath)
	if len(fs) != 2 {
		t.Fatalf("want 2 sensitive-host-path findings, got\n%s", dump(got))
	}
	want := compose.Loc{File: "compose.yaml", Line: 2, Column: 5, EndLine: 2}
	for _, f := range fs {
		if f.Loc != want {
			t.Errorf("%s at %+v, want %+v", f.Service, f.Loc, want)
		}
	}
	if fs[0].Service == fs[1].Service || fs[0].Fingerprint == fs[1].Fingerprint {
		t.Errorf("services %q/%q, fingerprints %s/%s: want them to differ", fs[0].Service, fs[1].Service, fs[0].Fingerprint, fs[1].Fingerprint)
	}
}

// --- settings ------------------------------------------------------------------------

func TestSettings(t *testing.T) {
	const project = `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/data
      - ./conf:/conf:ro
`
	runCases(t, []ruleCase{
		{name: "defaults", yaml: project, want: []w{
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			{rule: BindMount, sev: Notice, svc: "a", at: "7:9-7"},
		}},
		{name: "severity override", yaml: project,
			settings: Settings{Severity: map[string]Severity{WritableBindMount: Error, BindMount: Warning}}, want: []w{
				{rule: WritableBindMount, sev: Error, svc: "a", at: "6:9-6"},
				{rule: BindMount, sev: Warning, svc: "a", at: "7:9-7"},
			}},
		{name: "off", yaml: project,
			settings: Settings{Severity: map[string]Severity{BindMount: Off}}, want: []w{
				{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6"},
			}},
		{name: "off for the stronger rule leaves the weaker one", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /etc:/host-etc
`, settings: Settings{Severity: map[string]Severity{SensitiveHostPath: Off}}, want: []w{
			// sensitive-host-path only stands in for writable-bind-mount
			// when it is reported; switched off, the mount is still a
			// writable bind mount (as bind-mount already returns when a
			// flagging rule is off).
			{rule: WritableBindMount, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"/etc at /host-etc writable"}},
		}},
		{name: "sensitive paths", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /srv/secrets:/secrets:ro
      - /srv/secrets/db:/db
      - /srv:/srv
      - /srv/secretsx:/x:ro
`, settings: Settings{SensitivePaths: []string{"/srv/secrets"}}, want: []w{
			{rule: SensitiveHostPath, sev: Warning, svc: "a", at: "6:9-6", msg: []string{"/srv/secrets is listed as sensitive in the mountguard configuration"}},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "7:9-7", msg: []string{"/srv/secrets/db lies inside /srv/secrets"}},
			{rule: SensitiveHostPath, sev: Error, svc: "a", at: "8:9-8", msg: []string{"/srv contains /srv/secrets"}},
			{rule: BindMount, sev: Notice, svc: "a", at: "9:9-9"},
		}},
		{name: "allowed bind sources", yaml: `services:
  a:
    image: x
    volumes:
      - ./config:/config
      - ./config/sub:/sub:ro
      - /var/log/app:/logs
      - ~/data:/home-data
      - ~/data/x:/home-x:ro
      - ./configs:/configs:ro
      - ~/database:/database:ro
      - /var/log/application:/other:ro
`, settings: Settings{AllowedBindSources: []string{"./config", "/var/log/app", "~/data"}}, rules: []string{
			SensitiveHostPath, WritableBindMount, OutsideProject, BindMount}, want: []w{
			// The allowed ones give nothing; similar names are not
			// allowed.
			{rule: BindMount, sev: Notice, svc: "a", at: "10:9-10"},
			{rule: OutsideProject, sev: Warning, svc: "a", at: "11:9-11"},
			{rule: BindMount, sev: Notice, svc: "a", at: "12:9-12"},
		}},
		{name: "allowed sources still get the other rules", yaml: `services:
  a:
    image: x
    volumes:
      - ./config:/tmp:z
`, settings: Settings{AllowedBindSources: []string{"./config"}}, want: []w{
			{rule: SELinuxRelabel, sev: Notice, svc: "a", at: "5:9-5"},
			{rule: TmpfsCandidate, sev: Notice, svc: "a", at: "5:9-5"},
			{rule: RootWritableBind, sev: Warning, svc: "a", at: "5:9-5"},
		}},
		{name: "allowed sensitive path", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /etc/app:/etc/app
`, settings: Settings{AllowedBindSources: []string{"/etc/app"}}},
		{name: "a socket is never allowed", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /var/run:/host-run:ro
`, settings: Settings{AllowedBindSources: []string{"/var/run/docker.sock", "/var/run"}}, want: []w{
			{rule: DockerSocket, sev: Error, svc: "a", at: "6:9-6"},
		}},
		{name: "allowed source outside the project", yaml: `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ../shared:/shared
`, settings: Settings{AllowedBindSources: []string{"../shared"}}},
	})
}

// --- fingerprints ----------------------------------------------------------------------

func TestFingerprintStableAcrossLineMoves(t *testing.T) {
	before := `services:
  a:
    image: x
    privileged: true
    volumes:
      - ./data:/data
      - /etc:/etc:ro
`
	after := `# a comment

services:

  # another comment
  a:
    image: x

    privileged: true
    volumes:
      # why
      - ./data:/data

      - /etc:/etc:ro
`
	ids := func(src string) map[string]Finding {
		out := map[string]Finding{}
		for _, f := range analyze(t, map[string]string{"compose.yaml": src}, Settings{}) {
			out[f.Rule+"|"+f.Service+"|"+f.Target] = f
		}
		return out
	}
	a, b := ids(before), ids(after)
	if len(a) != 4 || len(a) != len(b) {
		t.Fatalf("want the same 4 findings, got %d and %d", len(a), len(b))
	}
	for k, fa := range a {
		fb, ok := b[k]
		if !ok {
			t.Errorf("%s missing after the move", k)
			continue
		}
		if fa.Loc.Line == fb.Loc.Line {
			t.Errorf("%s: line did not move (%d)", k, fa.Loc.Line)
		}
		if fa.Fingerprint != fb.Fingerprint {
			t.Errorf("%s: fingerprint changed from %s to %s", k, fa.Fingerprint, fb.Fingerprint)
		}
	}
}

func TestFingerprintDistinguishes(t *testing.T) {
	got := only(analyze(t, map[string]string{"compose.yaml": `services:
  a:
    image: x
    user: "1000"
    volumes:
      - ./data:/one
      - ./data:/two
  b:
    image: x
    user: "1000"
    volumes:
      - ./data:/one
`}, Settings{}), WritableBindMount)
	if len(got) != 3 {
		t.Fatalf("want 3 findings, got\n%s", dump(got))
	}
	seen := map[string]string{}
	for _, f := range got {
		id := f.Service + " " + f.Target
		if prev, ok := seen[f.Fingerprint]; ok {
			t.Errorf("%s and %s share fingerprint %s", prev, id, f.Fingerprint)
		}
		seen[f.Fingerprint] = id
	}
}

func TestFingerprintFunction(t *testing.T) {
	base := Fingerprint("r", "f", "s", "t", "src")
	if !regexp.MustCompile(`^[0-9a-f]{20}$`).MatchString(base) {
		t.Fatalf("Fingerprint = %q, want 20 hex digits", base)
	}
	if Fingerprint("r", "f", "s", "t", "src") != base {
		t.Error("Fingerprint is not deterministic")
	}
	for _, other := range [][5]string{
		{"x", "f", "s", "t", "src"},
		{"r", "x", "s", "t", "src"},
		{"r", "f", "x", "t", "src"},
		{"r", "f", "s", "x", "src"},
		{"r", "f", "s", "t", "x"},
		// The parts are separated: moving a character across a boundary
		// is a different identity.
		{"r", "f", "s", "ts", "rc"},
		{"rf", "", "s", "t", "src"},
	} {
		if Fingerprint(other[0], other[1], other[2], other[3], other[4]) == base {
			t.Errorf("Fingerprint%q equals the base", other)
		}
	}
}

// --- fixes -----------------------------------------------------------------------------

func TestReadOnlyFix(t *testing.T) {
	type fixCase struct {
		name  string
		entry string // the volume entry, lines 6 and below
		rule  string
		start int
		end   int
		text  string
	}
	const head = "services:\n  a:\n    image: x\n    user: \"1000\"\n    volumes:\n"
	cases := []fixCase{
		{name: "short", entry: "      - ./d:/d\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ./d:/d:ro\n"},
		{name: "rw becomes ro", entry: "      - ./d:/d:rw\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ./d:/d:ro\n"},
		{name: "selinux option kept", entry: "      - ./d:/d:z\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ./d:/d:z,ro\n"},
		{name: "rw among options", entry: "      - ./d:/d:rw,z\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ./d:/d:ro,z\n"},
		{name: "double quotes kept", entry: "      - \"./d:/d\"\n", rule: WritableBindMount, start: 6, end: 6, text: "      - \"./d:/d:ro\"\n"},
		{name: "single quotes kept", entry: "      - './d:/d'\n", rule: WritableBindMount, start: 6, end: 6, text: "      - './d:/d:ro'\n"},
		{name: "trailing comment kept", entry: "      - ./d:/d # data\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ./d:/d:ro # data\n"},
		{name: "variable with a default", entry: "      - ${D:-./d}:/d\n", rule: WritableBindMount, start: 6, end: 6, text: "      - ${D:-./d}:/d:ro\n"},
		{name: "windows drive", entry: "      - C:\\data:/d\n", rule: WritableBindMount, start: 6, end: 6, text: "      - C:\\data:/d:ro\n"},
		{name: "sensitive", entry: "      - /etc:/etc\n", rule: SensitiveHostPath, start: 6, end: 6, text: "      - /etc:/etc:ro\n"},
		{name: "flow sequence", entry: "      [./d:/d]\n", rule: WritableBindMount, start: 6, end: 6, text: "      [./d:/d:ro]\n"},
		{name: "long syntax inserts read_only after the last line",
			entry: "      - type: bind\n        source: ./d\n        target: /d\n",
			rule:  WritableBindMount, start: 8, end: 8, text: "        target: /d\n        read_only: true\n"},
		{name: "long syntax with a nested bind mapping",
			entry: "      - type: bind\n        source: ./d\n        target: /d\n        bind:\n          create_host_path: true\n",
			rule:  WritableBindMount, start: 10, end: 10, text: "          create_host_path: true\n        read_only: true\n"},
		{name: "long syntax replaces read_only: false",
			entry: "      - type: bind\n        source: ./d\n        read_only: false\n        target: /d\n",
			rule:  WritableBindMount, start: 8, end: 8, text: "        read_only: true\n"},
		{name: "long syntax indented differently",
			entry: "    -   type: bind\n        source: /etc\n        target: /e\n",
			rule:  SensitiveHostPath, start: 8, end: 8, text: "        target: /e\n        read_only: true\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := only(analyze(t, map[string]string{"compose.yaml": head + c.entry}, Settings{}), c.rule)
			if len(got) != 1 {
				t.Fatalf("want one %s finding, got\n%s", c.rule, dump(got))
			}
			fix := got[0].Fix
			if fix == nil {
				t.Fatalf("no fix")
			}
			if fix.File != "compose.yaml" || fix.StartLine != c.start || fix.EndLine != c.end || fix.Text != c.text {
				t.Errorf("fix = %s %d-%d %q, want compose.yaml %d-%d %q", fix.File, fix.StartLine, fix.EndLine, fix.Text, c.start, c.end, c.text)
			}
			if fix.Description == "" || !strings.Contains(fix.Description, "read-only") {
				t.Errorf("fix description %q", fix.Description)
			}
		})
	}
}

func TestReadOnlyFixInAnotherFile(t *testing.T) {
	got := only(analyze(t, map[string]string{
		"compose.yaml":  "services:\n  a:\n    extends: {file: lib/base.yaml, service: b}\n    user: \"1000\"\n",
		"lib/base.yaml": "services:\n  b:\n    image: x\n    volumes:\n      - ./d:/d\n",
	}, Settings{}), WritableBindMount)
	if len(got) != 1 || got[0].Fix == nil {
		t.Fatalf("want one finding with a fix, got\n%s", dump(got))
	}
	want := Fix{Description: got[0].Fix.Description, Edit: compose.Edit{File: "lib/base.yaml", StartLine: 5, EndLine: 5, Text: "      - ./d:/d:ro\n"}}
	if *got[0].Fix != want {
		t.Errorf("fix = %+v, want %+v", *got[0].Fix, want)
	}
}

func TestNoFixWhenAlreadyReadOnlyOrNotPossible(t *testing.T) {
	got := analyze(t, map[string]string{"compose.yaml": `services:
  a:
    image: x
    user: "1000"
    volumes:
      - /etc:/etc:ro
      - {type: bind, source: ./d, target: /d}
`}, Settings{})
	for _, f := range got {
		if f.Fix != nil {
			t.Errorf("%s: unexpected fix %+v", keyOf(f), f.Fix)
		}
	}
	if len(only(got, WritableBindMount)) != 1 {
		t.Errorf("want the flow-style entry reported without a fix, got\n%s", dump(got))
	}
}

func TestVolumesFromFix(t *testing.T) {
	got := only(analyze(t, map[string]string{"compose.yaml": `services:
  db:
    image: x
  a:
    image: x
    volumes_from:
      - db
      - "db:rw"
  b:
    image: x
    volumes_from: [db]
`}, Settings{}), VolumesFrom)
	want := []compose.Edit{
		{File: "compose.yaml", StartLine: 7, EndLine: 7, Text: "      - db:ro\n"},
		{File: "compose.yaml", StartLine: 8, EndLine: 8, Text: "      - \"db:ro\"\n"},
		{File: "compose.yaml", StartLine: 11, EndLine: 11, Text: "    volumes_from: [db:ro]\n"},
	}
	if len(got) != len(want) {
		t.Fatalf("want %d findings, got\n%s", len(want), dump(got))
	}
	for i, f := range got {
		if f.Fix == nil || f.Fix.Edit != want[i] {
			t.Errorf("%s: fix %+v, want %+v", keyOf(f), f.Fix, want[i])
		}
	}
}

func TestReadOnlyRootfsFix(t *testing.T) {
	on := Settings{Severity: map[string]Severity{NoReadOnlyRootfs: Notice}}
	for _, c := range []struct {
		name, yaml string
		want       compose.Edit
	}{
		{"inserted before the first key", "services:\n  a:\n    image: x\n    user: \"1000\"\n",
			compose.Edit{File: "compose.yaml", StartLine: 3, EndLine: 3, Text: "    read_only: true\n    image: x\n"}},
		{"read_only: false replaced", "services:\n  a:\n    image: x\n    read_only: false # for now\n",
			compose.Edit{File: "compose.yaml", StartLine: 4, EndLine: 4, Text: "    read_only: true # for now\n"}},
		{"wider indentation", "services:\n    a:\n        image: x\n",
			compose.Edit{File: "compose.yaml", StartLine: 3, EndLine: 3, Text: "        read_only: true\n        image: x\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := only(analyze(t, map[string]string{"compose.yaml": c.yaml}, on), NoReadOnlyRootfs)
			if len(got) != 1 || got[0].Fix == nil {
				t.Fatalf("want one finding with a fix, got\n%s", dump(got))
			}
			if got[0].Fix.Edit != c.want {
				t.Errorf("fix = %+v, want %+v", got[0].Fix.Edit, c.want)
			}
		})
	}
}

// --- settings plumbing -----------------------------------------------------------------

func TestFinish(t *testing.T) {
	f := Finding{Rule: WritableBindMount, Severity: Warning, Loc: compose.Loc{File: "c.yaml", Line: 3}, Service: "a", Target: "/d", Source: "./d"}
	got, ok := Settings{}.Finish(f)
	if !ok || got.Severity != Warning || got.Title != "Writable bind mount" || got.Fingerprint != Fingerprint(WritableBindMount, "c.yaml", "a", "/d", "./d") {
		t.Errorf("Finish = %+v, %v", got, ok)
	}
	if got, ok := (Settings{Severity: map[string]Severity{WritableBindMount: Error}}).Finish(f); !ok || got.Severity != Error {
		t.Errorf("override: %v %v", got.Severity, ok)
	}
	if _, ok := (Settings{Severity: map[string]Severity{WritableBindMount: Off}}).Finish(f); ok {
		t.Error("Off did not switch the rule off")
	}
	off := Finding{Rule: NoReadOnlyRootfs, Severity: Notice}
	if _, ok := (Settings{}).Finish(off); ok {
		t.Error("a rule that is off by default was reported")
	}
	if got, ok := (Settings{Severity: map[string]Severity{NoReadOnlyRootfs: Warning}}).Finish(off); !ok || got.Severity != Warning {
		t.Errorf("enabling an off-by-default rule: %v %v", got.Severity, ok)
	}
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Catalog() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Summary == "" || r.Threat == "" {
			t.Errorf("rule %s is incomplete: %+v", r.ID, r)
		}
		if got, ok := Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%s) = %+v, %v", r.ID, got, ok)
		}
		if DocURL(r.ID) != DocsBase+r.ID+".md" {
			t.Errorf("DocURL(%s) = %s", r.ID, DocURL(r.ID))
		}
	}
	if _, ok := Lookup("no-such-rule"); ok {
		t.Error("Lookup found an unknown rule")
	}
	if r, _ := Lookup(NoReadOnlyRootfs); r.Default != Off {
		t.Errorf("%s default = %s, want off", NoReadOnlyRootfs, r.Default)
	}
	// Catalog returns a copy.
	c := Catalog()
	c[0].ID = "changed"
	if Catalog()[0].ID == "changed" {
		t.Error("Catalog exposes its backing array")
	}
}

func TestSeverity(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Severity
	}{{"error", Error}, {"Warning", Warning}, {" notice ", Notice}, {"OFF", Off}} {
		got, err := ParseSeverity(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSeverity(%q) = %v, %v", c.in, got, err)
		}
		var s Severity
		if err := s.UnmarshalText([]byte(c.in)); err != nil || s != c.want {
			t.Errorf("UnmarshalText(%q) = %v, %v", c.in, s, err)
		}
		b, _ := c.want.MarshalText()
		if string(b) != strings.ToLower(strings.TrimSpace(c.in)) {
			t.Errorf("MarshalText(%v) = %s", c.want, b)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity accepted fatal")
	}
	if Severity(9).String() != "severity(9)" {
		t.Errorf("String of an unknown severity = %s", Severity(9))
	}
	if !(Off < Notice && Notice < Warning && Warning < Error) {
		t.Error("severities are not ordered")
	}
}

func TestCompareOrdersFindings(t *testing.T) {
	at := func(file string, line, col int) compose.Loc { return compose.Loc{File: file, Line: line, Column: col} }
	ordered := []Finding{
		{Loc: at("a.yaml", 9, 9), Rule: "z"},
		{Loc: at("b.yaml", 1, 1), Severity: Error, Rule: "z"},
		{Loc: at("b.yaml", 1, 1), Severity: Warning, Rule: "a"},
		{Loc: at("b.yaml", 1, 1), Severity: Warning, Rule: "b", Service: "a"},
		{Loc: at("b.yaml", 1, 1), Severity: Warning, Rule: "b", Service: "b", Message: "a"},
		{Loc: at("b.yaml", 1, 1), Severity: Warning, Rule: "b", Service: "b", Message: "b"},
		{Loc: at("b.yaml", 1, 2), Rule: "a"},
		{Loc: at("b.yaml", 2, 1), Rule: "a"},
	}
	shuffled := slices.Clone(ordered)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Compare)
	for i := range ordered {
		if Compare(shuffled[i], ordered[i]) != 0 {
			t.Fatalf("position %d: %+v, want %+v", i, shuffled[i], ordered[i])
		}
	}
}

func TestAnalyzeWithoutModel(t *testing.T) {
	p := load(t, map[string]string{"compose.yaml": "services: [\n"})
	if p.Model != nil {
		t.Fatal("expected a project without a model")
	}
	got := Analyze(p, Settings{})
	if len(got) != 1 || got[0].Rule != ParseError || got[0].Severity != Error {
		t.Fatalf("want only a parse error, got\n%s", dump(got))
	}
}

// A parse error is identified by its file: editing the broken file must not
// turn it into a new finding.
func TestParseErrorFingerprintIsTheFile(t *testing.T) {
	a := analyze(t, map[string]string{"compose.yaml": "services: [\n"}, Settings{})
	b := analyze(t, map[string]string{"compose.yaml": "# edited\nservices:\n  a:\n    image: x\n   b: 1\n"}, Settings{})
	if len(a) != 1 || len(b) != 1 || a[0].Rule != ParseError || b[0].Rule != ParseError {
		t.Fatalf("want one parse error each:\n%s\n%s", dump(a), dump(b))
	}
	if a[0].Fingerprint != b[0].Fingerprint {
		t.Errorf("fingerprints differ: %s, %s", a[0].Fingerprint, b[0].Fingerprint)
	}
}
