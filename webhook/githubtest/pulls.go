package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// maxPullFiles is GitHub's cap on the files API: it lists at most 3000
// files of a pull request, whatever their number.
const maxPullFiles = 3000

// repoParam finds {owner}/{repo}; a repository the credential cannot see
// is GitHub's 404.
func (s *Server) repoParam(rq *request) (*repo, *reply) {
	r := s.repos[strings.ToLower(rq.param("owner")+"/"+rq.param("repo"))]
	if r == nil || !rq.cred.canSee(r) {
		return nil, notFound("")
	}
	return r, nil
}

func (s *Server) pullParam(rq *request) (*repo, *pull, *reply) {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return nil, nil, rp
	}
	n, err := strconv.Atoi(rq.param("pull_number"))
	p := r.pulls[n]
	if err != nil || p == nil {
		return nil, nil, notFound("")
	}
	return r, p, nil
}

func (s *Server) getRepo(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.repoJSON(r))
}

func (s *Server) getPull(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.pullOut(p))
}

// listPulls is GET /repos/{owner}/{repo}/pulls with GitHub's filters:
// state (open, closed, all), head ("owner:branch"), base, sort and
// direction.
func (s *Server) listPulls(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	q := rq.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var out []*pull
	for _, p := range r.pulls {
		if state != "all" && p.state != state {
			continue
		}
		if h := q.Get("head"); h != "" {
			owner, ref, ok := strings.Cut(h, ":")
			if !ok || !strings.EqualFold(owner, p.head.owner.login) || ref != p.headRef {
				continue
			}
		}
		if b := q.Get("base"); b != "" && b != p.baseRef {
			continue
		}
		out = append(out, p)
	}
	desc := q.Get("direction") == "desc" || q.Get("direction") == "" && (q.Get("sort") == "" || q.Get("sort") == "created")
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if q.Get("sort") == "updated" && !a.updated.Equal(b.updated) {
			return a.updated.Before(b.updated) != desc
		}
		return a.number < b.number != desc
	})
	return pageOf(s, rq, out, func(p *pull) any { return s.pullOut(p) })
}

// pageOf serves one page of items, converted for JSON.
func pageOf[T any](s *Server, rq *request, items []T, conv func(T) any) *reply {
	links := &reply{}
	lo, hi := s.page(rq, links, len(items))
	out := make([]any, 0, hi-lo)
	for _, it := range items[lo:hi] {
		out = append(out, conv(it))
	}
	rp := jsonReply(http.StatusOK, out)
	if l := links.header.Get("Link"); l != "" {
		rp.setHeader("Link", l)
	}
	return rp
}

// listPullsForCommit is GET /repos/{owner}/{repo}/commits/{sha}/pulls:
// the pull requests whose head is the commit. Like GitHub's, it leaves out
// pull requests from forks (the commit is not on a branch of this
// repository), which are the very ones whose check events name no pull
// request: a client must list the open pull requests to find those.
func (s *Server) listPullsForCommit(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	c := r.resolve(rq.param("commit_sha"))
	if c == nil {
		return errReply(http.StatusUnprocessableEntity, fmt.Sprintf(msgNoCommitSHA, rq.param("commit_sha")), "")
	}
	var out []*pull
	for _, p := range r.pulls {
		if p.headSHA == c.sha && p.head == r {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number > out[j].number })
	return pageOf(s, rq, out, func(p *pull) any { return s.pullOut(p) })
}

// listPullFiles is GET /repos/{owner}/{repo}/pulls/{n}/files: at most
// 3000 files, 30 a page by default, 100 at most.
func (s *Server) listPullFiles(rq *request) *reply {
	r, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	files := p.files
	if len(files) > maxPullFiles {
		files = files[:maxPullFiles]
	}
	return pageOf(s, rq, files, func(f *prFile) any { return s.fileJSON(r, p, f) })
}

func (s *Server) fileJSON(r *repo, p *pull, f *prFile) *github.CommitFile {
	path := escapePath(f.path)
	cf := &github.CommitFile{
		SHA:         github.String(f.sha),
		Filename:    github.String(f.path),
		Status:      github.String(f.status),
		Additions:   github.Int(f.additions),
		Deletions:   github.Int(f.deletions),
		Changes:     github.Int(f.additions + f.deletions),
		BlobURL:     github.String(webURL + "/" + r.fullName() + "/blob/" + p.headSHA + "/" + path),
		RawURL:      github.String(webURL + "/" + r.fullName() + "/raw/" + p.headSHA + "/" + path),
		ContentsURL: github.String(s.URL + "/repos/" + r.fullName() + "/contents/" + path + "?ref=" + p.headSHA),
	}
	if f.patch != "" && !f.omitted {
		cf.Patch = github.String(f.patch)
	}
	if f.previous != "" {
		cf.PreviousFilename = github.String(f.previous)
	}
	return cf
}

