package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	logrus.SetOutput(io.Discard) // compose-go's deprecation warnings
	os.Exit(m.Run())
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

func load(t *testing.T, files map[string]string, top ...string) *Project {
	t.Helper()
	if len(top) == 0 {
		top = []string{"compose.yaml"}
	}
	p, err := Load(context.Background(), mapFS(files), top, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// mounts renders every mount as "service target: type source host@file:line:col-end".
func mounts(p *Project) []string {
	var out []string
	for _, s := range p.Services {
		for _, m := range s.Mounts {
			host := "-"
			if m.Host != nil {
				host = fmt.Sprintf("%d:%s", m.Host.Kind, m.Host.Path)
			}
			ro := ""
			if m.ReadOnly {
				ro = " ro"
			}
			out = append(out, fmt.Sprintf("%s %s: %s %q %s%s @%s:%d:%d-%d",
				s.Name, m.Target, m.Type, m.Source, host, ro, m.Loc.File, m.Loc.Line, m.Loc.Column, m.Loc.EndLine))
		}
	}
	return out
}

func problems(p *Project) []string {
	var out []string
	for _, pr := range p.Problems {
		out = append(out, fmt.Sprintf("%d@%s:%d: %s", pr.Kind, pr.Loc.File, pr.Loc.Line, pr.Message))
	}
	return out
}

func TestLoadTracesEveryMountToItsNode(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		top   []string
		want  []string
	}{
		{
			name: "short and long syntax",
			files: map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    volumes:
      - ./site:/usr/share/nginx/html:ro
      - data:/data
      - /cache
      - type: bind
        source: /etc
        target: /host/etc
        read_only: true
volumes:
  data:
`},
			want: []string{
				`web /cache: volume "" - @compose.yaml:7:9-7`,
				`web /data: volume "data" - @compose.yaml:6:9-6`,
				`web /host/etc: bind "/etc" 1:/etc ro @compose.yaml:8:9-11`,
				`web /usr/share/nginx/html: bind "./site" 2:site ro @compose.yaml:5:9-5`,
			},
		},
		{
			name: "override file wins for the entries it sets",
			files: map[string]string{
				"compose.yaml":          "services:\n  web:\n    image: nginx\n    volumes:\n      - ./a:/a\n      - ./b:/b\n",
				"compose.override.yaml": "services:\n  web:\n    volumes:\n      - ./other:/b:ro\n",
			},
			top: []string{"compose.yaml", "compose.override.yaml"},
			want: []string{
				`web /a: bind "./a" 2:a @compose.yaml:5:9-5`,
				`web /b: bind "./other" 2:other ro @compose.override.yaml:4:9-4`,
			},
		},
		{
			name: "extends from another file resolves relative paths against that file",
			files: map[string]string{
				"compose.yaml":     "services:\n  api:\n    extends:\n      file: base/common.yaml\n      service: app\n    volumes:\n      - ./own:/own\n",
				"base/common.yaml": "services:\n  app:\n    image: alpine\n    volumes:\n      - ./data:/data\n",
			},
			want: []string{
				`api /data: bind "./data" 2:base/data @base/common.yaml:5:9-5`,
				`api /own: bind "./own" 2:own @compose.yaml:7:9-7`,
			},
		},
		{
			name: "extends in the same file, chained",
			files: map[string]string{"compose.yaml": `services:
  base:
    image: alpine
    volumes: ["./b:/b"]
  mid:
    extends: base
    volumes: ["./m:/m"]
  top:
    extends:
      service: mid
`},
			want: []string{
				`base /b: bind "./b" 2:b @compose.yaml:4:15-4`,
				`mid /b: bind "./b" 2:b @compose.yaml:4:15-4`,
				`mid /m: bind "./m" 2:m @compose.yaml:7:15-7`,
				`top /b: bind "./b" 2:b @compose.yaml:4:15-4`,
				`top /m: bind "./m" 2:m @compose.yaml:7:15-7`,
			},
		},
		{
			name: "include: positions in the included file, its own .env and directory",
			files: map[string]string{
				"compose.yaml":     "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: nginx\n",
				"sub/compose.yaml": "services:\n  db:\n    image: postgres\n    volumes:\n      - ${DB_DIR}:/var/lib/postgresql/data\n      - ./init:/init:ro\n",
				"sub/.env":         "DB_DIR=./pgdata\n",
			},
			want: []string{
				`db /init: bind "./init" 2:sub/init ro @sub/compose.yaml:6:9-6`,
				`db /var/lib/postgresql/data: bind "./pgdata" 2:sub/pgdata @sub/compose.yaml:5:9-5`,
			},
		},
		{
			name: "include with env_file and project_directory",
			files: map[string]string{
				"compose.yaml":      "include:\n  - path: lib/compose.yaml\n    project_directory: lib/project\n    env_file: lib/vars.env\n",
				"lib/compose.yaml":  "services:\n  svc:\n    image: x\n    volumes:\n      - ${SRC:-./default}:/src\n",
				"lib/vars.env":      "SRC=./from-env\n",
				"lib/project/.keep": "",
			},
			want: []string{
				`svc /src: bind "./from-env" 2:lib/project/from-env @lib/compose.yaml:5:9-5`,
			},
		},
		{
			name: "anchors and merge keys point at the anchor's definition, once per service",
			files: map[string]string{"compose.yaml": `x-app: &app
  image: app
  volumes:
    - ./shared:/shared
services:
  one:
    <<: *app
  two:
    <<: *app
    volumes:
      - ./own:/own
  three:
    image: x
    volumes: &vols
      - ./v:/v
  four:
    image: x
    volumes: *vols
`},
			want: []string{
				`four /v: bind "./v" 2:v @compose.yaml:15:9-15`,
				`one /shared: bind "./shared" 2:shared @compose.yaml:4:7-4`,
				`three /v: bind "./v" 2:v @compose.yaml:15:9-15`,
				`two /own: bind "./own" 2:own @compose.yaml:11:9-11`,
			},
		},
		{
			name: "interpolation forms and the project .env",
			files: map[string]string{
				"compose.yaml": `services:
  s:
    image: x
    volumes:
      - ${A:-./a-default}:/a
      - ${B-./b-default}:/b
      - ${FROM_ENV}:/c
      - ${EMPTY:-./empty-default}:/d
      - ${EMPTY-/not-used}/e:/e
      - ./$$HOME:/f
`,
				".env": "FROM_ENV=/srv/c\nEMPTY=\n",
			},
			want: []string{
				`s /a: bind "./a-default" 2:a-default @compose.yaml:5:9-5`,
				`s /b: bind "./b-default" 2:b-default @compose.yaml:6:9-6`,
				`s /c: bind "/srv/c" 1:/srv/c @compose.yaml:7:9-7`,
				`s /d: bind "./empty-default" 2:empty-default @compose.yaml:8:9-8`,
				`s /e: bind "/e" 1:/e @compose.yaml:9:9-9`,
				`s /f: bind "./$HOME" 2:$HOME @compose.yaml:10:9-10`,
			},
		},
		{
			name: "unresolved variables are reviewed as docker compose would run them",
			files: map[string]string{"compose.yaml": `services:
  s:
    image: x
    volumes:
      - ${NOPE}/etc:/a
      - ${REQUIRED:?set REQUIRED}:/b
      - type: bind
        source: ${ALSO_NOPE}
        target: /c
`},
			want: []string{
				`s /a: bind "/etc" 1:/etc @compose.yaml:5:9-5`,
				`s /b: bind "" 6: @compose.yaml:6:9-6`,
				`s /c: bind "" 6: @compose.yaml:7:9-9`,
			},
		},
		{
			name: "named volume that is a bind mount in disguise",
			files: map[string]string{"compose.yaml": `services:
  s:
    image: x
    volumes:
      - data:/data
volumes:
  data:
    driver: local
    driver_opts:
      type: none
      o: bind
      device: ./host-data
`},
			want: []string{`s /data: volume "data" 2:host-data @compose.yaml:5:9-5`},
		},
		{
			name: "project in a subdirectory",
			files: map[string]string{
				"app/compose.yaml": "services:\n  s:\n    image: x\n    volumes:\n      - ./data:/data\n      - ../../up:/up\n",
			},
			top: []string{"app/compose.yaml"},
			want: []string{
				`s /data: bind "./data" 2:app/data @app/compose.yaml:5:9-5`,
				`s /up: bind "../../up" 4:../up @app/compose.yaml:6:9-6`,
			},
		},
		{
			name:  "profiles do not hide services from the review",
			files: map[string]string{"compose.yaml": "services:\n  debug:\n    image: x\n    profiles: [debug]\n    volumes: [\"/:/host\"]\n"},
			want:  []string{`debug /host: bind "/" 1:/ @compose.yaml:5:15-5`},
		},
		{
			name:  "multi-document file merges in order",
			files: map[string]string{"compose.yaml": "services:\n  s:\n    image: x\n    volumes: [\"./a:/a\"]\n---\nservices:\n  s:\n    volumes: [\"./b:/a\"]\n"},
			want:  []string{`s /a: bind "./b" 2:b @compose.yaml:8:15-8`},
		},
		{
			name: "!reset drops inherited entries",
			files: map[string]string{
				"compose.yaml":          "services:\n  s:\n    image: x\n    volumes:\n      - ./a:/a\n",
				"compose.override.yaml": "services:\n  s:\n    volumes: !reset []\n",
			},
			top:  []string{"compose.yaml", "compose.override.yaml"},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, tt.files, tt.top...)
			if p.Model == nil {
				t.Fatalf("not loaded: %v", problems(p))
			}
			got := mounts(p)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("mounts:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}

func TestLoadRecordsUnresolvedVariables(t *testing.T) {
	p := load(t, map[string]string{"compose.yaml": "services:\n  s:\n    image: x\n    volumes:\n      - ${A}/${B:?b}/${C:-c}:/x\n"})
	m := p.Services[0].Mounts[0]
	if !slices.Equal(m.Unresolved, []string{"A", "B"}) {
		t.Errorf("Unresolved = %v, want [A B]", m.Unresolved)
	}
}

func TestLoadKeyAndItemLocations(t *testing.T) {
	p := load(t, map[string]string{
		"base.yaml": "services:\n  b:\n    image: x\n    cap_add:\n      - NET_ADMIN\n",
		"compose.yaml": `services:
  s:
    extends: {file: base.yaml, service: b}
    privileged: true
    cap_add: [SYS_ADMIN]
`,
	})
	s := p.Services[0]
	if loc, ok := s.KeyLoc("privileged"); !ok || loc != (Loc{"compose.yaml", 4, 5, 4}) {
		t.Errorf("privileged at %v %v", loc, ok)
	}
	if _, ok := s.KeyLoc("pid"); ok {
		t.Error("pid is not set, but KeyLoc found it")
	}
	var got []string
	for _, it := range s.Items("cap_add") {
		got = append(got, fmt.Sprintf("%s@%s:%d:%d", it.Value, it.Loc.File, it.Loc.Line, it.Loc.Column))
	}
	want := []string{"SYS_ADMIN@compose.yaml:5:15", "NET_ADMIN@base.yaml:5:9"}
	if !slices.Equal(got, want) {
		t.Errorf("cap_add items %v, want %v", got, want)
	}
}

// sentinel writes a file outside the project that must never be read: a
// compose file whose service would show up in the model, or an env file.
func sentinel(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadNeverReadsOutsideTheProject(t *testing.T) {
	evil := sentinel(t, "evil.yaml", "services:\n  evil:\n    image: x\n    privileged: true\n")
	evilEnv := sentinel(t, "evil.env", "LEAK=/etc\n")
	// A path that escapes the private copy, whatever its depth.
	escape := strings.Repeat("../", 40) + strings.TrimPrefix(evil, "/")
	t.Setenv("MOUNTGUARD_TEST_SECRET", "/etc")

	tests := []struct {
		name    string
		compose string
		field   string
	}{
		{"absolute include", "include:\n  - " + evil + "\n", "include"},
		{"escaping include", "include:\n  - " + escape + "\n", "include"},
		{"include in a home directory", "include:\n  - ~/evil.yaml\n", "include"},
		{"remote include", "include:\n  - oci://example.com/evil:latest\n", "include"},
		{"include env_file", "include:\n  - path: ok.yaml\n    env_file: " + evilEnv + "\n", "include.env_file"},
		{"include project_directory", "include:\n  - path: ok.yaml\n    project_directory: " + filepath.Dir(evilEnv) + "\n", "include.project_directory"},
		{"extends file", "services:\n  s:\n    extends:\n      file: " + evil + "\n      service: evil\n", "extends.file"},
		{"escaping extends file", "services:\n  s:\n    extends: {file: " + escape + ", service: evil}\n", "extends.file"},
		{"env_file", "services:\n  s:\n    image: x\n    env_file: /proc/self/environ\n", "env_file"},
		{"env_file long form", "services:\n  s:\n    image: x\n    env_file:\n      - path: ../../secrets.env\n        required: false\n", "env_file"},
		{"label_file", "services:\n  s:\n    image: x\n    label_file: /etc/passwd\n    env_file: /dev/null\n", "label_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{
				"compose.yaml": tt.compose + "x-probe:\n  v: ${LEAK:-none} ${MOUNTGUARD_TEST_SECRET:-none}\n",
				"ok.yaml":      "services:\n  fine:\n    image: x\n    volumes: [\"${LEAK:-./safe}:/x\", \"${MOUNTGUARD_TEST_SECRET:-./safe}:/y\"]\n",
			}
			p := load(t, files)
			var outside []Problem
			for _, pr := range p.Problems {
				if pr.Kind == OutsideProject {
					outside = append(outside, pr)
				}
			}
			if len(outside) != 1 || outside[0].Field != tt.field || outside[0].Loc.File != "compose.yaml" || outside[0].Loc.Line < 2 {
				t.Fatalf("want one outside-project problem for %s, got %v", tt.field, problems(p))
			}
			if p.Model == nil {
				t.Fatalf("the project should still load: %v", problems(p))
			}
			if _, ok := p.Model.Services["evil"]; ok {
				t.Fatal("the file outside the project was read")
			}
			for _, m := range mounts(p) {
				if strings.Contains(m, "/etc") {
					t.Errorf("a value from outside the project leaked into the model: %s", m)
				}
			}
		})
	}
}

func TestLoadRefusesSymlinksOutOfTheRoot(t *testing.T) {
	outside := sentinel(t, "evil.yaml", "services:\n  evil:\n    image: x\n")
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "linked.yaml")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	if err := os.WriteFile(filepath.Join(root, "compose.yaml"), []byte("include:\n  - linked.yaml\nservices:\n  s:\n    image: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := Load(context.Background(), escapeFS{r.FS()}, []string{"compose.yaml"}, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) != 1 || p.Problems[0].Kind != OutsideProject {
		t.Fatalf("want an outside-project problem, got %v", problems(p))
	}
	if p.Model == nil || p.Model.Services["evil"].Name != "" {
		t.Fatal("the link's target was read, or the project did not load")
	}
}

// escapeFS stands in for engine.DirFS, which maps os.Root's escape error.
type escapeFS struct{ fs.FS }

func (e escapeFS) Open(name string) (fs.File, error) {
	f, err := e.FS.Open(name)
	if err != nil && strings.Contains(err.Error(), "path escapes from parent") {
		err = errors.Join(ErrOutsideRoot, err)
	}
	return f, err
}

func TestLoadRemovesItsPrivateCopy(t *testing.T) {
	tmp := t.TempDir()
	files := map[string]string{
		"compose.yaml":     "include:\n  - sub/compose.yaml\n",
		"sub/compose.yaml": "services:\n  s:\n    image: x\n",
	}
	p, err := Load(context.Background(), mapFS(files), []string{"compose.yaml"}, Options{TempDir: tmp})
	if err != nil || p.Model == nil {
		t.Fatalf("Load: %v %v", err, problems(p))
	}
	entries, _ := os.ReadDir(tmp)
	if len(entries) != 0 {
		t.Errorf("private copy left behind: %v", entries)
	}
	for _, s := range p.Services {
		for _, m := range s.Mounts {
			if strings.Contains(m.Source, tmp) {
				t.Errorf("private path leaked into a source: %s", m.Source)
			}
		}
	}
}

func TestLoadReportsBrokenReferences(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing include", map[string]string{"compose.yaml": "include:\n  - nope.yaml\n"}, "1@compose.yaml:2: nope.yaml does not exist"},
		{"include of a directory", map[string]string{"compose.yaml": "include:\n  - sub\n", "sub/compose.yaml": "services: {}\n"}, "1@compose.yaml:2: sub is a directory, not a file"},
		{"include cycle", map[string]string{
			"compose.yaml": "include:\n  - a.yaml\n", "a.yaml": "include:\n  - compose.yaml\n",
		}, "1@a.yaml:2: include cycle: a.yaml includes compose.yaml, which is already being loaded"},
		{"unresolved include", map[string]string{"compose.yaml": "include:\n  - ${DIR}/x.yaml\n"}, `3@compose.yaml:2: include "${DIR}/x.yaml" uses ${DIR}, which has no value and no default; the file was not read`},
		{"broken included file", map[string]string{
			"compose.yaml": "include:\n  - bad.yaml\n", "bad.yaml": "services: [\n",
		}, "1@bad.yaml:2: not valid YAML: while parsing a flow node at line 1: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, tt.files)
			if got := problems(p); !slices.Contains(got, tt.want) {
				t.Errorf("problems %q\nwant %q", got, tt.want)
			}
		})
	}
}
