package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/compose-spec/compose-go/v2/template"
)

// seedFiles are compose files that exercise the loader's features; the
// awesome-compose copy used by the engine's tests is added when present.
var seedFiles = []string{
	"services:\n  web:\n    image: nginx\n    volumes:\n      - ./a:/a:ro\n      - /var/run/docker.sock:/var/run/docker.sock\n",
	"x-a: &a\n  volumes: [\"./s:/s\"]\nservices:\n  one:\n    <<: *a\n    image: x\n",
	"services:\n  s:\n    image: x\n    volumes:\n      - type: bind\n        source: ${SRC:-./d}\n        target: /d\n        bind: {propagation: rshared, selinux: z}\n",
	"include:\n  - sub.yaml\nservices:\n  s:\n    extends: {file: sub.yaml, service: base}\n",
	"services:\n  s:\n    image: x\n    privileged: true\n    cap_add: [SYS_ADMIN]\n    devices: [\"/dev/sda:/dev/sda\"]\n    volumes_from: [other]\n  other:\n    image: y\nvolumes:\n  v:\n    driver_opts: {o: bind, device: /etc, type: none}\n",
	"services: [\n",
	"a: &a [*a]\n",
}

func addSeeds(f *testing.F) {
	for _, s := range seedFiles {
		f.Add([]byte(s))
	}
	corpus, _ := filepath.Glob(filepath.Join("..", "engine", "testdata", "awesome-compose", "*", "compose.y*ml"))
	for _, p := range corpus {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as a compose file that may
// include and extend a second one. Whatever the input, Load must not panic
// and everything it reports must carry a usable location.
func FuzzLoad(f *testing.F) {
	addSeeds(f)
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"compose.yaml": {Data: data},
			"sub.yaml":     {Data: []byte("services:\n  base:\n    image: b\n    volumes: [\"./base:/base\"]\n")},
		}
		p, err := Load(context.Background(), fsys, []string{"compose.yaml"}, Options{TempDir: tmp, MaxFileSize: 1 << 20, MaxNodes: 20_000})
		if err != nil {
			t.Fatalf("Load returned an error for file content: %v", err)
		}
		for _, pr := range p.Problems {
			if pr.Loc.File == "" || pr.Loc.Line < 1 || pr.Message == "" {
				t.Fatalf("problem without a location or message: %+v", pr)
			}
		}
		for _, s := range p.Services {
			for _, m := range s.Mounts {
				if m.Loc.File == "" || m.Loc.Line < 1 {
					t.Fatalf("mount without a location: %+v", m)
				}
			}
		}
	})
}

// FuzzParseShortVolume checks that the short-syntax parser never panics and
// always returns a clean target.
func FuzzParseShortVolume(f *testing.F) {
	for _, s := range []string{"./a:/a", "/a:/b:ro,z", "C:\\x:/x", "${A:-/x}:/y:rshared", "//./pipe/docker_engine://./pipe/docker_engine", "v:/x:nocopy", ":", "::", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		v, err := ParseShortVolume(spec)
		if err == nil && v.Target != "" && strings.Contains(v.Target, "//") {
			t.Fatalf("target %q is not clean", v.Target)
		}
		if _, ok := shortReadOnly(spec); ok && err == nil {
			ro, _ := shortReadOnly(spec)
			if w, err := ParseShortVolume(ro); err == nil && !w.ReadOnly {
				t.Fatalf("the :ro fix of %q gives %q, which is not read-only", spec, ro)
			}
		}
	})
}

// FuzzInterpolation compares mountguard's interpolation with compose-go's
// on every template compose-go accepts: they must agree, since compose-go's
// loader runs on mountguard's function.
func FuzzInterpolation(f *testing.F) {
	for _, s := range []string{"${A}", "$A/x", "${A:-d}", "${U-d}", "${E:-${A}}", "${A:+alt}", "${U+alt}", "$$A", "${A}${E}$", "${A:?e}", "x${U:-${A:-z}}y", "${A}}", "{${A}"} {
		f.Add(s)
	}
	vars := env{"A": "a", "E": ""}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := template.SubstituteWithOptions(s, vars.lookup, template.WithoutLogging)
		if err != nil {
			return
		}
		in := newInterpolator(vars)
		got, err := in.substituteStrict(s)
		if err != nil {
			t.Fatalf("%q: compose-go gives %q, mountguard fails: %v", s, want, err)
		}
		if got != want {
			t.Fatalf("%q: compose-go gives %q, mountguard %q", s, want, got)
		}
	})
}