// review is a submitted (or pending) pull request review.
type review struct {
	id       int64
	user     *account
	viaApp   int64
	body     string
	state    string
	commitID string
	created  time.Time
	comments []*reviewComment
}

// reviewComment is a review comment, GitHub's newest data model: line and
// side rather than position.
type reviewComment struct {
	id        int64
	pull      *pull
	reviewID  int64
	inReplyTo int64
	user      *account
	// viaApp is the App whose installation token posted the comment.
	viaApp                   int64
	path, body               string
	subjectType              string
	side, startSide          string
	line, startLine          int // 0 when null: outdated, or a single line
	originalLine             int
	originalStartLine        int
	position                 int
	originalPosition         int
	commitID, originalCommit string
	diffHunk                 string
	created, updated         time.Time
	deleted                  bool
	pending                  bool
}

func (c *reviewComment) visible() bool { return !c.deleted && !c.pending }

// commentJSON adds to go-github's type the fields it lacks or omits when
// null: GitHub sends "line": null for an outdated comment.
type commentJSON struct {
	*github.PullRequestComment
	Line                  *int        `json:"line"`
	StartLine             *int        `json:"start_line"`
	OriginalStartLine     *int        `json:"original_start_line"`
	StartSide             *string     `json:"start_side"`
	Position              *int        `json:"position"`
	PerformedViaGithubApp *github.App `json:"performed_via_github_app"`
}

func intOrNil(n int) *int {
	if n == 0 {
		return nil
	}
	return github.Int(n)
}

func (s *Server) commentJSON(c *reviewComment) *commentJSON {
	repoAPI := s.URL + "/repos/" + c.pull.base.fullName()
	prc := &github.PullRequestComment{
		ID:                  github.Int64(c.id),
		NodeID:              nodeID("PullRequestReviewComment", c.id),
		Body:                github.String(c.body),
		Path:                github.String(c.path),
		DiffHunk:            github.String(c.diffHunk),
		PullRequestReviewID: github.Int64(c.reviewID),
		OriginalPosition:    intOrNil(c.originalPosition),
		OriginalLine:        intOrNil(c.originalLine),
		Side:                github.String(c.side),
		CommitID:            github.String(c.commitID),
		OriginalCommitID:    github.String(c.originalCommit),
		User:                s.userJSON(c.user),
		AuthorAssociation:   github.String(association(c.user, c.pull.base)),
		CreatedAt:           ts(c.created),
		UpdatedAt:           ts(c.updated),
		URL:                 github.String(fmt.Sprintf("%s/pulls/comments/%d", repoAPI, c.id)),
		HTMLURL:             github.String(fmt.Sprintf("%s/%s/pull/%d#discussion_r%d", webURL, c.pull.base.fullName(), c.pull.number, c.id)),
		PullRequestURL:      github.String(s.pullURL(c.pull)),
		SubjectType:         github.String(c.subjectType),
		Reactions:           &github.Reactions{TotalCount: github.Int(0)},
	}
	if c.inReplyTo != 0 {
		prc.InReplyTo = github.Int64(c.inReplyTo)
	}
	out := &commentJSON{
		PullRequestComment: prc,
		Line:               intOrNil(c.line),
		StartLine:          intOrNil(c.startLine),
		OriginalStartLine:  intOrNil(c.originalStartLine),
		Position:           intOrNil(c.position),
	}
	if c.startLine != 0 || c.originalStartLine != 0 {
		out.StartSide = github.String(c.startSide)
	}
	if c.subjectType == "file" {
		prc.Side = nil
	}
	if c.viaApp != 0 {
		out.PerformedViaGithubApp = s.appJSON()
	}
	return out
}

func (s *Server) reviewJSON(p *pull, rv *review) *github.PullRequestReview {
	out := &github.PullRequestReview{
		ID:                github.Int64(rv.id),
		NodeID:            nodeID("PullRequestReview", rv.id),
		User:              s.userJSON(rv.user),
		Body:              github.String(rv.body),
		CommitID:          github.String(rv.commitID),
		State:             github.String(rv.state),
		AuthorAssociation: github.String(association(rv.user, p.base)),
		HTMLURL:           github.String(fmt.Sprintf("%s/%s/pull/%d#pullrequestreview-%d", webURL, p.base.fullName(), p.number, rv.id)),
		PullRequestURL:    github.String(s.pullURL(p)),
	}
	if rv.state != "PENDING" {
		out.SubmittedAt = ts(rv.created)
	}
	return out
}

