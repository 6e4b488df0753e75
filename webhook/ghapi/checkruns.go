package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-github/v60/github"

	"github.com/mountguard/mountguard/checks"
)

// errNoID is returned when GitHub created a check run without saying
// which.
var errNoID = errors.New("GitHub's answer has no check run id")

// CreateCheckRun creates a check run and returns its id.
func (c *Client) CreateCheckRun(ctx context.Context, repo checks.Repo, run checks.Run) (int64, error) {
	op := fmt.Sprintf("creating check run %q in %s/%s", run.Name, repo.Owner, repo.Name)
	b := c.checkRunBody(run)
	opts := github.CreateCheckRunOptions{
		Name:        run.Name,
		HeadSHA:     run.HeadSHA,
		DetailsURL:  b.DetailsURL,
		ExternalID:  b.ExternalID,
		Status:      b.Status,
		Conclusion:  b.Conclusion,
		CompletedAt: b.CompletedAt,
		Output:      b.Output,
		Actions:     b.Actions,
	}
	cr, _, err := c.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
	if err != nil {
		return 0, classify(op, err)
	}
	if cr.GetID() == 0 {
		return 0, fmt.Errorf("%s: %w", op, errNoID)
	}
	return cr.GetID(), nil
}

// UpdateCheckRun updates a check run; GitHub appends its annotations to
// the run's. The head SHA of a run cannot change and is not sent.
func (c *Client) UpdateCheckRun(ctx context.Context, repo checks.Repo, id int64, run checks.Run) error {
	op := fmt.Sprintf("updating check run %d in %s/%s", id, repo.Owner, repo.Name)
	// go-github's UpdateCheckRunOptions always sends "name", even an empty
	// one, asking GitHub to rename the run to nothing; this body leaves an
	// empty name out.
	u := fmt.Sprintf("repos/%s/%s/check-runs/%d", url.PathEscape(repo.Owner), url.PathEscape(repo.Name), id)
	req, err := c.gh.NewRequest(http.MethodPatch, u, c.checkRunBody(run))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := c.gh.Do(ctx, req, nil); err != nil {
		return classify(op, err)
	}
	return nil
}

// checkRunBody is a check run's fields as GitHub takes them, those of an
// update and, but for head_sha, of a creation.
type checkRunBody struct {
	Name       string  `json:"name,omitempty"`
	DetailsURL *string `json:"details_url,omitempty"`
	ExternalID *string `json:"external_id,omitempty"`
	Status     *string `json:"status,omitempty"`
	// Conclusion and CompletedAt are sent with status completed only:
	// GitHub completes a run that gets a conclusion.
	Conclusion  *string                  `json:"conclusion,omitempty"`
	CompletedAt *github.Timestamp        `json:"completed_at,omitempty"`
	Output      *github.CheckRunOutput   `json:"output,omitempty"`
	Actions     []*github.CheckRunAction `json:"actions,omitempty"`
}

func (c *Client) checkRunBody(run checks.Run) checkRunBody {
	b := checkRunBody{
		Name:       run.Name,
		DetailsURL: optional(run.DetailsURL),
		ExternalID: optional(run.ExternalID),
		Status:     optional(run.Status),
		Output:     toOutput(run.Output),
	}
	if run.Status == checks.StatusCompleted {
		b.Conclusion = optional(run.Conclusion)
		b.CompletedAt = &github.Timestamp{Time: c.now().UTC()}
	}
	for _, a := range run.Actions {
		b.Actions = append(b.Actions, &github.CheckRunAction{Label: a.Label, Description: a.Description, Identifier: a.Identifier})
	}
	return b
}

// toOutput maps a run's output. Title and summary are always sent (GitHub
// requires both with an output); columns only on a one-line annotation,
// the only kind GitHub accepts them on.
func toOutput(o *checks.Output) *github.CheckRunOutput {
	if o == nil {
		return nil
	}
	out := &github.CheckRunOutput{
		Title:   github.String(o.Title),
		Summary: github.String(o.Summary),
		Text:    optional(o.Text),
	}
	for _, a := range o.Annotations {
		end := a.EndLine
		if end == 0 {
			end = a.StartLine
		}
		ann := &github.CheckRunAnnotation{
			Path:            github.String(a.Path),
			StartLine:       github.Int(a.StartLine),
			EndLine:         github.Int(end),
			AnnotationLevel: github.String(a.Level),
			Message:         github.String(a.Message),
			Title:           optional(a.Title),
			RawDetails:      optional(a.RawDetails),
		}
		if a.StartLine == end && a.StartColumn > 0 {
			ann.StartColumn = github.Int(a.StartColumn)
			if a.EndColumn > 0 {
				ann.EndColumn = github.Int(a.EndColumn)
			}
		}
		out.Annotations = append(out.Annotations, ann)
	}
	return out
}

// optional is nil for "", so that omitempty leaves the field out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
