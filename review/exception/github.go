package exception

import (
	"context"
	"time"

	"github.com/mountguard/mountguard/review/pullreq"
)

// LabelEvent is a labeled or unlabeled entry of a pull request's issue
// events: who put a label on, or took it off, and when.
type LabelEvent struct {
	Action string // "labeled" or "unlabeled"
	Label  string
	Actor  string
	At     time.Time
}

// LabelSpec is a label the App creates in a repository.
type LabelSpec struct {
	Name        string
	Color       string // six hex digits, no '#'
	Description string
}

// IssueComment is a comment on the pull request's conversation (not a
// review comment on a line).
type IssueComment struct {
	ID    int64
	Body  string
	ByApp bool
}

// MaxPullCommits is how many commits GitHub lists for a pull request: "a
// maximum of 250", the oldest, whatever the pull request's size.
const MaxPullCommits = 250

// Commit is one commit of a pull request, as GitHub lists it.
type Commit struct {
	SHA string
	// Author is the login of the GitHub account that GitHub links the
	// commit's git author to (by email), and Committer the committer's;
	// "" when the email belongs to no account, which GitHub shows as a
	// null author.
	Author, Committer string
	// Parents is how many parents the commit has: more than one makes it
	// a merge commit.
	Parents int
}

// GitHub is what the exceptions workflow needs from GitHub; the App's
// implementation is webhook/ghapi.Client.
type GitHub interface {
	// IssueLabels lists the labels on the pull request.
	IssueLabels(ctx context.Context, repo pullreq.Repo, number int) ([]string, error)
	// LabelEvents lists the labeled/unlabeled events of the pull request,
	// oldest first (all pages).
	LabelEvents(ctx context.Context, repo pullreq.Repo, number int) ([]LabelEvent, error)
	// PullCommits lists the pull request's commits, oldest first (all
	// pages). GitHub lists at most MaxPullCommits; truncated reports that
	// the pull request has more, whose authors the list cannot show.
	PullCommits(ctx context.Context, repo pullreq.Repo, number int) (commits []Commit, truncated bool, err error)
	// Permission returns the user's role on the repository: GitHub's
	// role_name (admin, maintain, write, triage, read, or a custom role's
	// name), "" when the user has none.
	Permission(ctx context.Context, repo pullreq.Repo, user string) (string, error)
	// TeamMember reports whether user is an active member of org's team.
	TeamMember(ctx context.Context, org, teamSlug, user string) (bool, error)
	// EnsureLabels creates the labels the repository lacks (an existing
	// label is left as it is).
	EnsureLabels(ctx context.Context, repo pullreq.Repo, labels []LabelSpec) error
	// AddLabels puts labels on the pull request.
	AddLabels(ctx context.Context, repo pullreq.Repo, number int, labels []string) error
	// RemoveLabel takes a label off the pull request; a label that is not
	// there is not an error.
	RemoveLabel(ctx context.Context, repo pullreq.Repo, number int, label string) error
	// IssueComments lists the pull request's conversation comments (all
	// pages), with ByApp set for this App's.
	IssueComments(ctx context.Context, repo pullreq.Repo, number int) ([]IssueComment, error)
	// CreateIssueComment posts a conversation comment and returns its id.
	CreateIssueComment(ctx context.Context, repo pullreq.Repo, number int, body string) (int64, error)
	// EditIssueComment replaces a conversation comment's body.
	EditIssueComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error
	// RequestTeamReview asks a team of the repository's organisation to
	// review the pull request.
	RequestTeamReview(ctx context.Context, repo pullreq.Repo, number int, teamSlug string) error
	// ReviewComments lists the review comments on the pull request (all
	// pages), as pullreq.GitHub does: one client implements both.
	ReviewComments(ctx context.Context, pr pullreq.PullRequest) ([]pullreq.Comment, error)
	// EditComment replaces the body of a review comment, as pullreq.GitHub
	// does.
	EditComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error
}
