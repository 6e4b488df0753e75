// Package pullreq reviews one pull request: it reads the compose projects
// the pull request touches at its head and base commits through GitHub's
// API, finds what is new, places each new finding on a line of the diff,
// and reconciles the inline comments with those of earlier runs. GitHub is
// reached only through the GitHub interface.
package pullreq

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/diff"
	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// Options configure one review.
type Options struct {
	// Config is the repository's configuration (from its base branch).
	Config *config.Config
	// Cache keeps file contents and trees at commit SHAs across reviews.
	Cache *Cache
	// ExceptionHelp is markdown telling authors how to ask for an
	// exception; it ends every comment.
	ExceptionHelp string
	// Fresh says the pull request was just opened: no earlier run can have
	// commented on it, so the comments are not listed.
	Fresh bool
	// MaxDependents bounds the projects searched for users of a changed
	// file that no glob matches (an included or extended file); default 8.
	MaxDependents int
	Logger        *slog.Logger
}

// Finding is a finding at the head commit and what the review did with it.
type Finding struct {
	rules.Finding
	// New: the base commit does not have it (by fingerprint).
	New bool
	// Inline: an inline comment shows it (posted now or by an earlier run).
	Inline bool
}

// Outcome is what one review found and did.
type Outcome struct {
	// NoCompose: the pull request changes no compose project.
	NoCompose bool
	// Findings are every finding at the head, sorted.
	Findings []Finding
	// Files are the files the head review read.
	Files []string
	// Posted inline comments, findings Folded into the review body,
	// earlier comments marked Fixed, and whether a review was posted.
	Posted, Folded, Fixed int
	Reviewed              bool
}

