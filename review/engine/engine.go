// Package engine runs a review: it finds the compose projects in a file
// system, loads each with positions, applies the rules, reads the
// justification comments and returns one sorted list of findings. The CLI
// and the GitHub App both review through it, so a developer sees locally
// exactly what the App will say.
package engine

import (
	"context"
	"fmt"
	"io/fs"
	"slices"

	"github.com/mountguard/mountguard/review/compose"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/rules"
)

// Result is the outcome of a review.
type Result struct {
	// Findings are sorted by file, line and column.
	Findings []rules.Finding
	// Files are the files that were read (compose files, included and
	// extended files, .env files), root-relative and sorted.
	Files []string
	// Projects is how many compose projects were loaded.
	Projects int
}

// Review loads each project (a list of compose files merged in order) from
// fsys and reviews it. Findings that several projects share, such as those
// in a file two projects extend, are reported once.
func Review(ctx context.Context, fsys fs.FS, projects [][]string, cfg *config.Config) (*Result, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	settings := cfg.RuleSettings()
	res := &Result{}
	seen := map[string]bool{}
	files := map[string]bool{}
	for _, files0 := range projects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := compose.Load(ctx, fsys, files0, cfg.LoadOptions())
		if err != nil {
			return nil, fmt.Errorf("loading %v: %w", files0, err)
		}
		res.Projects++
		found := rules.Analyze(p, settings)
		found = append(found, justify(p, found, settings)...)
		for _, f := range found {
			key := f.Fingerprint + "\x00" + fmt.Sprint(f.Loc)
			if seen[key] {
				continue
			}
			seen[key] = true
			res.Findings = append(res.Findings, f)
		}
		for _, name := range p.SourceFiles() {
			files[name] = true
		}
	}
	slices.SortFunc(res.Findings, rules.Compare)
	for name := range files {
		res.Files = append(res.Files, name)
	}
	slices.Sort(res.Files)
	return res, nil
}
