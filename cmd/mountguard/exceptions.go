package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
	"github.com/mountguard/mountguard/webhook/ghapi"
)

const exceptionsUsage = `Usage: mountguard exceptions [flags] TARGET...

Lists the exceptions the mountguard App granted, read from the exception
record it keeps on each pull request. A TARGET is a repository (owner/name)
or an organisation (name); "user:NAME" searches a user's repositories.

Authentication, one of:
  --token or MOUNTGUARD_TOKEN or GITHUB_TOKEN   a personal or installation token
  --installation ID with MOUNTGUARD_APP_ID and MOUNTGUARD_PRIVATE_KEY(_PATH)

Flags:
`

type exceptionsFlags struct {
	since          string
	state          string
	format         string
	token          string
	installation   int64
	githubURL      string
	appSlug        string
	includeRevoked bool
}

// exceptionRow is one granted exception, as listed.
type exceptionRow struct {
	Repo          string    `json:"repository"`
	PR            int       `json:"pull_request"`
	URL           string    `json:"url"`
	State         string    `json:"state"`
	Label         string    `json:"label"`
	Rules         []string  `json:"rules"`
	Findings      int       `json:"findings"`
	ApprovedBy    string    `json:"approved_by"`
	ApprovedAt    time.Time `json:"approved_at"`
	Justification string    `json:"justification"`
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
	RevokedBy     string    `json:"revoked_by,omitempty"`
}

// exceptionSource is what listing exceptions needs from GitHub.
type exceptionSource interface {
	SearchPullRequests(ctx context.Context, query string) ([]ghapi.PullRequestRef, error)
	IssueComments(ctx context.Context, repo pullreq.Repo, number int) ([]exception.IssueComment, error)
}

func runExceptions(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var f exceptionsFlags
	fset := flag.NewFlagSet("exceptions", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(stderr, exceptionsUsage)
		fset.PrintDefaults()
	}
	fset.StringVar(&f.since, "since", "", "only exceptions approved on or after this date (YYYY-MM-DD)")
	fset.StringVar(&f.state, "state", "all", "pull request state: open, merged, closed (without merging) or all")
	fset.StringVar(&f.format, "format", "table", "output: table, csv or json")
	fset.StringVar(&f.token, "token", "", "GitHub token (default $MOUNTGUARD_TOKEN, then $GITHUB_TOKEN)")
	fset.Int64Var(&f.installation, "installation", 0, "read as this installation of the App (needs MOUNTGUARD_APP_ID and its private key)")
	fset.StringVar(&f.githubURL, "github-url", "", "REST API base (default $MOUNTGUARD_GITHUB_URL, then https://api.github.com/)")
	fset.StringVar(&f.appSlug, "app-slug", ghapi.DefaultAppSlug, "the App whose exception records count (its <slug>[bot] wrote them)")
	fset.BoolVar(&f.includeRevoked, "include-revoked", false, "also list exceptions whose label was taken off")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	targets := fset.Args()
	if len(targets) == 0 {
		fmt.Fprintln(stderr, "mountguard exceptions: name at least one repository (owner/name) or organisation")
		fset.Usage()
		return exitUsage
	}
	if !slices.Contains([]string{"open", "merged", "closed", "all"}, f.state) {
		fmt.Fprintf(stderr, "mountguard exceptions: --state %q: use open, merged, closed or all\n", f.state)
		return exitUsage
	}
	if !slices.Contains([]string{"table", "csv", "json"}, f.format) {
		fmt.Fprintf(stderr, "mountguard exceptions: --format %q: use table, csv or json\n", f.format)
		return exitUsage
	}
	var since time.Time
	if f.since != "" {
		var err error
		if since, err = time.Parse("2006-01-02", f.since); err != nil {
			fmt.Fprintf(stderr, "mountguard exceptions: --since %q is not a date such as 2026-01-31\n", f.since)
			return exitUsage
		}
	}
	src, err := exceptionClient(f, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard exceptions:", err)
		return exitUsage
	}
	rows, err := listExceptions(ctx, src, targets, f, since, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mountguard exceptions:", err)
		return exitUsage
	}
	if err := writeExceptions(stdout, f.format, rows); err != nil {
		fmt.Fprintln(stderr, "mountguard exceptions: writing:", err)
		return exitUsage
	}
	return exitOK
}

func exceptionClient(f exceptionsFlags, getenv func(string) string) (*ghapi.Client, error) {
	base := f.githubURL
	if base == "" {
		base = getenv("MOUNTGUARD_GITHUB_URL")
	}
	if base == "" {
		base = ghapi.DefaultBaseURL
	}
	log := slog.New(slog.DiscardHandler)
	if f.installation > 0 {
		s, err := loadSettings("", func(k string) string {
			if k == "MOUNTGUARD_WEBHOOK_SECRET" && getenv(k) == "" {
				return "unused" // listing needs no webhook secret
			}
			return getenv(k)
		}, readFileOS)
		if err != nil {
			return nil, err
		}
		apps, err := ghapi.NewApps(ghapi.AppsOptions{AppID: s.AppID, PrivateKey: []byte(s.PrivateKey), BaseURL: base, Logger: log, AppSlug: f.appSlug})
		if err != nil {
			return nil, err
		}
		return apps.Installation(f.installation), nil
	}
	token := f.token
	for _, name := range []string{"MOUNTGUARD_TOKEN", "GITHUB_TOKEN"} {
		if token == "" {
			token = getenv(name)
		}
	}
	if token == "" {
		return nil, errors.New("no credentials: pass --token (or set MOUNTGUARD_TOKEN or GITHUB_TOKEN), or --installation with the App's id and key")
	}
	return ghapi.NewTokenClient(ghapi.TokenOptions{Token: token, BaseURL: base, Logger: log, AppSlug: f.appSlug})
}