// Run reviews a pull request.
func Run(ctx context.Context, gh GitHub, pr PullRequest, opts Options) (*Outcome, error) {
	if opts.Config == nil {
		opts.Config = config.Default()
	}
	if opts.MaxDependents <= 0 {
		opts.MaxDependents = 8
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	app := opts.Config.App()
	mode, err := diff.ParseMode(app.CommentMode)
	if err != nil {
		return nil, err
	}
	files, err := gh.PullRequestFiles(ctx, pr)
	if err != nil {
		return nil, fmt.Errorf("listing the files of %s#%d: %w", pr.Repo, pr.Number, err)
	}
	baseTree, truncated, err := opts.Cache.tree(ctx, gh, pr.Repo, pr.BaseSHA)
	if err != nil {
		return nil, fmt.Errorf("listing the files of %s at the base commit %.12s: %w", pr.Repo, pr.BaseSHA, err)
	}
	w := newWorld(files, baseTree, truncated)
	maxSize := int64(opts.Config.Limits.MaxFileSize)
	if maxSize <= 0 {
		maxSize = 2 << 20
	}
	head := newRefFS(ctx, gh, opts.Cache, pr.Repo, pr.HeadSHA, maxSize, w.atHead)
	base := newRefFS(ctx, gh, opts.Cache, pr.Repo, pr.BaseSHA, maxSize, w.atBase)

	sel, err := selectChanges(files, app.ComposeFiles, w.existsAtHead)
	if err != nil {
		return nil, err
	}
	projects := sel.projects
	if len(sel.maybeDependencies) > 0 {
		deps, err := dependents(ctx, head, w, projects, sel.maybeDependencies, opts)
		if err != nil {
			return nil, err
		}
		projects = append(projects, deps...)
	}
	if len(projects) == 0 {
		return &Outcome{NoCompose: true}, nil
	}
	log.Info("reviewing compose projects", "projects", len(projects))

	headRes, err := engine.Review(ctx, head, projectLists(projects), opts.Config)
	if err == nil {
		err = head.failure()
	}
	if err != nil {
		return nil, fmt.Errorf("reviewing the head commit %.12s: %w", pr.HeadSHA, err)
	}
	baseFingerprints, err := baseFindings(ctx, base, w, projects, opts.Config)
	if err != nil {
		return nil, fmt.Errorf("reviewing the base commit %.12s: %w", pr.BaseSHA, err)
	}

	out := &Outcome{Files: headRes.Files}
	for _, f := range headRes.Findings {
		out.Findings = append(out.Findings, Finding{Finding: f, New: !baseFingerprints[f.Fingerprint]})
	}

	var earlier []Comment
	if !opts.Fresh {
		if earlier, err = gh.ReviewComments(ctx, pr); err != nil {
			return nil, fmt.Errorf("listing the review comments of %s#%d: %w", pr.Repo, pr.Number, err)
		}
	}
	plan := planComments(out, earlier, nil, files, head, mode, app.MaxInline, opts.ExceptionHelp)
	if (len(plan.inline) > 0 || len(plan.folded) > 0) && !opts.Fresh {
		// Something to say: make sure an earlier review body has not
		// already said it (findings folded there stay new on every push).
		listed, err := listedInReviews(ctx, gh, pr)
		if err != nil {
			return nil, err
		}
		if len(listed) > 0 {
			plan = planComments(out, earlier, listed, files, head, mode, app.MaxInline, opts.ExceptionHelp)
		}
	}
	for _, c := range plan.fixed {
		if err := gh.EditComment(ctx, pr.Repo, c.ID, comment.MarkFixed(c.Body, pr.HeadSHA)); err != nil {
			return nil, fmt.Errorf("marking comment %d fixed: %w", c.ID, err)
		}
		out.Fixed++
	}
	if len(plan.inline) > 0 || len(plan.folded) > 0 {
		if err := postReview(ctx, gh, pr, app.ReviewEvent, plan, opts.ExceptionHelp); err != nil {
			return nil, err
		}
		out.Reviewed = true
		out.Posted, out.Folded = len(plan.inline), len(plan.folded)
	}
	return out, nil
}

// world is what the pull request and the base tree say about which files
// exist, so that absent files cost no request.
type world struct {
	changed   map[string]File
	renamed   map[string]string // head path -> base path
	goneAt    map[string]bool   // base paths renamed away
	inBase    map[string]bool
	truncated bool
	base      []string
}

func newWorld(files []File, baseTree []string, truncated bool) *world {
	w := &world{changed: map[string]File{}, renamed: map[string]string{}, goneAt: map[string]bool{}, inBase: map[string]bool{}, truncated: truncated, base: baseTree}
	for _, f := range files {
		w.changed[f.Path] = f
		if f.PreviousPath != "" && f.Status == "renamed" {
			w.renamed[f.Path] = f.PreviousPath
			w.goneAt[f.PreviousPath] = true
		}
	}
	for _, p := range baseTree {
		w.inBase[p] = true
	}
	return w
}

func (w *world) atHead(p string) (known, exists bool) {
	if f, ok := w.changed[p]; ok {
		return true, f.Status != "removed"
	}
	if w.goneAt[p] {
		return true, false
	}
	if w.truncated {
		return false, false
	}
	return true, w.inBase[p]
}

func (w *world) atBase(p string) (known, exists bool) {
	if f, ok := w.changed[p]; ok && f.Status == "added" {
		return true, false
	}
	if w.truncated {
		return false, false
	}
	return true, w.inBase[p]
}

// existsAtHead answers without a request when the world knows.
func (w *world) existsAtHead(p string) (bool, error) {
	known, exists := w.atHead(p)
	if !known {
		return true, nil // a truncated tree: let the engine find out
	}
	return exists, nil
}

// basePath is where a head file was at the base commit.
func (w *world) basePath(p string) string {
	if prev, ok := w.renamed[p]; ok {
		return prev
	}
	return p
}

func projectLists(ps []project) [][]string {
	out := make([][]string, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// baseFindings reviews the same projects at the base commit and returns the
// fingerprints of their findings, computed with head paths so that a
// renamed file's findings are not mistaken for new ones.
func baseFindings(ctx context.Context, base *refFS, w *world, projects []project, cfg *config.Config) (map[string]bool, error) {
	headOf := map[string]string{}
	var lists [][]string
	for _, p := range projects {
		var files []string
		for _, f := range p {
			bp := w.basePath(f)
			if known, exists := w.atBase(bp); known && !exists {
				continue
			}
			headOf[bp] = f
			files = append(files, bp)
		}
		if len(files) > 0 && files[0] == w.basePath(p[0]) {
			lists = append(lists, files)
		}
	}
	fps := map[string]bool{}
	if len(lists) == 0 {
		return fps, nil
	}
	res, err := engine.Review(ctx, base, lists, cfg)
	if err == nil {
		err = base.failure()
	}
	if err != nil {
		return nil, err
	}
	for _, f := range res.Findings {
		file := f.Loc.File
		if h, ok := headOf[file]; ok {
			file = h
		}
		fps[rules.Fingerprint(f.Rule, file, f.Service, f.Target, f.Source)] = true
	}
	return fps, nil
}

// dependents finds the compose projects that read a changed file no glob
// matched (a file they include or extend). Candidates are the projects in
// the directories above the file and in the base tree, nearest first, at
// most MaxDependents of them.
func dependents(ctx context.Context, head *refFS, w *world, have []project, changed []string, opts Options) ([]project, error) {
	seen := map[string]bool{}
	for _, p := range have {
		seen[p[0]] = true
	}
	var mains []string
	for _, p := range w.base {
		if slices.Contains(mainNames, path.Base(p)) && !seen[p] {
			mains = append(mains, p)
		}
	}
	// Nearest first: most leading path segments shared with a changed file.
	score := func(m string) int {
		best := 0
		for _, c := range changed {
			best = max(best, sharedSegments(path.Dir(m), path.Dir(c)))
		}
		return best
	}
	slices.SortStableFunc(mains, func(a, b string) int { return cmp.Compare(score(b), score(a)) })
	if len(mains) > opts.MaxDependents {
		mains = mains[:opts.MaxDependents]
	}
	var out []project
	for _, m := range mains {
		p, err := projectFor(m, w.existsAtHead)
		if err != nil {
			return nil, err
		}
		res, err := engine.Review(ctx, head, [][]string{p}, opts.Config)
		if err != nil {
			return nil, err
		}
		for _, c := range changed {
			if slices.Contains(res.Files, c) {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

func sharedSegments(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}
