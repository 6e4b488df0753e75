package webhook

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mountguard/mountguard/checks"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
	"github.com/mountguard/mountguard/review/rules"
)

// Client is what reviewing needs from GitHub, for one installation.
type Client interface {
	pullreq.GitHub
	checks.API
	exception.GitHub
	PullRequest(ctx context.Context, repo pullreq.Repo, number int) (pullreq.PullRequest, error)
	PullRequestsForCommit(ctx context.Context, repo pullreq.Repo, sha string) ([]pullreq.PullRequest, error)
}

// ConfigPath is where a repository keeps its configuration, on its base
// branch; an organisation keeps its defaults at the same path in its
// ".github" repository.
const ConfigPath = ".github/mountguard.yml"

// maxConfigSize bounds the configuration file.
const maxConfigSize = 256 << 10

// DefaultExceptionHelp tells authors how to get a finding accepted.
const DefaultExceptionHelp = "If this mount is needed, explain why on the entry with `# mountguard: allow <rule-id> -- <reason>`; a security lead can grant an exception."

// ProcessorOptions configure a Processor.
type ProcessorOptions struct {
	// Client returns the GitHub client of an installation.
	Client func(installation int64) Client
	// CheckName is the check run's name, the one branch protection
	// requires (default "mountguard").
	CheckName string
	Cache     *pullreq.Cache
	Logger    *slog.Logger
	Metrics   *Metrics
	// ExceptionHelp ends every comment (default DefaultExceptionHelp).
	ExceptionHelp string
	// OrgConfigTTL is how long an organisation's configuration (or its
	// absence) is remembered (default 5 minutes).
	OrgConfigTTL time.Duration
	// ConfigRetries is how often a transient failure to read the
	// configuration is retried before the run fails (default 3).
	ConfigRetries int
	// RetryDelay is the first wait between such retries (default 1s).
	RetryDelay time.Duration
}

// Processor reviews the pull requests of an Event and reports each as a
// check run.
type Processor struct {
	opts ProcessorOptions
	log  *slog.Logger

	mu        sync.Mutex
	orgConfig map[string]orgConfig
	// automatic remembers the pull request heads reviewed because of a
	// push, so that check_suite.requested and pull_request.synchronize,
	// which GitHub both sends for one push, give one check run.
	automatic map[string]time.Time
	// ensured are the labels this process created, by repository.
	ensured map[pullreq.Repo]map[string]bool
}

type orgConfig struct {
	cfg     *config.Config
	err     *configError // an invalid file is remembered too
	fetched time.Time
}