// searchQuery finds the pull requests of a target whose conversation holds
// an exception record.
func searchQuery(target, state string, since time.Time) string {
	q := []string{`"` + exception.RecordHeading + `"`, "in:comments", "is:pr"}
	switch {
	case strings.HasPrefix(target, "user:"), strings.HasPrefix(target, "org:"):
		q = append(q, target)
	case strings.Contains(target, "/"):
		q = append(q, "repo:"+target)
	default:
		q = append(q, "org:"+target)
	}
	switch state {
	case "open":
		q = append(q, "is:open")
	case "merged":
		q = append(q, "is:merged")
	case "closed":
		q = append(q, "is:closed", "is:unmerged")
	}
	if !since.IsZero() {
		// An exception approved since then was recorded by an edit of the
		// pull request's conversation since then.
		q = append(q, "updated:>="+since.Format("2006-01-02"))
	}
	return strings.Join(q, " ")
}

func listExceptions(ctx context.Context, src exceptionSource, targets []string, f exceptionsFlags, since time.Time, warn io.Writer) ([]exceptionRow, error) {
	var rows []exceptionRow
	seen := map[string]bool{}
	for _, target := range targets {
		prs, err := src.SearchPullRequests(ctx, searchQuery(target, f.state, since))
		switch {
		case errors.Is(err, ghapi.ErrIncompleteResults):
			// GitHub returns at most 1000 results, and may stop early;
			// the listing is still useful, but must not look complete.
			fmt.Fprintf(warn, "mountguard exceptions: warning: GitHub's search of %s is incomplete (over 1000 pull requests, or it timed out); narrow it with --since or --state\n", target)
		case err != nil:
			return nil, fmt.Errorf("searching %s: %w", target, err)
		}
		for _, pr := range prs {
			key := pr.Repo.String() + "#" + strconv.Itoa(pr.Number)
			if seen[key] {
				continue
			}
			seen[key] = true
			comments, err := src.IssueComments(ctx, pr.Repo, pr.Number)
			if err != nil {
				return nil, fmt.Errorf("reading the comments of %s: %w", key, err)
			}
			for _, c := range comments {
				rec, ok := exception.ParseRecord(c.Body)
				if !ok || !c.ByApp {
					continue // only the App's own record is the audit trail
				}
				for _, e := range rec.Entries {
					if e.ApprovedAt.Before(since) || (!e.Active() && !f.includeRevoked) {
						continue
					}
					rows = append(rows, rowOf(pr, e))
				}
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b exceptionRow) int { return b.ApprovedAt.Compare(a.ApprovedAt) })
	return rows, nil
}

func rowOf(pr ghapi.PullRequestRef, e exception.Entry) exceptionRow {
	state := pr.State
	if pr.Merged {
		state = "merged"
	}
	r := exceptionRow{
		Rules: []string{},
		Repo:  pr.Repo.String(), PR: pr.Number, URL: pr.URL, State: state, Label: e.Label,
		Findings: len(e.Findings), ApprovedBy: e.ApprovedBy, ApprovedAt: e.ApprovedAt.UTC(),
		RevokedAt: e.RevokedAt, RevokedBy: e.RevokedBy,
	}
	var reasons []string
	for _, f := range e.Findings {
		if !slices.Contains(r.Rules, f.Rule) {
			r.Rules = append(r.Rules, f.Rule)
		}
		if f.Justification != "" && !slices.Contains(reasons, f.Justification) {
			reasons = append(reasons, f.Justification)
		}
	}
	if len(r.Rules) == 0 && e.Rule != "" {
		r.Rules = []string{e.Rule}
	}
	slices.Sort(r.Rules)
	r.Justification = strings.Join(reasons, "; ")
	return r
}

func writeExceptions(w io.Writer, format string, rows []exceptionRow) error {
	switch format {
	case "json":
		if rows == nil {
			rows = []exceptionRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"exceptions": rows})
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"repository", "pull_request", "state", "label", "rules", "findings", "approved_by", "approved_at", "justification", "revoked_at", "revoked_by", "url"})
		for _, r := range rows {
			_ = cw.Write([]string{r.Repo, strconv.Itoa(r.PR), r.State, r.Label, strings.Join(r.Rules, " "), strconv.Itoa(r.Findings),
				r.ApprovedBy, r.ApprovedAt.Format(time.RFC3339), r.Justification, formatTime(r.RevokedAt), r.RevokedBy, r.URL})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PULL REQUEST\tSTATE\tRULES\tAPPROVED BY\tDATE\tJUSTIFICATION")
	for _, r := range rows {
		state := r.State
		if !r.RevokedAt.IsZero() {
			state += " (revoked)"
		}
		fmt.Fprintf(tw, "%s#%d\t%s\t%s\t%s\t%s\t%s\n", r.Repo, r.PR, state, strings.Join(r.Rules, ","), r.ApprovedBy,
			r.ApprovedAt.Format("2006-01-02"), oneLineCell(r.Justification, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	noun := "exceptions"
	if len(rows) == 1 {
		noun = "exception"
	}
	_, err := fmt.Fprintf(w, "\n%d %s\n", len(rows), noun)
	return err
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// oneLineCell keeps a table cell on one line: justifications come from the
// compose files under review.
func oneLineCell(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

var _ exceptionSource = (*ghapi.Client)(nil)
