package githubtest

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// A pull request's commits: who wrote and who committed each, and the
// list endpoint that shows them.

// maxPullCommits is GitHub's cap on the commits of a pull request: "Lists
// a maximum of 250 commits for a pull request", the oldest, whatever the
// pull request's size (its `commits` count stays the real one).
const maxPullCommits = 250

// commitTime is the date of every commit of the fake, the one its commit
// SHAs are derived with.
var commitTime = time.Unix(1700000000, 0).UTC()

// identity is a commit's author or committer: a git identity and the
// account GitHub links it to, nil when its email belongs to none.
type identity struct {
	account     *account
	name, email string
}

// gitLine is the identity as a commit object records it. nil, the pull
// request's author, is a fixed identity: the SHA is computed before the
// commit belongs to any pull request.
func (id *identity) gitLine() string {
	name, email := "githubtest", "githubtest@example.com"
	if id != nil {
		name, email = id.name, id.email
	}
	return name + " <" + email + "> " + strconv.FormatInt(commitTime.Unix(), 10) + " +0000"
}

// noreplyEmail is the address GitHub gives an account that keeps its own
// private.
func noreplyEmail(a *account) string {
	return strconv.FormatInt(a.id, 10) + "+" + a.login + "@users.noreply.github.com"
}

// identityOf resolves a Person of AddCommit: nil stays nil (the pull
// request's author, decided when the commit is listed).
func (s *Server) identityOf(p *Person) *identity {
	if p == nil {
		return nil
	}
	id := &identity{name: p.Name, email: p.Email}
	if p.Login != "" {
		id.account = s.accountFor(p.Login, "User")
	}
	switch {
	case id.account != nil && id.name == "":
		id.name = id.account.login
	case id.name == "":
		id.name = "Someone"
	}
	switch {
	case id.account != nil && id.email == "":
		id.email = noreplyEmail(id.account)
	case id.email == "":
		id.email = "someone@example.com"
	}
	return id
}

// of is the identity for a pull request: a nil one is its author.
func (id *identity) of(p *pull) *identity {
	if id != nil {
		return id
	}
	return &identity{account: p.user, name: p.user.login, email: noreplyEmail(p.user)}
}

// lookupCommit finds a commit of the pull request's head repository, or of
// its base (a fork's history starts in it).
func (p *pull) lookupCommit(sha string) *commitObj {
	if c := p.head.commits[sha]; c != nil {
		return c
	}
	return p.base.commits[sha]
}

// pullCommits lists the commits of a pull request as GitHub does: those
// reachable from its head and from neither its base branch nor the base
// commit it was opened on, parents before children (first parent first),
// so the oldest come first. A merge of the base branch into the head
// ("Update branch") is listed; the base commits it brings are not.
func (s *Server) pullCommits(p *pull) []*commitObj {
	inBase := map[string]bool{}
	stack := []string{p.baseSHA}
	if tip, ok := p.base.branches[p.baseRef]; ok {
		stack = append(stack, tip)
	}
	for len(stack) > 0 {
		sha := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c := p.base.commits[sha]
		if c == nil || inBase[sha] {
			continue
		}
		inBase[sha] = true
		for _, parent := range c.parents {
			stack = append(stack, strings.ToLower(parent))
		}
	}

	// A depth-first walk from the head, without recursion: histories of
	// thousands of commits are fine.
	type frame struct {
		c    *commitObj
		next int // the next parent to visit
	}
	var out []*commitObj
	seen := map[string]bool{}
	start := p.lookupCommit(p.headSHA)
	if start == nil || inBase[start.sha] {
		return nil
	}
	seen[start.sha] = true
	walk := []frame{{c: start}}
	for len(walk) > 0 {
		top := &walk[len(walk)-1]
		if top.next < len(top.c.parents) {
			sha := strings.ToLower(top.c.parents[top.next])
			top.next++
			if parent := p.lookupCommit(sha); parent != nil && !seen[sha] && !inBase[sha] {
				seen[sha] = true
				walk = append(walk, frame{c: parent})
			}
			continue
		}
		out = append(out, top.c)
		walk = walk[:len(walk)-1]
	}
	return out
}