// NewProcessor returns a Processor.
func NewProcessor(opts ProcessorOptions) *Processor {
	if opts.CheckName == "" {
		opts.CheckName = "mountguard"
	}
	if opts.ExceptionHelp == "" {
		opts.ExceptionHelp = DefaultExceptionHelp
	}
	if opts.OrgConfigTTL <= 0 {
		opts.OrgConfigTTL = 5 * time.Minute
	}
	if opts.ConfigRetries <= 0 {
		opts.ConfigRetries = 3
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	return &Processor{opts: opts, log: orDiscard(opts.Logger), orgConfig: map[string]orgConfig{}, automatic: map[string]time.Time{}, ensured: map[pullreq.Repo]map[string]bool{}}
}

// automaticTriggers are the events GitHub sends on its own for a push;
// the others are people asking for a (new) review.
var automaticTriggers = map[string]bool{
	"pull_request.opened": true, "pull_request.reopened": true, "pull_request.synchronize": true,
	"check_suite.requested": true,
}

// Process reviews every pull request of ev. A panic is turned into an
// error; the check runs it created are completed either way.
func (p *Processor) Process(ctx context.Context, ev Event) error {
	log := p.log.With("delivery", ev.Delivery, "action", ev.Name, "installation", ev.Installation, "repo", ev.Repo.String(), "sha", ev.HeadSHA)
	gh := p.opts.Client(ev.Installation)
	prs, err := p.pullRequests(ctx, gh, ev)
	if err != nil {
		return fmt.Errorf("finding the pull requests of %s at %.12s: %w", ev.Repo, ev.HeadSHA, err)
	}
	if len(prs) == 0 {
		log.Info("no open pull request has this head commit: nothing to review")
		return nil
	}
	var errs []error
	for _, pr := range prs {
		plog := log.With("pr", pr.Number)
		if automaticTriggers[ev.Name] && p.seenAutomatic(pr) {
			plog.Info("this head was already reviewed for the same push")
			continue
		}
		if ev.RequestReview {
			if err := p.requestReview(ctx, gh, pr, plog); err != nil {
				errs = append(errs, fmt.Errorf("%s#%d: %w", pr.Repo, pr.Number, err))
			}
			continue
		}
		if err := p.reviewOne(ctx, gh, pr, ev, plog); err != nil {
			errs = append(errs, fmt.Errorf("%s#%d: %w", pr.Repo, pr.Number, err))
			// The push was not reviewed: the other event GitHub sends
			// for it, or a redelivery, may try again.
			p.forgetAutomatic(pr)
		}
	}
	return errors.Join(errs...)
}

func (p *Processor) seenAutomatic(pr pullreq.PullRequest) bool {
	key := pr.Repo.String() + "#" + strconv.Itoa(pr.Number) + "@" + pr.HeadSHA
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, t := range p.automatic {
		if now.Sub(t) > 15*time.Minute {
			delete(p.automatic, k)
		}
	}
	if _, ok := p.automatic[key]; ok {
		return true
	}
	p.automatic[key] = now
	return false
}

func (p *Processor) forgetAutomatic(pr pullreq.PullRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.automatic, pr.Repo.String()+"#"+strconv.Itoa(pr.Number)+"@"+pr.HeadSHA)
}

// pullRequests completes what the payload says about its pull requests,
// or finds them by head SHA (check events from forks list none).
func (p *Processor) pullRequests(ctx context.Context, gh Client, ev Event) ([]pullreq.PullRequest, error) {
	if len(ev.PullRequests) == 0 {
		return gh.PullRequestsForCommit(ctx, ev.Repo, ev.HeadSHA)
	}
	out := make([]pullreq.PullRequest, 0, len(ev.PullRequests))
	for _, pr := range ev.PullRequests {
		// Check events list pull requests without their author, who
		// must not grant their own exceptions: fetch the whole of it.
		if pr.BaseSHA == "" || pr.BaseRef == "" || pr.Author == "" {
			full, err := gh.PullRequest(ctx, pr.Repo, pr.Number)
			if err != nil {
				return nil, err
			}
			full.HeadSHA = ev.HeadSHA // the run asked for is for this commit
			pr = full
		}
		out = append(out, pr)
	}
	return out, nil
}

