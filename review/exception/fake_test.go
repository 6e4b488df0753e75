package exception

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/pullreq"
)

// fakeGH is an in-memory GitHub for one pull request. It records every
// call, so that tests can hold Evaluate to the calls it needs, and fails
// a method on demand.
type fakeGH struct {
	labels     []string // on the pull request
	events     []LabelEvent
	roles      map[string]string   // login -> role_name
	teams      map[string][]string // "org/slug" -> members
	repoLabels map[string]LabelSpec
	comments   []IssueComment
	review     []pullreq.Comment
	// commits are the pull request's, oldest first; truncated says
	// GitHub would list only some of them.
	commits   []Commit
	truncated bool
	nextID    int64
	calls     []string
	fail      map[string]error
}

func newFake() *fakeGH {
	return &fakeGH{roles: map[string]string{}, teams: map[string][]string{}, repoLabels: map[string]LabelSpec{}, nextID: 100, fail: map[string]error{}}
}

func (g *fakeGH) call(name string) error {
	g.calls = append(g.calls, name)
	return g.fail[name]
}

// count is how many times a method was called.
func (g *fakeGH) count(name string) int {
	n := 0
	for _, c := range g.calls {
		if c == name {
			n++
		}
	}
	return n
}

func (g *fakeGH) IssueLabels(ctx context.Context, repo pullreq.Repo, number int) ([]string, error) {
	if err := g.call("IssueLabels"); err != nil {
		return nil, err
	}
	return slices.Clone(g.labels), nil
}

func (g *fakeGH) LabelEvents(ctx context.Context, repo pullreq.Repo, number int) ([]LabelEvent, error) {
	if err := g.call("LabelEvents"); err != nil {
		return nil, err
	}
	return slices.Clone(g.events), nil
}

func (g *fakeGH) PullCommits(ctx context.Context, repo pullreq.Repo, number int) ([]Commit, bool, error) {
	if err := g.call("PullCommits"); err != nil {
		return nil, false, err
	}
	// GitHub's cap: the oldest MaxPullCommits, whatever the pull
	// request's size.
	commits := g.commits[:min(len(g.commits), MaxPullCommits)]
	return slices.Clone(commits), g.truncated || len(g.commits) > MaxPullCommits, nil
}

func (g *fakeGH) Permission(ctx context.Context, repo pullreq.Repo, user string) (string, error) {
	if err := g.call("Permission"); err != nil {
		return "", err
	}
	return g.roles[strings.ToLower(user)], nil
}

func (g *fakeGH) TeamMember(ctx context.Context, org, slug, user string) (bool, error) {
	if err := g.call("TeamMember"); err != nil {
		return false, err
	}
	for _, m := range g.teams[org+"/"+slug] {
		if strings.EqualFold(m, user) {
			return true, nil
		}
	}
	return false, nil
}

func (g *fakeGH) EnsureLabels(ctx context.Context, repo pullreq.Repo, labels []LabelSpec) error {
	if err := g.call("EnsureLabels"); err != nil {
		return err
	}
	for _, l := range labels {
		// GitHub's rules for a label.
		if l.Name == "" || len(l.Name) > 50 || len(l.Color) != 6 || len(l.Description) > 100 {
			return fmt.Errorf("422 Validation Failed: label %+v", l)
		}
		if _, ok := g.repoLabels[strings.ToLower(l.Name)]; !ok {
			g.repoLabels[strings.ToLower(l.Name)] = l
		}
	}
	return nil
}

func (g *fakeGH) AddLabels(ctx context.Context, repo pullreq.Repo, number int, labels []string) error {
	if err := g.call("AddLabels"); err != nil {
		return err
	}
	for _, l := range labels {
		if !slices.ContainsFunc(g.labels, func(x string) bool { return strings.EqualFold(x, l) }) {
			g.labels = append(g.labels, l)
		}
	}
	return nil
}

func (g *fakeGH) RemoveLabel(ctx context.Context, repo pullreq.Repo, number int, label string) error {
	if err := g.call("RemoveLabel"); err != nil {
		return err
	}
	g.labels = slices.DeleteFunc(g.labels, func(x string) bool { return strings.EqualFold(x, label) })
	return nil
}

func (g *fakeGH) IssueComments(ctx context.Context, repo pullreq.Repo, number int) ([]IssueComment, error) {
	if err := g.call("IssueComments"); err != nil {
		return nil, err
	}
	return slices.Clone(g.comments), nil
}

func (g *fakeGH) CreateIssueComment(ctx context.Context, repo pullreq.Repo, number int, body string) (int64, error) {
	if err := g.call("CreateIssueComment"); err != nil {
		return 0, err
	}
	if len(body) > 65536 {
		return 0, errors.New("422 body is too long (maximum is 65536 characters)")
	}
	g.nextID++
	g.comments = append(g.comments, IssueComment{ID: g.nextID, Body: body, ByApp: true})
	return g.nextID, nil
}

func (g *fakeGH) EditIssueComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error {
	if err := g.call("EditIssueComment"); err != nil {
		return err
	}
	for i := range g.comments {
		if g.comments[i].ID == id {
			g.comments[i].Body = body
			return nil
		}
	}
	return errors.New("404 Not Found")
}

func (g *fakeGH) RequestTeamReview(ctx context.Context, repo pullreq.Repo, number int, teamSlug string) error {
	return g.call("RequestTeamReview")
}

func (g *fakeGH) ReviewComments(ctx context.Context, pr pullreq.PullRequest) ([]pullreq.Comment, error) {
	if err := g.call("ReviewComments"); err != nil {
		return nil, err
	}
	return slices.Clone(g.review), nil
}

func (g *fakeGH) EditComment(ctx context.Context, repo pullreq.Repo, id int64, body string) error {
	if err := g.call("EditComment"); err != nil {
		return err
	}
	for i := range g.review {
		if g.review[i].ID == id {
			g.review[i].Body = body
			return nil
		}
	}
	return errors.New("404 Not Found")
}

// label applies a label as a person would: on the pull request and in the
// issue events.
func (g *fakeGH) label(name, actor string, at int) {
	g.labels = append(g.labels, name)
	g.events = append(g.events, LabelEvent{Action: "labeled", Label: name, Actor: actor, At: clock(at)})
}

// unlabel takes a label off as a person would.
func (g *fakeGH) unlabel(name, actor string, at int) {
	g.labels = slices.DeleteFunc(g.labels, func(x string) bool { return x == name })
	g.events = append(g.events, LabelEvent{Action: "unlabeled", Label: name, Actor: actor, At: clock(at)})
}

// records are the App's conversation comments that hold a record.
func (g *fakeGH) records() []IssueComment {
	var out []IssueComment
	for _, c := range g.comments {
		if _, ok := ParseRecord(c.Body); ok && c.ByApp {
			out = append(out, c)
		}
	}
	return out
}