// listComments is GET /repos/{owner}/{repo}/pulls/{n}/comments, oldest
// first unless sort/direction say otherwise.
func (s *Server) listComments(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	q := rq.r.URL.Query()
	var out []*reviewComment
	since, _ := time.Parse(time.RFC3339, q.Get("since"))
	for _, c := range p.comments {
		if c.visible() && !c.updated.Before(since) {
			out = append(out, c)
		}
	}
	byUpdated := q.Get("sort") == "updated"
	desc := q.Get("direction") == "desc"
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if byUpdated && !a.updated.Equal(b.updated) {
			return a.updated.Before(b.updated) != desc
		}
		return a.id < b.id != desc
	})
	return pageOf(s, rq, out, func(c *reviewComment) any { return s.commentJSON(c) })
}

func (s *Server) listReviews(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	var out []*review
	for _, rv := range p.reviews {
		if rv.state != "PENDING" || rq.cred.user == rv.user {
			out = append(out, rv)
		}
	}
	return pageOf(s, rq, out, func(rv *review) any { return s.reviewJSON(p, rv) })
}

// commentParam finds {comment_id} in the repository.
func (s *Server) commentParam(rq *request) (*reviewComment, *reply) {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return nil, rp
	}
	id, _ := strconv.ParseInt(rq.param("comment_id"), 10, 64)
	c := s.comments[id]
	if c == nil || c.deleted || c.pull.base != r {
		return nil, notFound("")
	}
	return c, nil
}

func (s *Server) getComment(rq *request) *reply {
	c, rp := s.commentParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.commentJSON(c))
}

// editComment is PATCH /repos/{owner}/{repo}/pulls/comments/{id}: it
// replaces the body.
func (s *Server) editComment(rq *request) *reply {
	c, rp := s.commentParam(rq)
	if rp != nil {
		return rp
	}
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply("")
	}
	if in.Body == nil {
		return invalidRequest("", []string{supplied([]string{"body"})})
	}
	if rp := bodyTooLong("PullRequestReviewComment", *in.Body, ""); rp != nil {
		return rp
	}
	c.body = *in.Body
	c.updated = s.now()
	return jsonReply(http.StatusOK, s.commentJSON(c))
}

func (s *Server) deleteComment(rq *request) *reply {
	c, rp := s.commentParam(rq)
	if rp != nil {
		return rp
	}
	c.deleted = true
	return &reply{status: http.StatusNoContent}
}

// maxBodyChars is GitHub's limit on a comment or review body: 422
// "body is too long (maximum is 65536 characters)", reported for issue and
// pull request bodies (renovatebot/renovate#2032); the fake applies it to
// reviews and review comments too, with their resource names.
const maxBodyChars = 65536

func bodyTooLong(resource, body, doc string) *reply {
	if utf8.RuneCountInString(body) <= maxBodyChars {
		return nil
	}
	return validationFailed(doc, fieldError{Resource: resource, Code: "custom", Field: "body", Message: "body is too long (maximum is 65536 characters)"})
}

// problemsReply is GitHub's 400 for a body that is not JSON.
func problemsReply(doc string) *reply {
	return errReply(http.StatusBadRequest, "Problems parsing JSON", doc)
}

// createReply is POST /repos/{owner}/{repo}/pulls/{n}/comments/{id}/replies.
// A reply joins the thread of the comment it answers (GitHub has no
// replies to replies), with its path and line.
func (s *Server) createReply(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	id, _ := strconv.ParseInt(rq.param("comment_id"), 10, 64)
	parent := s.comments[id]
	if parent == nil || parent.deleted || parent.pull != p {
		return notFound("")
	}
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply("")
	}
	if in.Body == nil {
		return invalidRequest("", []string{supplied([]string{"body"})})
	}
	if rp := bodyTooLong("PullRequestReviewComment", *in.Body, ""); rp != nil {
		return rp
	}
	if parent.inReplyTo != 0 {
		parent = s.comments[parent.inReplyTo]
	}
	c := *parent
	c.id = s.newID()
	c.inReplyTo = parent.id
	c.body = *in.Body
	c.user = rq.cred.user
	c.viaApp = viaApp(s, rq.cred)
	c.created = s.now()
	c.updated = c.created
	c.pending, c.deleted = false, false
	rv := &review{id: s.newID(), user: c.user, viaApp: c.viaApp, state: "COMMENTED", commitID: c.commitID, created: c.created}
	c.reviewID = rv.id
	rv.comments = []*reviewComment{&c}
	p.reviews = append(p.reviews, rv)
	s.addComment(p, &c)
	return jsonReply(http.StatusCreated, s.commentJSON(&c))
}