// reviewOne runs one check run from start to completion.
func (p *Processor) reviewOne(ctx context.Context, gh Client, pr pullreq.PullRequest, ev Event, log *slog.Logger) (err error) {
	if labelTrigger(ev).Action != "" {
		// Only labels of the exception workflow change anything; the
		// configuration (cached) says which they are.
		cfg, _, err := p.config(ctx, gh, pr)
		if err == nil && !exception.IsWorkflowLabel(cfg.ExceptionSettings(), ev.Label) {
			log.Debug("label event ignored: not a mountguard label", "label", ev.Label)
			return nil
		}
	}
	repo := checks.Repo{Owner: pr.Repo.Owner, Name: pr.Repo.Name}
	rep, err := checks.Start(ctx, gh, repo, p.opts.CheckName, pr.HeadSHA, strconv.Itoa(pr.Number))
	if err != nil {
		return fmt.Errorf("creating the check run: %w", err)
	}
	log = log.With("check_run", rep.ID())
	errorConclusion := checks.ConclusionNeutral
	defer func() {
		if r := recover(); r != nil {
			log.Error("review panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("internal error: %v", r)
		}
		if err == nil {
			return
		}
		// The job's context may be what ended; completing the run must
		// not depend on it, or the run would stay in progress forever.
		failCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if ferr := rep.Fail(failCtx, errorConclusion, err); ferr != nil {
			log.Error("could not complete the check run after a failure", "error", ferr)
		} else {
			p.opts.Metrics.checkRun(errorConclusion)
		}
		log.Error("review failed", "error", err)
	}()

	cfg, source, err := p.config(ctx, gh, pr)
	var cerr *configError
	if errors.As(err, &cerr) {
		conclusion, out, ann := checks.InvalidConfig(cerr.repo, cerr.path, cerr.err.Line, cerr.err.Msg)
		log.Warn("invalid configuration", "config_repo", cerr.repo, "path", cerr.path, "line", cerr.err.Line, "error", cerr.err.Msg)
		return p.complete(ctx, rep, log, conclusion, out, ann)
	}
	if err != nil {
		return err
	}
	if cfg.App().ErrorConclusion == "failure" {
		errorConclusion = checks.ConclusionFailure
	}
	outcome, err := pullreq.Run(ctx, gh, pr, pullreq.Options{
		Config: cfg, Cache: p.opts.Cache, ExceptionHelp: p.opts.ExceptionHelp, Fresh: ev.Fresh, Logger: log,
	})
	if err != nil {
		return err
	}
	// Exceptions are decided on the new findings that would fail the
	// run; with none (no compose change left), the workflow still takes
	// off a needs-review label an earlier run put on.
	failOn := cfg.App().FailOn
	var blocking []rules.Finding
	for _, f := range outcome.Findings {
		if f.New && failOn != rules.Off && f.Severity >= failOn {
			blocking = append(blocking, f.Finding)
		}
	}
	if len(blocking) > 0 {
		// From here on, an error must not let a neutral conclusion pass
		// a required check over findings no one excepted.
		errorConclusion = checks.ConclusionFailure
	}
	settings := cfg.ExceptionSettings()
	var ruleIDs []string
	for _, f := range blocking {
		ruleIDs = append(ruleIDs, f.Rule)
	}
	needed := exception.LabelSpecs(settings, ruleIDs...)
	exc, err := exception.Evaluate(ctx, gh, pr, blocking, exception.Options{
		Settings:      settings,
		Labels:        ev.Labels,
		LabelsKnown:   ev.LabelsKnown,
		Trigger:       labelTrigger(ev),
		LabelsEnsured: p.labelsEnsured(pr.Repo, needed),
		Fresh:         ev.Fresh,
		WebURL:        ev.WebURL,
		Logger:        log,
	})
	if err != nil {
		return fmt.Errorf("applying exceptions: %w", err)
	}
	if exc.LabelsEnsured {
		p.markLabelsEnsured(pr.Repo, needed)
	}
	if exc.NeedsReview {
		rep.SetActions([]checks.Action{{Label: "Request review", Description: "Ask the security team to review", Identifier: RequestReviewAction}})
	}
	if outcome.NoCompose {
		conclusion, out := checks.NoComposeChanges()
		return p.complete(ctx, rep, log, conclusion, out, nil)
	}
	report := checks.Report{
		HeadSHA:        pr.HeadSHA,
		Files:          outcome.Files,
		FailOn:         failOn,
		Fixed:          outcome.Fixed,
		ExceptionHelp:  p.opts.ExceptionHelp,
		Notes:          []string{"Configuration: " + source + "."},
		PassConclusion: settings.Conclusion,
	}
	for _, f := range outcome.Findings {
		it := checks.Item{Finding: f.Finding, New: f.New, Inline: f.Inline}
		if a, ok := exc.Covered[f.Fingerprint]; ok {
			it.Exception = &checks.Exception{Label: a.Label, ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt}
		}
		report.Items = append(report.Items, it)
	}
	conclusion, out, ann := checks.Render(report)
	log.Info("review done", "conclusion", conclusion, "findings", len(outcome.Findings), "inline", outcome.Posted, "folded", outcome.Folded, "fixed", outcome.Fixed, "excepted", len(exc.Covered), "needs_review", exc.NeedsReview)
	return p.complete(ctx, rep, log, conclusion, out, ann)
}

// complete reports the run's result. A run that GitHub completed but
// without all its annotations keeps its result (its summary says what is
// missing): treating that as a failed review would overwrite a verdict
// that was delivered, and count the run twice.
func (p *Processor) complete(ctx context.Context, rep *checks.Reporter, log *slog.Logger, conclusion string, out checks.Output, ann []checks.Annotation) error {
	err := rep.Complete(ctx, conclusion, out, ann)
	var inc *checks.IncompleteError
	switch {
	case errors.As(err, &inc):
		log.Warn("check run completed without all its annotations", "conclusion", conclusion, "annotations_sent", inc.Sent, "annotations", inc.Total, "error", inc.Err)
	case err != nil:
		return err
	}
	p.opts.Metrics.checkRun(conclusion)
	return nil
}

// labelTrigger is the label event that started the run, if it was one.
func labelTrigger(ev Event) exception.Trigger {
	if ev.Name != "pull_request.labeled" && ev.Name != "pull_request.unlabeled" {
		return exception.Trigger{}
	}
	return exception.Trigger{Action: strings.TrimPrefix(ev.Name, "pull_request."), Label: ev.Label, Sender: ev.Sender}
}

// labelsEnsured reports whether this process already created every one of
// the labels in the repository: an allow label for a rule no earlier pull
// request needed is still created.
func (p *Processor) labelsEnsured(repo pullreq.Repo, labels []exception.LabelSpec) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range labels {
		if !p.ensured[repo][strings.ToLower(l.Name)] {
			return false
		}
	}
	return true
}

