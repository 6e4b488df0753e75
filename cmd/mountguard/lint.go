package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/report"
	"github.com/mountguard/mountguard/review/rules"
)

const lintUsage = `Usage: mountguard lint [flags] PATH...

Reviews Docker Compose files for volume security.

A PATH is a directory or a compose file. In a directory, compose files are
found recursively (compose.yaml, compose.yml, docker-compose.yaml,
docker-compose.yml, each merged with its compose.override.* sibling;
.git, node_modules and vendor are skipped), and the directory is the root:
nothing outside it is read. Several files are merged in order, like
docker compose -f a.yaml -f b.yaml; their root is the first file's
directory unless --root says otherwise.

Exit status: 0 when no finding reaches --fail-on, 1 when one does,
2 for usage, configuration or I/O errors.

Flags:
`

type lintFlags struct {
	format string
	failOn string
	config string
	root   string
	color  string
}

func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var lf lintFlags
	fset := flag.NewFlagSet("lint", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(stderr, lintUsage)
		fset.PrintDefaults()
	}
	fset.StringVar(&lf.format, "format", "text", "output format: "+strings.Join(report.Formats, ", "))
	fset.StringVar(&lf.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, warning, notice or never")
	fset.StringVar(&lf.config, "config", "", "configuration file (rule severities, sensitive paths, allowed bind sources, limits)")
	fset.StringVar(&lf.root, "root", "", "root directory for file arguments: references outside it are not read (default: the first file's directory)")
	fset.StringVar(&lf.color, "color", "auto", "colour text output: auto, always or never")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	paths := fset.Args()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "mountguard lint: give at least one directory or compose file to review")
		fset.Usage()
		return exitUsage
	}
	threshold, err := parseFailOn(lf.failOn)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard lint:", err)
		return exitUsage
	}
	if !slices.Contains(report.Formats, lf.format) {
		fmt.Fprintf(stderr, "mountguard lint: unknown format %q: use %s\n", lf.format, strings.Join(report.Formats, ", "))
		return exitUsage
	}
	cfg := config.Default()
	if lf.config != "" {
		data, err := os.ReadFile(lf.config)
		if err != nil {
			fmt.Fprintln(stderr, "mountguard lint: reading the configuration:", err)
			return exitUsage
		}
		if cfg, err = config.Parse(data); err != nil {
			fmt.Fprintf(stderr, "mountguard lint: %s: %v\n", lf.config, err)
			return exitUsage
		}
	}
	res, err := lint(ctx, paths, lf.root, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard lint:", err)
		return exitUsage
	}
	opts := report.Options{Version: version(), Color: useColor(lf.color, stdout)}
	if err := report.Write(stdout, lf.format, res, opts); err != nil {
		fmt.Fprintln(stderr, "mountguard lint: writing the report:", err)
		return exitUsage
	}
	for _, f := range res.Findings {
		if threshold != rules.Off && f.Severity >= threshold {
			return exitFindings
		}
	}
	return exitOK
}

func parseFailOn(s string) (rules.Severity, error) {
	if s == "never" {
		return rules.Off, nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil || sev == rules.Off {
		return rules.Off, fmt.Errorf("--fail-on %q: use error, warning, notice or never", s)
	}
	return sev, nil
}

func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lint reviews every PATH and returns one result whose file paths are
// shown as the user gave them.
func lint(ctx context.Context, paths []string, rootFlag string, cfg *config.Config) (*engine.Result, error) {
	var dirs, files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot review %s: %w", p, err)
		}
		if st.IsDir() {
			dirs = append(dirs, p)
		} else {
			files = append(files, p)
		}
	}
	total := &engine.Result{}
	for _, dir := range dirs {
		res, err := reviewDir(ctx, dir, cfg)
		if err != nil {
			return nil, err
		}
		merge(total, res, dir)
	}
	if len(files) > 0 {
		root := rootFlag
		if root == "" {
			root = filepath.Dir(files[0])
		}
		res, err := reviewFiles(ctx, root, files, cfg)
		if err != nil {
			return nil, err
		}
		merge(total, res, root)
	}
	slices.SortFunc(total.Findings, rules.Compare)
	slices.Sort(total.Files)
	total.Files = slices.Compact(total.Files)
	return total, nil
}

func reviewDir(ctx context.Context, dir string, cfg *config.Config) (*engine.Result, error) {
	fsys, closeFS, err := engine.DirFS(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", dir, err)
	}
	defer closeFS()
	projects, err := engine.Discover(ctx, fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("searching %s for compose files: %w", dir, err)
	}
	if len(projects) == 0 {
		return nil, fmt.Errorf("no compose file found in %s (looked for %s and their override files)", dir, strings.Join([]string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}, ", "))
	}
	return engine.Review(ctx, fsys, projects, cfg)
}

func reviewFiles(ctx context.Context, root string, files []string, cfg *config.Config) (*engine.Result, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var rel []string
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		r, err := filepath.Rel(absRoot, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s is outside the root %s: pass --root with a directory that contains every file", f, root)
		}
		rel = append(rel, filepath.ToSlash(r))
	}
	fsys, closeFS, err := engine.DirFS(root)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", root, err)
	}
	defer closeFS()
	return engine.Review(ctx, fsys, [][]string{rel}, cfg)
}

// merge adds res to total, turning root-relative paths into paths under
// the root as the user wrote it.
func merge(total, res *engine.Result, root string) {
	show := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	for _, f := range res.Findings {
		f.Loc.File = show(f.Loc.File)
		if f.Fix != nil {
			fix := *f.Fix
			fix.File = show(fix.File)
			f.Fix = &fix
		}
		total.Findings = append(total.Findings, f)
	}
	for _, f := range res.Files {
		total.Files = append(total.Files, show(f))
	}
	total.Projects += res.Projects
}

func runRules(stdout io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tDEFAULT\tTITLE")
	for _, r := range rules.Catalog() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Default, r.Title)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nEach rule is documented at", rules.DocsBase+"<rule>.md")
	return exitOK
}
