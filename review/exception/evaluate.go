// Package exception is the exception workflow: security leads grant
// exceptions to mountguard's blocking findings by applying labels to a
// pull request, and the App keeps an audit trail of every grant in one
// conversation comment, the exception record.
//
// A grant counts only when an approver applied the label, one who neither
// opened the pull request nor wrote any of its commits (an exception is a
// second person's decision), and it covers the fingerprints of the
// blocking findings present at that moment: a finding added later is not
// covered, even of the same rule, so a pull request cannot be approved
// once and then grow. Removing the label revokes the grant; the record
// keeps it, marked revoked.
//
// Everything fails closed: an error from GitHub returns an error and
// grants nothing.
package exception

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/mdsafe"
	"github.com/mountguard/mountguard/review/pullreq"
	"github.com/mountguard/mountguard/review/rules"
)

// Options for one evaluation.
type Options struct {
	Settings config.ExceptionSettings
	// Labels are the pull request's labels, as the pull_request payload
	// carries them; used when LabelsKnown, so that IssueLabels is not
	// called.
	Labels      []string
	LabelsKnown bool
	// Trigger is the label event that started this run; zero for any
	// other event.
	Trigger Trigger
	// LabelsEnsured says the caller already created the App's labels in
	// this repository during this process, so EnsureLabels is skipped.
	LabelsEnsured bool
	// Fresh says the pull request was just opened: it can have no record
	// yet, so none is read. Any other run reads the record when it may
	// matter, so that an exception whose label was taken off while the
	// webhook was missed is still found revoked.
	Fresh bool
	// WebURL is the GitHub instance's web address (DefaultWebURL when
	// empty), which the comments' links to users and teams start with.
	WebURL string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger is the caller's, which already names the repository and
	// the pull request.
	Logger *slog.Logger
}

// Trigger is a labeled or unlabeled event of the pull request.
type Trigger struct {
	Action string // "labeled" or "unlabeled"
	Label  string
	Sender string // who applied or removed the label
}

// Approval is the grant that covers a finding.
type Approval struct {
	Label      string
	ApprovedBy string
	ApprovedAt time.Time
}

// Reason says why an exception label counts for nothing.
type Reason int

const (
	// UnknownApplier: no labeled event says who applied the label.
	UnknownApplier Reason = iota + 1
	// NotApprover: whoever applied it may not grant exceptions.
	NotApprover
	// PRAuthor: the pull request's author applied it; no one grants an
	// exception to their own changes, approver or not.
	PRAuthor
	// CommitAuthor: an approver applied it who wrote commits in the pull
	// request (a maintainer who pushed into someone else's branch), and
	// would be approving their own code.
	CommitAuthor
)