func (p *Processor) markLabelsEnsured(repo pullreq.Repo, labels []exception.LabelSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ensured[repo] == nil {
		p.ensured[repo] = map[string]bool{}
	}
	for _, l := range labels {
		p.ensured[repo][strings.ToLower(l.Name)] = true
	}
}

// requestReview answers the check run's "Request review" button: the pull
// request gets the needs-review label, and the configured security team is
// asked to review it. No new check run is made: nothing changed.
func (p *Processor) requestReview(ctx context.Context, gh Client, pr pullreq.PullRequest, log *slog.Logger) error {
	cfg, _, err := p.config(ctx, gh, pr)
	var cerr *configError
	if errors.As(err, &cerr) {
		cfg, err = config.Default(), nil // the button still works with a broken configuration
	}
	if err != nil {
		return err
	}
	s := cfg.ExceptionSettings()
	if specs := exception.LabelSpecs(s); !p.labelsEnsured(pr.Repo, specs) {
		if err := gh.EnsureLabels(ctx, pr.Repo, specs); err != nil {
			return fmt.Errorf("creating the labels: %w", err)
		}
		p.markLabelsEnsured(pr.Repo, specs)
	}
	if err := gh.AddLabels(ctx, pr.Repo, pr.Number, []string{s.NeedsReview.Name}); err != nil {
		return fmt.Errorf("adding the label %q: %w", s.NeedsReview.Name, err)
	}
	if s.ReviewTeam == "" {
		log.Info("review requested: labeled; no review_team is configured to ask")
		return nil
	}
	_, slug, _ := strings.Cut(s.ReviewTeam, "/")
	if err := gh.RequestTeamReview(ctx, pr.Repo, pr.Number, slug); err != nil {
		return fmt.Errorf("asking %s to review: %w", s.ReviewTeam, err)
	}
	log.Info("review requested", "team", s.ReviewTeam)
	return nil
}

// configError is an invalid configuration file: the author's mistake,
// reported on the file's line.
type configError struct {
	repo string // "" for the repository under review; else "OWNER/.github"
	path string
	err  *config.Error
}

func (e *configError) Error() string {
	if e.repo != "" {
		return e.repo + ": " + e.path + ": " + e.err.Error()
	}
	return e.path + ": " + e.err.Error()
}