func viaApp(s *Server, c *credential) int64 {
	if c != nil && c.installation != nil {
		return s.app.id
	}
	return 0
}

func (s *Server) addComment(p *pull, c *reviewComment) {
	p.comments = append(p.comments, c)
	s.comments[c.id] = c
}

// draftComment is one comment of a review request, or the body of POST
// .../pulls/{n}/comments.
type draftComment struct {
	Path        string `json:"path"`
	Body        string `json:"body"`
	Line        int    `json:"line"`
	Side        string `json:"side"`
	StartLine   int    `json:"start_line"`
	StartSide   string `json:"start_side"`
	Position    int    `json:"position"`
	SubjectType string `json:"subject_type"`
	CommitID    string `json:"commit_id"`
	InReplyTo   int64  `json:"in_reply_to"`
}

// createReview is POST /repos/{owner}/{repo}/pulls/{n}/reviews. Every
// comment is checked against the diff first; one bad comment fails the
// whole review with GitHub's 422 and nothing is created.
func (s *Server) createReview(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	var in struct {
		CommitID string         `json:"commit_id"`
		Body     string         `json:"body"`
		Event    string         `json:"event"`
		Comments []draftComment `json:"comments"`
	}
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply(docCreateReview)
	}
	state := map[string]string{"": "PENDING", "COMMENT": "COMMENTED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "APPROVE": "APPROVED"}[in.Event]
	if state == "" {
		return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateReview,
			fmt.Sprintf(msgNotAMember, in.Event, `"APPROVE", "REQUEST_CHANGES", "COMMENT"`))
	}
	// GitHub's rules on who may review how (as reported in public
	// trackers, e.g. github/app#3371 for the pending review).
	switch {
	case state == "PENDING" && s.hasPending(p, rq.cred.user):
		return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateReview, "User can only have one pending review per pull request")
	case in.Event == "APPROVE" && rq.cred.user == p.user:
		return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateReview, "Can not approve your own pull request")
	case in.Event == "REQUEST_CHANGES" && rq.cred.user == p.user:
		return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateReview, "Can not request changes on your own pull request")
	}
	var missing []string
	for _, d := range in.Comments {
		m := map[string]bool{"path": d.Path != "", "body": d.Body != ""}
		for _, name := range []string{"body", "path"} {
			if !m[name] {
				missing = append(missing, supplied([]string{name}))
			}
		}
	}
	if len(missing) > 0 {
		return invalidRequest(docCreateReview, missing)
	}
	if rp := bodyTooLong("PullRequestReview", in.Body, docCreateReview); rp != nil {
		return rp
	}
	for _, d := range in.Comments {
		if rp := bodyTooLong("PullRequestReviewComment", d.Body, docCreateReview); rp != nil {
			return rp
		}
	}
	commit := in.CommitID
	if commit == "" {
		commit = p.headSHA
	}
	files, rp := s.filesAt(p, commit, docCreateReview)
	if rp != nil {
		return rp
	}
	var comments []*reviewComment
	for _, d := range in.Comments {
		c, errs := anchor(files, d)
		if errs != nil {
			return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateReview, toSentence(errs))
		}
		comments = append(comments, c)
	}
	now := s.now()
	rv := &review{id: s.newID(), user: rq.cred.user, viaApp: viaApp(s, rq.cred), body: in.Body, state: state, commitID: commit, created: now}
	for _, c := range comments {
		c.id = s.newID()
		c.pull = p
		c.reviewID = rv.id
		c.user = rv.user
		c.viaApp = rv.viaApp
		c.commitID, c.originalCommit = commit, commit
		c.created, c.updated = now, now
		c.pending = state == "PENDING"
		rv.comments = append(rv.comments, c)
		s.addComment(p, c)
	}
	p.reviews = append(p.reviews, rv)
	return jsonReply(http.StatusOK, s.reviewJSON(p, rv))
}

