package githubtest

import (
	"sort"

	"github.com/google/go-github/v60/github"
)

// Readback: what clients created, as GitHub would return it, for tests to
// assert exactly what was posted.

// Review is a review with its inline comments.
type Review struct {
	*github.PullRequestReview
	Comments []ReviewComment
}

// ReviewComment is a review comment as GitHub returns it, plus who posted
// it (go-github v60's type has no performed_via_github_app).
type ReviewComment struct {
	*github.PullRequestComment
	// AppID is the App whose installation token posted the comment
	// (performed_via_github_app), 0 for a person.
	AppID int64
}

// CheckRun is a check run's final state, every annotation its requests
// added, and the requests themselves.
type CheckRun struct {
	*github.CheckRun
	Annotations []*github.CheckRunAnnotation
	// Requests are the create request and each update, as sent.
	Requests []CheckRunRequest
}

// CheckRunRequest is one create (POST) or update (PATCH) request of a
// check run, decoded. HeadSHA is empty for updates.
type CheckRunRequest struct {
	Method string
	github.CreateCheckRunOptions
}

func (s *Server) readComment(c *reviewComment) ReviewComment {
	j := s.commentJSON(c)
	prc := *j.PullRequestComment
	prc.Line, prc.StartLine, prc.Position, prc.StartSide, prc.OriginalStartLine = j.Line, j.StartLine, j.Position, j.StartSide, j.OriginalStartLine
	return ReviewComment{PullRequestComment: &prc, AppID: c.viaApp}
}

// Reviews returns the reviews of a pull request, oldest first, with their
// comments (replies included, each in a review of its own as on GitHub).
func (s *Server) Reviews(owner, repoName string, number int) []Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil || r.pulls[number] == nil {
		return nil
	}
	p := r.pulls[number]
	var out []Review
	for _, rv := range p.reviews {
		v := Review{PullRequestReview: s.reviewJSON(p, rv)}
		for _, c := range rv.comments {
			if !c.deleted {
				v.Comments = append(v.Comments, s.readComment(c))
			}
		}
		out = append(out, v)
	}
	return out
}

// ReviewComments returns the review comments of a pull request that are
// not deleted, oldest first, as the list endpoint would.
func (s *Server) ReviewComments(owner, repoName string, number int) []ReviewComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil || r.pulls[number] == nil {
		return nil
	}
	var out []ReviewComment
	for _, c := range r.pulls[number].comments {
		if !c.deleted {
			out = append(out, s.readComment(c))
		}
	}
	return out
}

// CheckRuns returns the check runs of a repository, oldest first.
func (s *Server) CheckRuns(owner, repoName string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return nil
	}
	var runs []*checkRun
	for _, cr := range s.checkRuns {
		if cr.repo == r {
			runs = append(runs, cr)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].id < runs[j].id })
	out := make([]CheckRun, 0, len(runs))
	for _, cr := range runs {
		out = append(out, CheckRun{
			CheckRun:    s.checkRunJSON(cr),
			Annotations: append([]*github.CheckRunAnnotation(nil), cr.annotations...),
			Requests:    append([]CheckRunRequest(nil), cr.requests...),
		})
	}
	return out
}
