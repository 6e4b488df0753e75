// Package checks renders a review as a GitHub check run and reports it:
// the title, a summary kept under GitHub's size limit, annotations sent 50
// per request, and a run that is always completed, even when the review
// fails.
package checks

import "context"

// Status and conclusion values of a check run.
const (
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"

	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
)

// GitHub's limits on check runs, quoted from its error messages. Where GitHub
// says "characters", this package counts UTF-8 bytes: a text's byte length
// is never below its rune count nor its UTF-16 length, so a text that fits
// in bytes fits however GitHub counts.
const (
	// "No more than 50 items are allowed" (annotations per request).
	MaxAnnotationsPerRequest = 50
	// "Only 65535 characters are allowed; N were supplied" (summary, text).
	MaxOutputChars = 65535
	// Annotation title and button limits.
	MaxAnnotationTitle   = 255
	MaxAnnotationMessage = 64 * 1024
	MaxActions           = 3
	MaxActionLabel       = 20
	MaxActionDescription = 40
	MaxActionIdentifier  = 20
	// "raw_details" is limited like the message (64 KB).
	MaxAnnotationRawDetails = 64 * 1024
)

// Limits of our own, below GitHub's.
const (
	// MaxOutputTitle keeps the run's title to one line of the checks list.
	// GitHub documents no limit for it; we use the annotation title's.
	MaxOutputTitle = 255
	// MaxAnnotationsPerRun caps the annotations of one run. Each 50 cost an
	// update request, and GitHub's secondary rate limit allows about 80
	// content-creating requests a minute and 500 an hour per installation:
	// 10,000 findings (200 requests) would starve every other review.
	// The findings left out are still counted in the summary.
	MaxAnnotationsPerRun = 1000
)

// ActionRerun is the identifier of the "Re-run" button that Fail adds; a
// click arrives as a check_run "requested_action" event carrying it.
const ActionRerun = "rerun"

// Run is a check run as sent to GitHub. Empty fields are not sent: the API
// implementation omits zero values, so an update changes only what it sets.
type Run struct {
	Name       string
	HeadSHA    string
	ExternalID string
	DetailsURL string
	Status     string
	Conclusion string
	Output     *Output
	Actions    []Action
}

// Output is a check run's output. Each update appends its annotations.
type Output struct {
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
}

// Annotation levels.
const (
	LevelNotice  = "notice"
	LevelWarning = "warning"
	LevelFailure = "failure"
)

// Annotation marks lines of a file in the check run.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	// StartColumn and EndColumn are only allowed when StartLine ==
	// EndLine.
	StartColumn int
	EndColumn   int
	Level       string
	Title       string
	Message     string
	RawDetails  string
}

// Action is a button on the check run page.
type Action struct {
	Label       string
	Description string
	Identifier  string
}

// Repo names the repository a run belongs to.
type Repo struct {
	Owner string
	Name  string
}

// API is what reporting a check run needs from GitHub.
type API interface {
	// CreateCheckRun creates a run and returns its id.
	CreateCheckRun(ctx context.Context, repo Repo, run Run) (int64, error)
	// UpdateCheckRun updates a run; its annotations are appended.
	UpdateCheckRun(ctx context.Context, repo Repo, id int64, run Run) error
}
