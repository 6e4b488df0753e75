package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/rules"
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

// render is one line per finding: "file:line rule [service] justification".
func render(res *Result) []string {
	var out []string
	for _, f := range res.Findings {
		line := fmt.Sprintf("%s:%d %s [%s]", f.Loc.File, f.Loc.Line, f.Rule, f.Service)
		if f.Justification != "" {
			line += " justified: " + f.Justification
		}
		out = append(out, line)
	}
	return out
}

func TestDiscover(t *testing.T) {
	fsys := mapFS(map[string]string{
		"compose.yaml":                    "",
		"compose.override.yaml":           "",
		"docker-compose.yml":              "",
		"svc/docker-compose.yml":          "",
		"svc/docker-compose.override.yml": "",
		"lonely/compose.override.yml":     "",
		"other/compose.prod.yaml":         "",
		"node_modules/x/compose.yaml":     "",
		"vendor/compose.yaml":             "",
		".git/compose.yaml":               "",
		"deep/a/b/compose.yml":            "",
	})
	got, err := Discover(context.Background(), fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"compose.yaml", "compose.override.yaml"},
		{"docker-compose.yml"},
		{"deep/a/b/compose.yml"},
		{"lonely/compose.override.yml"},
		{"svc/docker-compose.yml", "svc/docker-compose.override.yml"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Discover = %v\nwant %v", got, want)
	}
}

func TestReviewJustifications(t *testing.T) {
	files := map[string]string{"compose.yaml": `services:
  app:
    image: x
    user: "1000"
    volumes:
      # mountguard: allow writable-bind-mount -- uploads are written here
      - ./uploads:/uploads
      - ./cache:/srv/data # mountguard: allow writable-bind-mount,bind-mount -- build cache
      # A plain comment may sit between the directive and the entry.
      # mountguard: allow writable-bind-mount -- logs
      # (more words)
      - ./logs:/logs

      # mountguard: allow writable-bind-mount -- a blank line breaks the block
      
      - ./tmpdata:/tmpdata
      # mountguard: allow writable-bind-mount
      - ./noreason:/noreason
      # mountguard: allow no-such-rule -- reason
      - ./unknown:/unknown
      # mountguard: permit writable-bind-mount -- wrong verb
      - ./verb:/verb
      # MountGuard allow writable-bind-mount -- no colon
      - ./nocolon:/nocolon
      # mountguard reviews this file; an ordinary comment
`}
	res, err := Review(context.Background(), mapFS(files), [][]string{{"compose.yaml"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"compose.yaml:7 writable-bind-mount [app] justified: uploads are written here",
		"compose.yaml:8 writable-bind-mount [app] justified: build cache",
		"compose.yaml:12 writable-bind-mount [app] justified: logs",
		"compose.yaml:14 writable-bind-mount [app] justified: a blank line breaks the block",
		"compose.yaml:16 writable-bind-mount [app]",
		"compose.yaml:17 bad-justification []",
		"compose.yaml:18 writable-bind-mount [app]",
		"compose.yaml:19 bad-justification []",
		"compose.yaml:20 writable-bind-mount [app]",
		"compose.yaml:21 bad-justification []",
		"compose.yaml:22 writable-bind-mount [app]",
		"compose.yaml:23 bad-justification []",
		"compose.yaml:24 writable-bind-mount [app]",
	}
	got := render(res)
	// Line 14 is the directive itself, which no finding sits on: the
	// justification there applies to nothing.
	want = slices.DeleteFunc(want, func(s string) bool { return strings.HasPrefix(s, "compose.yaml:14 ") })
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range res.Findings {
		if f.Rule == rules.WritableBindMount && f.Justification != "" && f.Severity != rules.Warning {
			t.Errorf("a justification lowered the severity: %+v", f)
		}
	}
}

func TestReviewReportsSharedFilesOnce(t *testing.T) {
	files := map[string]string{
		"base.yaml":      "services:\n  app:\n    image: x\n    volumes: [\"/etc:/etc\"]\n",
		"a/compose.yaml": "services:\n  app:\n    extends: {file: ../base.yaml, service: app}\n",
		"b/compose.yaml": "services:\n  app:\n    extends: {file: ../base.yaml, service: app}\n",
	}
	res, err := Review(context.Background(), mapFS(files), [][]string{{"a/compose.yaml"}, {"b/compose.yaml"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := render(res)
	want := []string{"base.yaml:4 sensitive-host-path [app]", "base.yaml:4 root-writable-bind [app]"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if res.Projects != 2 {
		t.Errorf("Projects = %d, want 2", res.Projects)
	}
	if !slices.Equal(res.Files, []string{"a/compose.yaml", "b/compose.yaml", "base.yaml"}) {
		t.Errorf("Files = %v", res.Files)
	}
}

func TestReviewAppliesConfiguration(t *testing.T) {
	cfg, err := config.Parse([]byte("rules:\n  bind-mount: off\n  writable-bind-mount: error\n  no-read-only-rootfs: notice\nallowed_bind_sources: [./config]\n"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"compose.yaml": "services:\n  app:\n    image: x\n    user: \"1\"\n    volumes:\n      - ./data:/data\n      - ./site:/site:ro\n      - ./config:/config\n"}
	res, err := Review(context.Background(), mapFS(files), [][]string{{"compose.yaml"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%d %s %s", f.Loc.Line, f.Rule, f.Severity))
	}
	want := []string{"2 no-read-only-rootfs notice", "6 writable-bind-mount error"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}

func TestDirFSRefusesLinksOutOfTheRoot(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("services:\n  leak:\n    image: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "compose.yaml")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	fsys, closeFS, err := DirFS(root)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFS()
	res, err := Review(context.Background(), fsys, [][]string{{"compose.yaml"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Rule != rules.OutsideProject {
		t.Fatalf("want one outside-project finding, got %v", render(res))
	}
}

func TestReviewStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Review(ctx, mapFS(map[string]string{"compose.yaml": "services: {}\n"}), [][]string{{"compose.yaml"}}, nil); err == nil {
		t.Fatal("Review ignored a cancelled context")
	}
}