// config reads the repository's configuration from the base commit (a pull
// request can never weaken its own review), else the organisation's from
// its .github repository, else the defaults. Transient failures are
// retried rather than reported as a red check.
func (p *Processor) config(ctx context.Context, gh Client, pr pullreq.PullRequest) (*config.Config, string, error) {
	var lastErr error
	delay := p.opts.RetryDelay
	for attempt := 0; attempt < p.opts.ConfigRetries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, "", ctx.Err()
			case <-time.After(delay):
			}
			delay *= 2
		}
		cfg, source, err := p.readConfig(ctx, gh, pr)
		var cerr *configError
		if err == nil || errors.As(err, &cerr) {
			return cfg, source, err
		}
		lastErr = err
	}
	return nil, "", fmt.Errorf("reading the configuration failed %d times: %w", p.opts.ConfigRetries, lastErr)
}

func (p *Processor) readConfig(ctx context.Context, gh Client, pr pullreq.PullRequest) (*config.Config, string, error) {
	// The review needs the base tree anyway (the cache keeps it), and it
	// says whether the file is there: most repositories have none.
	paths, truncated, err := p.opts.Cache.Tree(ctx, gh, pr.Repo, pr.BaseSHA)
	if err != nil {
		return nil, "", err
	}
	var data []byte
	var size int64
	if truncated || slices.Contains(paths, ConfigPath) {
		data, size, err = p.opts.Cache.ReadFile(ctx, gh, pr.Repo, ConfigPath, pr.BaseSHA, maxConfigSize)
	} else {
		err = fs.ErrNotExist
	}
	switch {
	case err == nil && data == nil:
		return nil, "", &configError{path: ConfigPath, err: &config.Error{Line: 1, Msg: fmt.Sprintf("the file is %d bytes; a configuration file must be under %d", size, maxConfigSize)}}
	case err == nil:
		cfg, perr := parseConfig(ConfigPath, data)
		return cfg, fmt.Sprintf("%s on %s", ConfigPath, pr.BaseRef), perr
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", err
	}
	cfg, err := p.orgDefaults(ctx, gh, pr.Repo.Owner)
	switch {
	case err != nil:
		return nil, "", err
	case cfg != nil:
		return cfg, fmt.Sprintf("%s in %s/.github", ConfigPath, pr.Repo.Owner), nil
	}
	return config.Default(), "built-in defaults (no " + ConfigPath + ")", nil
}

func parseConfig(path string, data []byte) (*config.Config, error) {
	cfg, err := config.Parse(data)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		return nil, &configError{path: path, err: cerr}
	}
	return cfg, err
}

// orgDefaults reads the organisation's configuration, remembering it (its
// absence, or its being invalid) for a while: every pull request of the
// organisation would otherwise pay a request for it.
func (p *Processor) orgDefaults(ctx context.Context, gh Client, owner string) (*config.Config, error) {
	p.mu.Lock()
	cached, ok := p.orgConfig[owner]
	p.mu.Unlock()
	if ok && time.Since(cached.fetched) < p.opts.OrgConfigTTL {
		if cached.err != nil {
			return nil, cached.err
		}
		return cached.cfg, nil
	}
	orgRepo := owner + "/.github"
	data, _, err := gh.Contents(ctx, pullreq.Repo{Owner: owner, Name: ".github"}, ConfigPath, "", maxConfigSize)
	entry := orgConfig{fetched: time.Now()}
	switch {
	case err == nil && data == nil:
		entry.err = &configError{repo: orgRepo, path: ConfigPath, err: &config.Error{Line: 1, Msg: fmt.Sprintf("the file is over %d bytes", maxConfigSize)}}
	case err == nil:
		cfg, perr := parseConfig(ConfigPath, data)
		var cerr *configError
		switch {
		case errors.As(perr, &cerr):
			cerr.repo = orgRepo
			entry.err = cerr
		case perr != nil:
			return nil, perr
		}
		entry.cfg = cfg
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	p.mu.Lock()
	p.orgConfig[owner] = entry
	p.mu.Unlock()
	if entry.err != nil {
		return nil, entry.err
	}
	return entry.cfg, nil
}