func (r Reason) String() string {
	switch r {
	case UnknownApplier:
		return "unknown applier"
	case NotApprover:
		return "not an approver"
	case PRAuthor:
		return "author of the pull request"
	case CommitAuthor:
		return "author of commits in the pull request"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Rejection is an exception label that does not count, and why.
type Rejection struct {
	Label     string
	AppliedBy string // "" when no labeled event names who applied it
	Reason    Reason
	// Commits are, for CommitAuthor, the SHAs of the pull request's
	// commits that AppliedBy wrote, oldest first.
	Commits []string
	// Commented reports that this run explained the rejection in a
	// comment (it was the label's own labeled event); Removed that it took
	// the label off.
	Commented bool
	Removed   bool
}

// Outcome is what an evaluation decided and did.
type Outcome struct {
	// Covered maps the fingerprint of each covered blocking finding to
	// the earliest active grant that covers it.
	Covered map[string]Approval
	// Uncovered are the blocking findings no active grant covers, in the
	// order given.
	Uncovered []rules.Finding
	// Active are the grants in effect, oldest first, for the check run
	// summary. Their Findings are what each grant covers, including
	// findings fixed since.
	Active []Entry
	// Revoked are the grants this run found revoked.
	Revoked []Entry
	// Rejected are exception labels on the pull request that count for
	// nothing.
	Rejected []Rejection
	// UnknownRules are allow labels (as on the pull request) naming no
	// known rule; they are ignored.
	UnknownRules []string
	// NeedsReview is true while a blocking finding is uncovered.
	NeedsReview bool
	// LabelsEnsured reports that this run created the App's labels (the
	// caller can then set Options.LabelsEnsured for this repository).
	LabelsEnsured bool
	// RecordCommentID is the record comment's id; 0 when the pull request
	// has none (or it was not needed in this run).
	RecordCommentID int64
}

// run is one evaluation's state: what it read once and may need again.
type run struct {
	gh    GitHub
	pr    pullreq.PullRequest
	opts  Options
	log   *slog.Logger
	now   time.Time
	appr  *approvers
	evs   []LabelEvent
	evsOK bool
	// commits are the pull request's, read only when an approver's label
	// would become a new grant.
	commits   []Commit
	commitsOK bool
}

// presentLabel is an exception label on the pull request.
type presentLabel struct {
	name string
	rule string // "" for the blanket label
}

// Evaluate runs the exception workflow once, after a review: it reads the
// pull request's exception labels, decides which grants count, keeps the
// record comment, answers a refused label, sets or clears the
// needs-review label and notes the exception on inline comments. blocking
// are the head commit's findings that fail the check. It asks GitHub only
// for what this run needs: without an exception label involved it makes
// no call beyond the labels.
func Evaluate(ctx context.Context, gh GitHub, pr pullreq.PullRequest, blocking []rules.Finding, opts Options) (*Outcome, error) {
	r := &run{gh: gh, pr: pr, opts: opts, log: opts.Logger}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// Whole seconds: the record shows minutes, and a stable value keeps
	// the record comment from changing for nothing.
	r.now = now().UTC().Truncate(time.Second)
	r.appr = &approvers{gh: gh, r: r, verdicts: map[string]bool{}}
	s := opts.Settings
	out := &Outcome{Covered: map[string]Approval{}}

	labels := opts.Labels
	if !opts.LabelsKnown {
		var err error
		if labels, err = gh.IssueLabels(ctx, pr.Repo, pr.Number); err != nil {
			return nil, fmt.Errorf("listing the labels of %s#%d: %w", pr.Repo, pr.Number, err)
		}
	}
	var present []presentLabel
	onPR := map[string]bool{}
	hasNeedsReview := false
	for _, l := range labels {
		kind, rule := classify(l, s)
		switch kind {
		case blanketLabel, allowLabel:
			if !onPR[strings.ToLower(l)] {
				onPR[strings.ToLower(l)] = true
				present = append(present, presentLabel{l, rule})
			}
		case unknownAllow:
			out.UnknownRules = append(out.UnknownRules, l)
			r.log.Warn("exceptions: ignoring an allow label that names no rule", "label", l)
		case needsReview:
			hasNeedsReview = true
		}
	}

	trig := opts.Trigger
	var (
		rec      Record
		recID    int64
		recBody  string
		refusals []Rejection // to explain in a comment
	)
	// Without an exception label the record matters only if it still has
	// an active entry (its label's removal was missed): read it whenever
	// blocking findings or the needs-review label could be affected.
	maybeStale := !opts.Fresh && (len(blocking) > 0 || onPR[strings.ToLower(s.NeedsReview.Name)])
	if len(present) > 0 || (trig.Action == "unlabeled" && isException(trig.Label, s)) || maybeStale {
		var err error
		if rec, recID, recBody, err = r.readRecord(ctx); err != nil {
			return nil, err
		}
		out.RecordCommentID = recID
		out.Revoked = r.revoke(ctx, &rec, onPR)
		for _, p := range present {
			e, rej, own, err := r.grant(ctx, rec, p, blocking)
			if err != nil {
				return nil, err
			}
			switch {
			case e != nil:
				rec.Entries = append(rec.Entries, *e)
				r.log.Info("exceptions: granted", "label", e.Label, "approved_by", e.ApprovedBy, "findings", len(e.Findings))
			case rej != nil && own:
				refusals = append(refusals, *rej)
			case rej != nil:
				out.Rejected = append(out.Rejected, *rej)
			}
		}
	}

	// What the active grants cover: each fingerprint goes to the earliest
	// grant, which is the one that first accepted it.
	approvalOf := map[string]Approval{}
	for _, e := range rec.Entries {
		if !e.Active() {
			continue
		}
		out.Active = append(out.Active, e)
		for _, f := range e.Findings {
			if _, ok := approvalOf[f.Fingerprint]; !ok {
				approvalOf[f.Fingerprint] = Approval{Label: e.Label, ApprovedBy: e.ApprovedBy, ApprovedAt: e.ApprovedAt}
			}
		}
	}
	for _, f := range blocking {
		fp := fingerprint(f)
		if a, ok := approvalOf[fp]; ok {
			out.Covered[fp] = a
		} else {
			out.Uncovered = append(out.Uncovered, f)
		}
	}
	out.NeedsReview = len(out.Uncovered) > 0

	// Writes come last, once every decision is made, the record first: it
	// is the audit trail of the grants the outcome reports.
	if len(rec.Entries) > 0 {
		id, err := r.writeRecord(ctx, rec, recID, recBody, blocking)
		if err != nil {
			return nil, err
		}
		out.RecordCommentID = id
	}
	for _, rej := range refusals {
		rej, err := r.refuse(ctx, rej)
		if err != nil {
			return nil, err
		}
		out.Rejected = append(out.Rejected, rej)
	}
	if err := r.needsReview(ctx, out, hasNeedsReview); err != nil {
		return nil, err
	}
	if len(rec.Entries) > 0 {
		if err := r.noteComments(ctx, out.Covered, blocking); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readRecord finds the record comment: the App's own comment with a record
// marker. A comment of the App whose marker cannot be read is an error, not
// a reason to start a new record: that would split the audit trail.
func (r *run) readRecord(ctx context.Context) (rec Record, id int64, body string, err error) {
	comments, err := r.gh.IssueComments(ctx, r.pr.Repo, r.pr.Number)
	if err != nil {
		return Record{}, 0, "", fmt.Errorf("listing the comments of %s#%d to read the exception record: %w", r.pr.Repo, r.pr.Number, err)
	}
	for _, c := range comments {
		if !c.ByApp {
			continue
		}
		got, found, perr := findRecord(c.Body)
		if !found {
			continue
		}
		if perr != nil {
			return Record{}, 0, "", fmt.Errorf("reading the exception record in comment %d of %s#%d: %w", c.ID, r.pr.Repo, r.pr.Number, perr)
		}
		if id != 0 {
			// Two runs raced to create it. The first stays the record;
			// the other is left alone, as deleting is not ours to do.
			r.log.Warn("exceptions: more than one record comment; using the first", "used", id, "ignored", c.ID)
			continue
		}
		rec, id, body = got, c.ID, c.Body
	}
	return rec, id, body, nil
}

// revoke marks revoked the active entries whose label is no longer on the
// pull request, and returns them.
func (r *run) revoke(ctx context.Context, rec *Record, onPR map[string]bool) []Entry {
	var revoked []Entry
	trig := r.opts.Trigger
	for i := range rec.Entries {
		e := &rec.Entries[i]
		if !e.Active() || onPR[strings.ToLower(e.Label)] {
			continue
		}
		e.RevokedAt = r.now
		if trig.Action == "unlabeled" && strings.EqualFold(trig.Label, e.Label) {
			e.RevokedBy = trig.Sender
		} else {
			// A missed event (or one still queued): the issue events say
			// who took the label off. This only fills in the record; the
			// revocation stands whatever they say, so a failure to read
			// them is logged, not returned.
			ev, ok, err := r.lastEvent(ctx, "unlabeled", e.Label)
			switch {
			case err != nil:
				r.log.Warn("exceptions: cannot tell who removed a label", "label", e.Label, "error", err)
			case ok && !ev.At.IsZero() && !ev.At.Before(e.ApprovedAt):
				e.RevokedBy, e.RevokedAt = ev.Actor, ev.At.UTC().Truncate(time.Second)
			}
		}
		r.log.Info("exceptions: revoked", "label", e.Label, "approved_by", e.ApprovedBy, "revoked_by", e.RevokedBy)
		revoked = append(revoked, *e)
	}
	return revoked
}

// grant decides about one exception label on the pull request: it keeps
// counting if a grant for it is active; otherwise it becomes a new grant
// if an approver who is neither the pull request's author nor the author
// of any of its commits applied it (e), and is refused if not (rej; own when
// this run is the label's own labeled event, which is the one run that
// answers it, so that the answer is never repeated).
func (r *run) grant(ctx context.Context, rec Record, p presentLabel, blocking []rules.Finding) (e *Entry, rej *Rejection, own bool, err error) {
	for _, x := range rec.Entries {
		if x.Active() && strings.EqualFold(x.Label, p.name) {
			return nil, nil, false, nil
		}
	}
	trig := r.opts.Trigger
	applier, at := "", r.now
	if trig.Action == "labeled" && strings.EqualFold(trig.Label, p.name) && trig.Sender != "" {
		applier, own = trig.Sender, true
	} else {
		ev, ok, err := r.lastEvent(ctx, "labeled", p.name)
		if err != nil {
			return nil, nil, false, fmt.Errorf("finding who applied the label %q to %s#%d: %w", p.name, r.pr.Repo, r.pr.Number, err)
		}
		if ok {
			applier = ev.Actor
			if !ev.At.IsZero() {
				at = ev.At.UTC().Truncate(time.Second)
			}
		}
	}
	if applier == "" {
		r.log.Warn("exceptions: no event says who applied the label, so it counts for nothing", "label", p.name)
		return nil, &Rejection{Label: p.name, Reason: UnknownApplier}, false, nil
	}
	if r.pr.Author != "" && strings.EqualFold(applier, r.pr.Author) {
		r.log.Info("exceptions: the pull request's author applied an exception label; it does not count", "label", p.name, "applied_by", applier)
		return nil, &Rejection{Label: p.name, AppliedBy: applier, Reason: PRAuthor}, own, nil
	}
	ok, err := r.appr.check(ctx, applier)
	if err != nil {
		return nil, nil, false, fmt.Errorf("deciding whether %s may grant the exception %q on %s#%d: %w", applier, p.name, r.pr.Repo, r.pr.Number, err)
	}
	if !ok {
		if !own {
			r.log.Info("exceptions: ignoring a label applied by someone who may not approve", "label", p.name, "applied_by", applier)
		}
		return nil, &Rejection{Label: p.name, AppliedBy: applier, Reason: NotApprover}, own, nil
	}
	// Last, as it costs a request that only a would-be grant needs: an
	// approver who wrote part of the change would be approving their own
	// code, which the author rule alone misses when a maintainer pushed
	// into someone else's pull request.
	wrote, err := r.commitsBy(ctx, applier)
	if err != nil {
		return nil, nil, false, fmt.Errorf("checking whether %s, who applied the label %q, wrote commits in %s#%d (listing its commits): %w", applier, p.name, r.pr.Repo, r.pr.Number, err)
	}
	if len(wrote) > 0 {
		r.log.Info("exceptions: an approver who wrote commits in the pull request applied an exception label; it does not count",
			"label", p.name, "applied_by", applier, "commits", len(wrote), "first_commit", wrote[0])
		return nil, &Rejection{Label: p.name, AppliedBy: applier, Reason: CommitAuthor, Commits: wrote}, own, nil
	}
	return &Entry{Label: p.name, Rule: p.rule, ApprovedBy: applier, ApprovedAt: at, Findings: inScope(blocking, p.rule)}, nil, false, nil
}

// lastEvent is the latest event of the pull request with this action and
// label. The events are read at most once per run.
func (r *run) lastEvent(ctx context.Context, action, label string) (LabelEvent, bool, error) {
	if !r.evsOK {
		evs, err := r.gh.LabelEvents(ctx, r.pr.Repo, r.pr.Number)
		if err != nil {
			return LabelEvent{}, false, fmt.Errorf("listing the label events of %s#%d: %w", r.pr.Repo, r.pr.Number, err)
		}
		r.evs, r.evsOK = evs, true
	}
	for i := len(r.evs) - 1; i >= 0; i-- {
		if ev := r.evs[i]; ev.Action == action && strings.EqualFold(ev.Label, label) {
			return ev, true, nil
		}
	}
	return LabelEvent{}, false, nil
}

// commitsBy returns the SHAs of the pull request's commits that user
// wrote, oldest first. The commits are read at most once per run.
//
// Only a commit's author counts, as GitHub links it to an account: the
// author wrote the change. Its committer may only have moved it (a
// maintainer who rebased the branch, or GitHub itself for a commit made in
// the web UI), and is not the person the exception is for. Merge commits
// are skipped: the "Update branch" button, or a merge of the base branch,
// records whoever pressed it as the author of a commit that brings in
// changes already reviewed on the base. A commit whose email belongs to no
// GitHub account has no login, so it names no one.
func (r *run) commitsBy(ctx context.Context, user string) ([]string, error) {
	if !r.commitsOK {
		commits, truncated, err := r.gh.PullCommits(ctx, r.pr.Repo, r.pr.Number)
		if err != nil {
			// The caller says what for, and GitHub's client what failed.
			return nil, err
		}
		if truncated {
			// GitHub lists the oldest 250 only; the authors of the later
			// ones cannot be checked. Refusing every label on such a pull
			// request would leave it no way through, so the grant goes
			// ahead on what is known, and the log says so.
			r.log.Warn("exceptions: the pull request has more commits than GitHub lists; the authors of the later ones are not checked",
				"listed", len(commits), "limit", MaxPullCommits)
		}
		r.commits, r.commitsOK = commits, true
	}
	var shas []string
	for _, c := range r.commits {
		if c.Parents <= 1 && c.Author != "" && strings.EqualFold(c.Author, user) {
			shas = append(shas, c.SHA)
		}
	}
	return shas, nil
}

// inScope records the blocking findings a new grant covers: all of them
// for the blanket label, one rule's for an allow label.
func inScope(blocking []rules.Finding, rule string) []CoveredFinding {
	seen := map[string]bool{}
	out := []CoveredFinding{}
	for _, f := range blocking {
		fp := fingerprint(f)
		if (rule != "" && f.Rule != rule) || seen[fp] {
			continue
		}
		seen[fp] = true
		out = append(out, CoveredFinding{
			Fingerprint: fp, Rule: f.Rule, File: f.Loc.File, Line: f.Loc.Line, Service: f.Service,
			Message: mdsafe.Truncate(f.Message, maxMessage), Justification: mdsafe.Truncate(f.Justification, maxJustification),
		})
	}
	return sortedCovered(out)
}

// fingerprint is a finding's fingerprint, computed the way the rules do
// when the caller left it out, as review/comment does.
func fingerprint(f rules.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return rules.Fingerprint(f.Rule, f.Loc.File, f.Service, f.Target, f.Source)
}

// writeRecord creates the record comment, or edits it when its body
// changes.
func (r *run) writeRecord(ctx context.Context, rec Record, id int64, old string, blocking []rules.Finding) (int64, error) {
	body, err := RenderRecord(rec, blocking, r.opts.WebURL)
	if err != nil {
		return 0, fmt.Errorf("rendering the exception record of %s#%d: %w", r.pr.Repo, r.pr.Number, err)
	}
	switch {
	case id == 0:
		if id, err = r.gh.CreateIssueComment(ctx, r.pr.Repo, r.pr.Number, body); err != nil {
			return 0, fmt.Errorf("posting the exception record on %s#%d: %w", r.pr.Repo, r.pr.Number, err)
		}
	case body != old:
		if err := r.gh.EditIssueComment(ctx, r.pr.Repo, id, body); err != nil {
			return 0, fmt.Errorf("updating the exception record (comment %d) on %s#%d: %w", id, r.pr.Repo, r.pr.Number, err)
		}
	}
	return id, nil
}

// refuse answers a label refused on its own labeled event: one comment,
// then (if configured) the label comes off.
func (r *run) refuse(ctx context.Context, rej Rejection) (Rejection, error) {
	s := r.opts.Settings
	body := renderRejection(rej, s, s.RemoveUnauthorized, webRoot(r.opts.WebURL))
	if _, err := r.gh.CreateIssueComment(ctx, r.pr.Repo, r.pr.Number, body); err != nil {
		return rej, fmt.Errorf("explaining on %s#%d why the label %q does not count: %w", r.pr.Repo, r.pr.Number, rej.Label, err)
	}
	rej.Commented = true
	r.log.Info("exceptions: refused a label", "label", rej.Label, "applied_by", rej.AppliedBy, "reason", rej.Reason.String())
	if s.RemoveUnauthorized {
		if err := r.gh.RemoveLabel(ctx, r.pr.Repo, r.pr.Number, rej.Label); err != nil {
			return rej, fmt.Errorf("removing the label %q that %s may not apply from %s#%d: %w", rej.Label, rej.AppliedBy, r.pr.Repo, r.pr.Number, err)
		}
		rej.Removed = true
	}
	return rej, nil
}

// needsReview puts the needs-review label on while a blocking finding is
// uncovered, and takes it off once none is.
func (r *run) needsReview(ctx context.Context, out *Outcome, present bool) error {
	s := r.opts.Settings
	name := s.NeedsReview.Name
	switch {
	case name == "":
	case out.NeedsReview && !present:
		if !r.opts.LabelsEnsured {
			var ids []string
			for _, f := range out.Uncovered {
				ids = append(ids, f.Rule)
			}
			if err := r.gh.EnsureLabels(ctx, r.pr.Repo, LabelSpecs(s, ids...)); err != nil {
				return fmt.Errorf("creating mountguard's labels in %s: %w", r.pr.Repo, err)
			}
			out.LabelsEnsured = true
		}
		if err := r.gh.AddLabels(ctx, r.pr.Repo, r.pr.Number, []string{name}); err != nil {
			return fmt.Errorf("adding the label %q to %s#%d: %w", name, r.pr.Repo, r.pr.Number, err)
		}
	case !out.NeedsReview && present:
		if err := r.gh.RemoveLabel(ctx, r.pr.Repo, r.pr.Number, name); err != nil {
			return fmt.Errorf("removing the label %q from %s#%d: %w", name, r.pr.Repo, r.pr.Number, err)
		}
	}
	return nil
}

// noteComments keeps the exception note of the App's inline comments in
// step with the grants: a comment whose blocking findings are all covered
// says so; any other loses the note.
func (r *run) noteComments(ctx context.Context, covered map[string]Approval, blocking []rules.Finding) error {
	comments, err := r.gh.ReviewComments(ctx, r.pr)
	if err != nil {
		return fmt.Errorf("listing the review comments of %s#%d: %w", r.pr.Repo, r.pr.Number, err)
	}
	isBlocking := map[string]bool{}
	for _, f := range blocking {
		isBlocking[fingerprint(f)] = true
	}
	for _, c := range comments {
		if !c.ByApp {
			continue
		}
		m, ok := comment.ParseMarker(c.Body)
		if !ok {
			continue
		}
		note := ""
		if m.FixedIn == "" {
			note = commentNote(m.Fingerprints, isBlocking, covered, webRoot(r.opts.WebURL))
		}
		if body := comment.SetException(c.Body, note); body != c.Body {
			if err := r.gh.EditComment(ctx, r.pr.Repo, c.ID, body); err != nil {
				return fmt.Errorf("updating the exception note of review comment %d on %s#%d: %w", c.ID, r.pr.Repo, r.pr.Number, err)
			}
		}
	}
	return nil
}

// commentNote is the note for a comment with these fingerprints: "" unless
// it has blocking findings and all of them are covered. Its other findings
// (warnings below fail_on) fail nothing, so they neither need nor stop an
// exception.
func commentNote(fps []string, isBlocking map[string]bool, covered map[string]Approval, w web) string {
	var approvals []Approval
	for _, fp := range fps {
		if !isBlocking[fp] {
			continue
		}
		a, ok := covered[fp]
		if !ok {
			return ""
		}
		if !slices.Contains(approvals, a) {
			approvals = append(approvals, a)
		}
	}
	if len(approvals) == 0 {
		return ""
	}
	slices.SortFunc(approvals, func(a, b Approval) int {
		return cmp.Or(a.ApprovedAt.Compare(b.ApprovedAt), strings.Compare(a.Label, b.Label))
	})
	return renderNote(approvals, w)
}
