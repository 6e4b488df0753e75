package pullreq

import (
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// File names docker compose finds on its own, in its order of preference.
var (
	mainNames     = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
	overrideNames = []string{"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"}
)

// project is a set of compose files merged in order, like docker compose -f.
type project []string

func (p project) key() string { return strings.Join(p, "\x00") }

// selection is what a pull request asks to review.
type selection struct {
	projects []project
	// maybeDependencies are changed files that no glob matched but that a
	// compose project may include, extend or read (.env): the review
	// checks whether a nearby project uses them.
	maybeDependencies []string
}

// selectChanges decides which compose projects a pull request touches. A
// changed main file brings its override file, a changed override or
// overlay (compose.prod.yaml) brings its directory's main file, a changed
// .env brings the project next to it. Which of those exist is asked of
// exists, which reads the head commit.
func selectChanges(files []File, globs []string, exists func(string) (bool, error)) (selection, error) {
	var sel selection
	seen := map[string]bool{}
	add := func(p project) {
		if len(p) > 0 && !seen[p.key()] {
			seen[p.key()] = true
			sel.projects = append(sel.projects, p)
		}
	}
	for _, f := range files {
		if f.Status == "removed" {
			continue // nothing left to review at the head
		}
		name := path.Base(f.Path)
		dir := path.Dir(f.Path)
		switch {
		case matchAny(globs, f.Path):
			p, err := projectFor(f.Path, exists)
			if err != nil {
				return sel, err
			}
			add(p)
		case name == ".env":
			main, err := mainIn(dir, exists)
			if err != nil {
				return sel, err
			}
			if main != "" {
				p, err := projectFor(main, exists)
				if err != nil {
					return sel, err
				}
				add(p)
			}
		case strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml"):
			sel.maybeDependencies = append(sel.maybeDependencies, f.Path)
		}
	}
	return sel, nil
}

// projectFor is the project a compose file belongs to.
func projectFor(file string, exists func(string) (bool, error)) (project, error) {
	dir, name := path.Dir(file), path.Base(file)
	main, err := mainIn(dir, exists)
	if err != nil {
		return nil, err
	}
	switch {
	case slices.Contains(mainNames, name):
		if name != path.Base(main) {
			// docker compose would pick another file in this directory;
			// this one is still reviewed, on its own.
			return project{file}, nil
		}
		override, err := firstExisting(dir, overrideNames, exists)
		if err != nil {
			return nil, err
		}
		return compact(project{file, override}), nil
	case main != "":
		// An override or an overlay (compose.prod.yaml) is merged over
		// the directory's main file.
		return project{main, file}, nil
	}
	return project{file}, nil
}

func mainIn(dir string, exists func(string) (bool, error)) (string, error) {
	return firstExisting(dir, mainNames, exists)
}

func firstExisting(dir string, names []string, exists func(string) (bool, error)) (string, error) {
	for _, n := range names {
		p := path.Join(dir, n)
		ok, err := exists(p)
		if err != nil {
			return "", err
		}
		if ok {
			return p, nil
		}
	}
	return "", nil
}

func compact(p project) project {
	return slices.DeleteFunc(p, func(s string) bool { return s == "" })
}

func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
	}
	return false
}