func (s *Server) hasPending(p *pull, user *account) bool {
	for _, rv := range p.reviews {
		if rv.state == "PENDING" && rv.user == user {
			return true
		}
	}
	return false
}

// createComment is POST /repos/{owner}/{repo}/pulls/{n}/comments: one
// comment in a review of its own, or a reply with in_reply_to.
func (s *Server) createComment(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	var d draftComment
	if err := json.Unmarshal(rq.body, &d); err != nil {
		return problemsReply(docCreateComment)
	}
	if d.InReplyTo != 0 {
		rq.params["comment_id"] = strconv.FormatInt(d.InReplyTo, 10)
		return s.createReply(rq)
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"body", d.Body != ""}, {"commit_id", d.CommitID != ""}, {"path", d.Path != ""}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return invalidRequest(docCreateComment, []string{supplied(missing)})
	}
	if rp := bodyTooLong("PullRequestReviewComment", d.Body, docCreateComment); rp != nil {
		return rp
	}
	files, rp := s.filesAt(p, d.CommitID, docCreateComment)
	if rp != nil {
		return rp
	}
	c, errs := anchor(files, d)
	if errs != nil {
		return errReply(http.StatusUnprocessableEntity, msgUnprocessable, docCreateComment, toSentence(errs))
	}
	now := s.now()
	rv := &review{id: s.newID(), user: rq.cred.user, viaApp: viaApp(s, rq.cred), state: "COMMENTED", commitID: d.CommitID, created: now}
	c.id, c.pull, c.reviewID, c.user, c.viaApp = s.newID(), p, rv.id, rv.user, rv.viaApp
	c.commitID, c.originalCommit = d.CommitID, d.CommitID
	c.created, c.updated = now, now
	rv.comments = []*reviewComment{c}
	p.reviews = append(p.reviews, rv)
	s.addComment(p, c)
	return jsonReply(http.StatusCreated, s.commentJSON(c))
}

// filesAt returns the pull request's files as of a commit: the current
// list for the head, a recomputed one for an older commit of the pull
// request (GitHub anchors a comment on the diff of the commit it names).
func (s *Server) filesAt(p *pull, sha string, doc string) ([]*prFile, *reply) {
	sha = strings.ToLower(sha)
	if sha == p.headSHA {
		return p.files, nil
	}
	c := p.base.commits[sha]
	if c == nil {
		c = p.head.commits[sha]
	}
	if c == nil {
		return nil, errReply(http.StatusUnprocessableEntity, fmt.Sprintf(msgNoCommitSHA, sha), doc)
	}
	files, err := diffTrees(p.base.commits[p.baseSHA].snap, c.snap, p.renames, p.omit)
	if err != nil {
		return nil, errReply(http.StatusUnprocessableEntity, msgUnprocessable, doc, err.Error())
	}
	return files, nil
}

// anchor checks where a comment goes and returns it placed, or GitHub's
// messages for the thread.
func anchor(files []*prFile, d draftComment) (*reviewComment, []string) {
	var f *prFile
	for _, cand := range files {
		if cand.path == d.Path {
			f = cand
		}
	}
	if f == nil {
		return nil, []string{msgPathUnresolved}
	}
	c := &reviewComment{path: d.Path, body: d.Body, subjectType: "line"}
	if d.SubjectType == "file" {
		c.subjectType = "file"
		return c, nil
	}
	side, line := strings.ToUpper(d.Side), d.Line
	if side == "" {
		side = "RIGHT"
	}
	if line == 0 && d.Position > 0 {
		// The deprecated position: the line's index in the patch.
		side, line = atPosition(f.hunks, d.Position)
	}
	startSide := strings.ToUpper(d.StartSide)
	if startSide == "" {
		startSide = side
	}
	if d.StartLine != 0 && d.StartLine >= line && line != 0 {
		return nil, []string{msgThreadStartPrecedes}
	}
	h := hunkOf(f.hunks, side, line)
	var errs []string
	if h < 0 {
		errs = append(errs, msgThreadLine)
	}
	if d.StartLine != 0 && (h < 0 || hunkOf(f.hunks, startSide, d.StartLine) != h) {
		errs = append(errs, msgThreadStartLineHunk)
	}
	if h < 0 {
		errs = append(errs, msgThreadDiffHunk)
	}
	if errs != nil {
		return nil, errs
	}
	c.side, c.line, c.originalLine = side, line, line
	if d.StartLine != 0 {
		c.startSide, c.startLine, c.originalStartLine = startSide, d.StartLine, d.StartLine
	}
	c.position = positionOf(f.hunks, side, line)
	c.originalPosition = c.position
	c.diffHunk = diffHunkOf(f.hunks[h], side, line)
	return c, nil
}

