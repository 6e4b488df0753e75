package engine

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// The engine's cost is measured against compose-go's own load of the same
// files in the same run: BenchmarkCorpusComposeGo is the baseline,
// BenchmarkCorpusReview the whole engine (loading with positions, every
// rule, justifications). .ci/bench prints the ratio of their ns/file.

type corpusFile struct {
	dir, name string
	content   []byte
}

func loadCorpus(b *testing.B) []corpusFile {
	b.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "awesome-compose", "*", "compose.y*ml"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no corpus: %v", err)
	}
	var files []corpusFile
	for _, p := range paths {
		content, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, corpusFile{dir: filepath.Base(filepath.Dir(p)), name: filepath.Base(p), content: content})
	}
	return files
}

func BenchmarkCorpusComposeGo(b *testing.B) {
	files := loadCorpus(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			details := types.ConfigDetails{
				WorkingDir:  "/corpus/" + f.dir,
				ConfigFiles: []types.ConfigFile{{Filename: "/corpus/" + f.dir + "/" + f.name, Content: f.content}},
				// plex needs this variable, or compose-go stops early;
				// mountguard reviews it without one.
				Environment: types.Mapping{"PLEX_MEDIA_PATH": "/srv/media"},
			}
			if _, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) { o.SetProjectName(loader.NormalizeProjectName(f.dir), true) }); err != nil {
				b.Fatalf("%s: %v", f.dir, err)
			}
		}
	}
	perFile(b, len(files))
}

func BenchmarkCorpusReview(b *testing.B) {
	files := loadCorpus(b)
	fsys := fstest.MapFS{}
	var projects [][]string
	for _, f := range files {
		p := path.Join(f.dir, f.name)
		fsys[p] = &fstest.MapFile{Data: f.content}
		projects = append(projects, []string{p})
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range projects {
			if _, err := Review(ctx, fsys, [][]string{p}, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	perFile(b, len(files))
}

// perFile reports the cost of one file, so that the two benchmarks can be
// compared directly.
func perFile(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
}
