package pullreq

import (
	"context"
	"errors"
	"fmt"
)

// Repo names a repository.
type Repo struct {
	Owner string
	Name  string
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// PullRequest is the part of a pull request a review needs.
type PullRequest struct {
	Repo    Repo
	Number  int
	HeadSHA string
	BaseSHA string
	// BaseRef is the base branch: the configuration is read from it, so a
	// pull request cannot weaken its own review.
	BaseRef string
	// Author is the login of whoever opened the pull request: they may not
	// grant an exception to their own pull request.
	Author string
}

// File is one entry of a pull request's file list.
type File struct {
	Path string
	// PreviousPath is the old path of a renamed or copied file.
	PreviousPath string
	// Status is GitHub's: added, removed, modified, renamed, copied,
	// changed or unchanged.
	Status string
	// Patch is the file's unified diff hunks; GitHub leaves it out for
	// large and binary diffs.
	Patch string
}

// Comment is a review comment already on the pull request.
type Comment struct {
	ID   int64
	Path string
	// Line is the comment's line on the head side; 0 when the comment is
	// outdated (its line is no longer in the diff).
	Line int
	Body string
	// ByApp reports whether this App wrote the comment. Only those are
	// ever edited.
	ByApp bool
}

// ReviewComment is an inline comment to post.
type ReviewComment struct {
	Path string
	// Line is the last line the comment covers, StartLine the first (0
	// when the comment covers one line). Both are new-side (RIGHT) lines.
	Line      int
	StartLine int
	Body      string
}

// Review is one pull request review.
type Review struct {
	// CommitID is the head SHA the review is about.
	CommitID string
	// Event is COMMENT or REQUEST_CHANGES.
	Event    string
	Body     string
	Comments []ReviewComment
}

// GitHub is what reviewing a pull request needs from GitHub. The App's
// implementation (webhook/ghapi) talks to the REST API; tests use a fake
// server behind the same implementation.
type GitHub interface {
	// PullRequestFiles lists the pull request's files (all pages, at most
	// GitHub's 3000).
	PullRequestFiles(ctx context.Context, pr PullRequest) ([]File, error)
	// Contents reads a file at a commit or branch. A file larger than
	// maxSize is not downloaded: its size is returned with nil data. A
	// missing file is an error that wraps fs.ErrNotExist, a directory one
	// that wraps ErrIsDir.
	Contents(ctx context.Context, repo Repo, path, ref string, maxSize int64) (data []byte, size int64, err error)
	// ReviewComments lists the review comments on the pull request (all
	// pages).
	ReviewComments(ctx context.Context, pr PullRequest) ([]Comment, error)
	// Reviews lists the bodies of the pull request's reviews (all pages);
	// ID and Body are set, and ByApp for those this App posted.
	Reviews(ctx context.Context, pr PullRequest) ([]Comment, error)
	// CreateReview posts one review.
	CreateReview(ctx context.Context, pr PullRequest, r Review) error
	// EditComment replaces the body of a review comment.
	EditComment(ctx context.Context, repo Repo, id int64, body string) error
	// Tree lists the paths of the files (blobs) at a commit, recursively.
	// truncated is true when GitHub cut the list short (very large
	// repositories).
	Tree(ctx context.Context, repo Repo, sha string) (paths []string, truncated bool, err error)
}

// ErrIsDir is wrapped by Contents when the path is a directory.
var ErrIsDir = errors.New("is a directory")

// ErrUnprocessable is wrapped by CreateReview when GitHub rejects the
// review with 422 (for example a comment outside the diff). The review is
// then sent again without inline comments, so that nothing is lost.
var ErrUnprocessable = errors.New("GitHub rejected the request as unprocessable (422)")

// TransientError marks a failure worth retrying (a 5xx, a network error, a
// rate limit that outlasted the retries).
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return fmt.Sprintf("transient GitHub error: %v", e.Err) }
func (e *TransientError) Unwrap() error { return e.Err }
