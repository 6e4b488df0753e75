package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// Issue comments: the pull request's conversation, as opposed to review
// comments on lines.

const (
	docIssueComments      = "https://docs.github.com/rest/issues/comments#list-issue-comments"
	docCreateIssueComment = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
	docUpdateIssueComment = "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
)

// msgIssueCommentTooLong is GitHub's refusal of a conversation comment
// that is too long: 422 Validation Failed with `{"resource":
// "IssueComment", "code": "unprocessable", "field": "data", "message":
// "Body is too long (maximum is 65536 characters)"}` (measured in
// firu-daniel/autonomous-sdlc-harness, docs/github-integration-research.md
// S6). That measurement found GitHub's real cap to be 262,144 bytes of
// UTF-8, which ASCII bodies of up to 262,144 characters pass; the fake
// enforces the 65,536 characters the message states, the stricter
// reading, which no body within GitHub's cap of bytes can exceed unnoticed.
const msgIssueCommentTooLong = "Body is too long (maximum is 65536 characters)"

// issueComment is a comment on a pull request's conversation.
type issueComment struct {
	id               int64
	pull             *pull
	user             *account
	viaApp           int64
	body             string
	created, updated time.Time
	deleted          bool
}

// IssueComment is a conversation comment as GitHub returns it, plus the
// App that posted it (go-github v60's type has no
// performed_via_github_app).
type IssueComment struct {
	*github.IssueComment
	// AppID is the App whose installation token posted the comment, 0
	// for a person.
	AppID int64
}

// issueCommentJSON adds performed_via_github_app, null for a person.
type issueCommentJSON struct {
	*github.IssueComment
	PerformedViaGithubApp *github.App `json:"performed_via_github_app"`
}

func (s *Server) issueCommentJSON(c *issueComment) issueCommentJSON {
	p := c.pull
	repoAPI := s.URL + "/repos/" + p.base.fullName()
	out := issueCommentJSON{IssueComment: &github.IssueComment{
		ID:                github.Int64(c.id),
		NodeID:            nodeID("IssueComment", c.id),
		Body:              github.String(c.body),
		User:              s.userJSON(c.user),
		Reactions:         &github.Reactions{TotalCount: github.Int(0)},
		CreatedAt:         ts(c.created),
		UpdatedAt:         ts(c.updated),
		AuthorAssociation: github.String(association(c.user, p.base)),
		URL:               github.String(fmt.Sprintf("%s/issues/comments/%d", repoAPI, c.id)),
		HTMLURL:           github.String(fmt.Sprintf("%s/%s/pull/%d#issuecomment-%d", webURL, p.base.fullName(), p.number, c.id)),
		IssueURL:          github.String(fmt.Sprintf("%s/issues/%d", repoAPI, p.number)),
	}}
	if c.viaApp != 0 {
		out.PerformedViaGithubApp = s.appJSON()
	}
	return out
}

func (p *pull) visibleIssueComments() int {
	n := 0
	for _, c := range p.issueComments {
		if !c.deleted {
			n++
		}
	}
	return n
}

// issueCommentBody reads {"body": ...} and checks it as GitHub does.
func issueCommentBody(raw []byte, doc string) (string, *reply) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", problemsReply(doc)
	}
	if in.Body == nil {
		return "", invalidRequest(doc, []string{supplied([]string{"body"})})
	}
	if *in.Body == "" {
		return "", validationFailed(doc, fieldError{Resource: "IssueComment", Code: "missing_field", Field: "body"})
	}
	if utf8.RuneCountInString(*in.Body) > maxBodyChars {
		return "", validationFailed(doc, fieldError{Resource: "IssueComment", Code: "unprocessable", Field: "data", Message: msgIssueCommentTooLong})
	}
	return *in.Body, nil
}

// listIssueComments is GET /repos/{owner}/{repo}/issues/{n}/comments,
// oldest first, with since; paginated.
func (s *Server) listIssueComments(rq *request) *reply {
	_, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	since, _ := time.Parse(time.RFC3339, rq.r.URL.Query().Get("since"))
	var out []*issueComment
	for _, c := range p.issueComments {
		if !c.deleted && !c.updated.Before(since) {
			out = append(out, c)
		}
	}
	return pageOf(s, rq, out, func(c *issueComment) any { return s.issueCommentJSON(c) })
}

// createIssueComment is POST /repos/{owner}/{repo}/issues/{n}/comments.
func (s *Server) createIssueComment(rq *request) *reply {
	_, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	body, rp := issueCommentBody(rq.body, docCreateIssueComment)
	if rp != nil {
		return rp
	}
	c := s.addIssueComment(p, rq.cred.user, viaApp(s, rq.cred), body)
	return jsonReply(http.StatusCreated, s.issueCommentJSON(c))
}

func (s *Server) addIssueComment(p *pull, user *account, app int64, body string) *issueComment {
	now := s.now()
	c := &issueComment{id: s.newID(), pull: p, user: user, viaApp: app, body: body, created: now, updated: now}
	p.issueComments = append(p.issueComments, c)
	p.updated = now
	s.issueComments[c.id] = c
	return c
}

// issueCommentParam finds {comment_id} among the repository's
// conversation comments.
func (s *Server) issueCommentParam(rq *request) (*issueComment, *reply) {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return nil, rp
	}
	id, _ := strconv.ParseInt(rq.param("comment_id"), 10, 64)
	c := s.issueComments[id]
	if c == nil || c.deleted || c.pull.base != r {
		return nil, notFound("")
	}
	return c, nil
}

func (s *Server) getIssueComment(rq *request) *reply {
	c, rp := s.issueCommentParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.issueCommentJSON(c))
}

// editIssueComment is PATCH /repos/{owner}/{repo}/issues/comments/{id}.
func (s *Server) editIssueComment(rq *request) *reply {
	c, rp := s.issueCommentParam(rq)
	if rp != nil {
		return rp
	}
	body, rp := issueCommentBody(rq.body, docUpdateIssueComment)
	if rp != nil {
		return rp
	}
	c.body = body
	c.updated = s.now()
	return jsonReply(http.StatusOK, s.issueCommentJSON(c))
}

func (s *Server) deleteIssueComment(rq *request) *reply {
	c, rp := s.issueCommentParam(rq)
	if rp != nil {
		return rp
	}
	c.deleted = true
	return &reply{status: http.StatusNoContent}
}

// AddIssueComment is a person commenting on a pull request's
// conversation; it returns the comment's ID.
func (s *Server) AddIssueComment(owner, repoName string, number int, login, body string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return 0, err
	}
	p := r.pulls[number]
	if p == nil {
		return 0, fmt.Errorf("githubtest: %s has no pull request #%d", r.fullName(), number)
	}
	if login == "" || body == "" {
		return 0, fmt.Errorf("githubtest: a comment needs an author and a body")
	}
	return s.addIssueComment(p, s.accountFor(login, "User"), 0, body).id, nil
}

// IssueComments returns the conversation comments of a pull request that
// are not deleted, oldest first, as the list endpoint would.
func (s *Server) IssueComments(owner, repoName string, number int) []IssueComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil || r.pulls[number] == nil {
		return nil
	}
	var out []IssueComment
	for _, c := range r.pulls[number].issueComments {
		if !c.deleted {
			out = append(out, IssueComment{IssueComment: s.issueCommentJSON(c).IssueComment, AppID: c.viaApp})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetID() < out[j].GetID() })
	return out
}