// listPullCommits is GET /repos/{owner}/{repo}/pulls/{n}/commits: the
// oldest 250 commits at most, 30 a page by default, 100 at most.
func (s *Server) listPullCommits(rq *request) *reply {
	r, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	commits := s.pullCommits(p)
	if len(commits) > maxPullCommits {
		commits = commits[:maxPullCommits]
	}
	return pageOf(s, rq, commits, func(c *commitObj) any { return s.pullCommitJSON(r, p, c) })
}

// pullCommitJSON is a commit as the pull request's commit list shows it
// (GitHub's "commit" schema without stats and files). go-github's types
// leave out nulls, which GitHub sends: author and committer are null for
// an email linked to no account, and an unsigned commit's signature and
// payload are null.
type pullCommitJSON struct {
	URL         string        `json:"url"`
	SHA         string        `json:"sha"`
	NodeID      string        `json:"node_id"`
	HTMLURL     string        `json:"html_url"`
	CommentsURL string        `json:"comments_url"`
	Commit      gitCommitJSON `json:"commit"`
	Author      *github.User  `json:"author"`
	Committer   *github.User  `json:"committer"`
	Parents     []parentJSON  `json:"parents"`
}

type gitCommitJSON struct {
	URL          string           `json:"url"`
	Author       gitPersonJSON    `json:"author"`
	Committer    gitPersonJSON    `json:"committer"`
	Message      string           `json:"message"`
	Tree         treeRefJSON      `json:"tree"`
	CommentCount int              `json:"comment_count"`
	Verification verificationJSON `json:"verification"`
}

type gitPersonJSON struct {
	Name  string           `json:"name"`
	Email string           `json:"email"`
	Date  github.Timestamp `json:"date"`
}

type treeRefJSON struct {
	SHA string `json:"sha"`
	URL string `json:"url"`
}

type verificationJSON struct {
	Verified   bool    `json:"verified"`
	Reason     string  `json:"reason"`
	Signature  *string `json:"signature"`
	Payload    *string `json:"payload"`
	VerifiedAt *string `json:"verified_at"`
}

type parentJSON struct {
	SHA     string `json:"sha"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url"`
}

func (s *Server) pullCommitJSON(r *repo, p *pull, c *commitObj) pullCommitJSON {
	api := s.URL + "/repos/" + r.fullName()
	html := webURL + "/" + r.fullName()
	author, committer := c.author.of(p), c.committer.of(p)
	out := pullCommitJSON{
		URL: api + "/commits/" + c.sha,
		SHA: c.sha,
		// GitHub's legacy global ID of a commit: "06:Commit" with the
		// repository's ID and the SHA.
		NodeID:      base64.StdEncoding.EncodeToString([]byte("06:Commit" + strconv.FormatInt(r.id, 10) + ":" + c.sha)),
		HTMLURL:     html + "/commit/" + c.sha,
		CommentsURL: api + "/commits/" + c.sha + "/comments",
		Commit: gitCommitJSON{
			URL:          api + "/git/commits/" + c.sha,
			Author:       gitPersonJSON{Name: author.name, Email: author.email, Date: github.Timestamp{Time: commitTime}},
			Committer:    gitPersonJSON{Name: committer.name, Email: committer.email, Date: github.Timestamp{Time: commitTime}},
			Message:      c.message,
			Tree:         treeRefJSON{SHA: c.snap.root.sha, URL: api + "/git/trees/" + c.snap.root.sha},
			Verification: verificationJSON{Reason: "unsigned"},
		},
		Author:    s.userJSON(author.account),
		Committer: s.userJSON(committer.account),
		Parents:   []parentJSON{},
	}
	for _, sha := range c.parents {
		sha = strings.ToLower(sha)
		out.Parents = append(out.Parents, parentJSON{SHA: sha, URL: api + "/commits/" + sha, HTMLURL: html + "/commit/" + sha})
	}
	return out
}

// pullCommitCount is the pull request's `commits`: all of them, past the
// list's cap too.
func (s *Server) pullCommitCount(p *pull) int { return len(s.pullCommits(p)) }