// onSide reports whether a diff line is on the given side: RIGHT is the
// new file (context and added lines), LEFT the old one.
func onSide(l diffLine, side string, line int) bool {
	if side == "LEFT" {
		return l.Kind != '+' && l.Old == line
	}
	return side == "RIGHT" && l.Kind != '-' && l.New == line
}

// hunkOf returns the index of the hunk that holds the line, or -1.
func hunkOf(hunks []hunk, side string, line int) int {
	if line <= 0 {
		return -1
	}
	for i, h := range hunks {
		for _, l := range h.Lines {
			if onSide(l, side, line) {
				return i
			}
		}
	}
	return -1
}

// patchEntries lists what a patch's positions count: every line after the
// first hunk header, later headers and "\ No newline" markers included.
type patchEntry struct {
	line   *diffLine
	marker bool
}

func patchEntries(hunks []hunk) []patchEntry {
	var out []patchEntry
	for i := range hunks {
		if i > 0 {
			out = append(out, patchEntry{marker: true})
		}
		for j := range hunks[i].Lines {
			l := &hunks[i].Lines[j]
			out = append(out, patchEntry{line: l})
			if l.NoEOL {
				out = append(out, patchEntry{marker: true})
			}
		}
	}
	return out
}

func positionOf(hunks []hunk, side string, line int) int {
	for i, e := range patchEntries(hunks) {
		if e.line != nil && onSide(*e.line, side, line) {
			return i + 1
		}
	}
	return 0
}

func atPosition(hunks []hunk, pos int) (side string, line int) {
	entries := patchEntries(hunks)
	if pos < 1 || pos > len(entries) || entries[pos-1].line == nil {
		return "RIGHT", 0
	}
	l := entries[pos-1].line
	if l.Kind == '-' {
		return "LEFT", l.Old
	}
	return "RIGHT", l.New
}

// diffHunkOf is GitHub's diff_hunk: the hunk's header and its lines up to
// the commented one.
func diffHunkOf(h hunk, side string, line int) string {
	var b strings.Builder
	b.WriteString(h.header())
	for _, l := range h.Lines {
		b.WriteString("\n")
		b.WriteByte(l.Kind)
		b.WriteString(l.Text)
		if onSide(l, side, line) {
			break
		}
		if l.NoEOL {
			b.WriteString("\n" + noNewline)
		}
	}
	return b.String()
}

// moveComments re-anchors review comments after the head moved: a comment
// whose line is unchanged between the old and the new head and still in
// the diff follows it; any other becomes outdated (line and position
// null), keeping its original_line.
func (s *Server) moveComments(p *pull, oldHead string) {
	oldSnap := p.head.commits[oldHead].snap
	newSnap := p.head.commits[p.headSHA].snap
	for _, c := range p.comments {
		if c.line == 0 || c.subjectType == "file" {
			continue
		}
		var f *prFile
		for _, cand := range p.files {
			if cand.path == c.path {
				f = cand
			}
		}
		line, start := c.line, c.startLine
		if c.side == "RIGHT" {
			line = mapLine(oldSnap.files[c.path], newSnap.files[c.path], c.line)
			if start != 0 {
				start = mapLine(oldSnap.files[c.path], newSnap.files[c.path], c.startLine)
			}
		}
		h := -1
		if f != nil && line != 0 {
			h = hunkOf(f.hunks, c.side, line)
		}
		if h < 0 || c.startLine != 0 && (start == 0 || hunkOf(f.hunks, c.startSide, start) != h) {
			c.line, c.startLine, c.position = 0, 0, 0
			continue
		}
		c.line, c.startLine = line, start
		c.position = positionOf(f.hunks, c.side, line)
		c.commitID = p.headSHA
	}
}

// mapLine returns the line of new that is line of old when the line is
// unchanged between them, else 0.
func mapLine(old, new string, line int) int {
	if line < 1 || line > lineCount(old) {
		return 0
	}
	shift := 0
	// Without context a hunk holds only changed lines: old lines
	// OldStart to OldStart+OldCount-1 replaced, or, when OldCount is 0,
	// lines inserted before old line OldStart.
	for _, h := range diffHunks(old, new, 0) {
		if line < h.OldStart {
			break
		}
		if line < h.OldStart+h.OldCount {
			return 0
		}
		shift += h.NewCount - h.OldCount
	}
	return line + shift
}
