package compose

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// aliasBombYAML is the "billion laughs": nine levels of nine aliases.
func aliasBombYAML() string {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= 9; i++ {
		prev := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(prev+",", 8) + prev + "]\n")
	}
	b.WriteString("services:\n  s:\n    image: x\n    volumes: *l9\n")
	return b.String()
}

// The limits these tests hold the loader to are far above what it needs
// (milliseconds, a few MB); they catch a hang or a blow-up, not a slowdown,
// which the benchmarks measure.
const (
	hostileTimeLimit   = 20 * time.Second
	hostileMemoryLimit = 256 << 20
)

func TestHostileInputsGetAParseErrorWithinBounds(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		fsys     fs.FS // default: a MapFS holding content as compose.yaml
		wantLine int
		wantMsg  string
	}{
		{name: "invalid YAML", content: "services:\n  web:\n    image: x\n   volumes: [\n", wantLine: 4, wantMsg: "not valid YAML"},
		{name: "alias bomb", content: aliasBombYAML(), wantLine: 7, wantMsg: "alias bomb"},
		{name: "100k-deep flow nesting", content: strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), wantLine: 1, wantMsg: "exceeded max depth"},
		{name: "100k-deep block nesting", content: strings.Repeat("- ", 100_000) + "x\n", wantLine: 1, wantMsg: "exceeded max depth"},
		{name: "20 MB file", content: "services: {}\n#" + strings.Repeat("x", 20<<20), wantLine: 1, wantMsg: "larger than the 2097152-byte limit"},
		{name: "20 MB file from a reader that hides its size", fsys: sizelessFS{strings.Repeat("#", 20<<20)}, wantLine: 1, wantMsg: "larger than the 2097152-byte limit"},
		{name: "binary garbage", content: "\x7fELF\x02\x01\x01\x00\x00\xff\xfe\x00", wantLine: 1, wantMsg: "not valid UTF-8"},
		{name: "control characters", content: "services:\n  s:\n    image: \x01\n", wantLine: 1, wantMsg: "control characters"},
		{name: "duplicate keys", content: "services:\n  web:\n    image: a\n  web:\n    image: b\n", wantLine: 4, wantMsg: `"web" is defined twice (first at line 2)`},
		{name: "duplicate keys in a volume entry", content: "services:\n  s:\n    image: a\n    volumes:\n      - type: bind\n        source: ./a\n        source: /etc\n        target: /x\n", wantLine: 7, wantMsg: `"source" is defined twice`},
		{name: "a YAML list", content: "- a\n- b\n", wantLine: 1, wantMsg: "top-level object must be a mapping"},
		{name: "not a compose file", content: "apiVersion: v1\nkind: Pod\n", wantLine: 1, wantMsg: "not a valid compose file"},
		{name: "wrong type deep inside", content: "services:\n  s:\n    image: x\n    volumes:\n      - type: bind\n        source: ./a\n        target: 12\n", wantLine: 5, wantMsg: "missing a mount target"},
		{name: "empty file", content: "", wantLine: 1, wantMsg: "empty compose file"},
		{name: "malformed interpolation", content: "services:\n  s:\n    image: x\n    volumes:\n      - ${DATA:/data\n", wantLine: 5, wantMsg: "invalid interpolation"},
		{name: "too many nodes", content: "services:\n  s:\n    image: x\n    labels: [" + strings.Repeat("a,", 250_000) + "a]\n", wantLine: 1, wantMsg: "more than 200000 YAML nodes"},
		{name: "merge key cycle through include of itself", content: "include:\n  - compose.yaml\n", wantLine: 2, wantMsg: "include cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := tt.fsys
			if fsys == nil {
				fsys = fstest.MapFS{"compose.yaml": {Data: []byte(tt.content)}}
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			done := make(chan *Project, 1)
			go func() {
				p, err := Load(context.Background(), fsys, []string{"compose.yaml"}, Options{TempDir: t.TempDir()})
				if err != nil {
					t.Errorf("Load: %v", err)
				}
				done <- p
			}()
			var p *Project
			select {
			case p = <-done:
			case <-time.After(hostileTimeLimit):
				t.Fatalf("Load did not return within %v", hostileTimeLimit)
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > hostileMemoryLimit {
				t.Errorf("Load allocated %d MB", alloc>>20)
			}
			if p == nil {
				return
			}
			if p.Model != nil {
				t.Fatalf("a hostile file loaded: %v", problems(p))
			}
			for _, pr := range p.Problems {
				if pr.Kind == ParseError && pr.Loc.Line == tt.wantLine && strings.Contains(pr.Message, tt.wantMsg) {
					return
				}
			}
			t.Errorf("want a parse error at line %d containing %q, got %q", tt.wantLine, tt.wantMsg, problems(p))
		})
	}
}

// sizelessFS serves compose.yaml without telling its size up front, like a
// stream from the network.
type sizelessFS struct{ content string }

func (s sizelessFS) Open(name string) (fs.File, error) {
	if name != "compose.yaml" {
		return nil, fs.ErrNotExist
	}
	return &sizelessFile{Reader: bytes.NewReader([]byte(s.content))}, nil
}

type sizelessFile struct{ *bytes.Reader }

func (f *sizelessFile) Stat() (fs.FileInfo, error) { return nil, fs.ErrInvalid }
func (f *sizelessFile) Close() error               { return nil }

var _ io.Reader = (*sizelessFile)(nil)

func TestLoadStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, fstest.MapFS{"compose.yaml": {Data: []byte("services: {}\n")}}, []string{"compose.yaml"}, Options{})
	if err == nil {
		t.Fatal("Load ignored a cancelled context")
	}
}

func TestLoadRejectsPathsOutsideTheFS(t *testing.T) {
	for _, f := range []string{"/etc/passwd", "../x.yaml", "", "."} {
		if _, err := Load(context.Background(), fstest.MapFS{}, []string{f}, Options{}); err == nil {
			t.Errorf("Load accepted %q", f)
		}
	}
}
