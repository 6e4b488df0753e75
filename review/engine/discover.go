package engine

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/compose"
)

// File names docker compose looks for, in its order of preference.
var (
	mainNames     = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
	overrideNames = []string{"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"}
)

// skipDirs are never searched for compose files.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// Discover finds the compose projects under dir (root-relative) in fsys.
// In each directory the file docker compose would pick is merged with the
// override file it would pick; any other compose file there is reviewed as
// a project of its own, so that nothing is skipped.
func Discover(ctx context.Context, fsys fs.FS, dir string) ([][]string, error) {
	var projects [][]string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // an unreadable subdirectory is skipped, not fatal
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && skipDirs[d.Name()] {
			return fs.SkipDir
		}
		entries, err := fs.ReadDir(fsys, p)
		if err != nil {
			return nil
		}
		present := map[string]bool{}
		for _, e := range entries {
			if !e.IsDir() {
				present[e.Name()] = true
			}
		}
		projects = append(projects, projectsIn(p, present)...)
		return nil
	})
	return projects, err
}

func projectsIn(dir string, present map[string]bool) [][]string {
	var mains, overrides []string
	for _, n := range mainNames {
		if present[n] {
			mains = append(mains, path.Join(dir, n))
		}
	}
	for _, n := range overrideNames {
		if present[n] {
			overrides = append(overrides, path.Join(dir, n))
		}
	}
	var out [][]string
	switch {
	case len(mains) > 0:
		first := []string{mains[0]}
		if len(overrides) > 0 {
			first = append(first, overrides[0])
		}
		out = append(out, first)
		for _, m := range mains[1:] {
			out = append(out, []string{m})
		}
		if len(overrides) > 1 {
			for _, o := range overrides[1:] {
				out = append(out, []string{o})
			}
		}
	case len(overrides) > 0:
		for _, o := range overrides {
			out = append(out, []string{o})
		}
	}
	return out
}

// IsComposeName reports whether a file name is one docker compose finds on
// its own.
func IsComposeName(name string) bool {
	return slices.Contains(mainNames, name) || slices.Contains(overrideNames, name)
}

// DirFS opens dir as the root of a review. Reads through it never leave
// dir, symbolic links included: a link that points outside is reported as
// compose.ErrOutsideRoot. Close the returned closer when done.
func DirFS(dir string) (fs.FS, func() error, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	return rootFS{root.FS()}, root.Close, nil
}

type rootFS struct{ fs.FS }

func (r rootFS) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	return f, escapeErr(err)
}

func (r rootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(r.FS, name)
	return es, escapeErr(err)
}

func (r rootFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := fs.Stat(r.FS, name)
	return fi, escapeErr(err)
}

// escapeErr maps os.Root's unexported "path escapes from parent" error to
// compose.ErrOutsideRoot.
func escapeErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "path escapes from parent") {
		return errors.Join(compose.ErrOutsideRoot, err)
	}
	return err
}
