package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Review requests: asking users and teams to review a pull request.

const docRequestReviewers = "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request"

// GitHub's 422 messages for review requests.
const (
	// A user without access to the repository, or a team that is not
	// one of its collaborators (or does not exist): the current wording,
	// peter-evans/create-pull-request#4138 (2025); older responses said
	// "One or more of the teams you specified" for teams
	// (freifunkMUC/wg-access-server#335, api3dao/airnode#1907).
	msgReviewersNotCollaborators = "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the %s repository."
	// The pull request's author as a reviewer (the text that review
	// assignment tools match on, quoted in their code and issues).
	msgReviewFromAuthor = "Review cannot be requested from pull request author."
)

// reviewersIn reads a request or removal body.
func reviewersIn(body []byte) (users, teams []string, ok bool) {
	var in struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if json.Unmarshal(body, &in) != nil {
		return nil, nil, false
	}
	return in.Reviewers, in.TeamReviewers, true
}

// requestReviewers is POST /repos/{owner}/{repo}/pulls/{n}/requested_reviewers:
// every user must have access to the repository (a role, through a team
// or as owner: read access that every public repository gives does not
// count) and every team must have a role on it; one that does not fails
// the whole request. It answers 201 with the pull request.
func (s *Server) requestReviewers(rq *request) *reply {
	r, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	logins, slugs, ok := reviewersIn(rq.body)
	if !ok {
		return problemsReply(docRequestReviewers)
	}
	var users []*account
	var teams []*team
	notCollaborator := errReply(http.StatusUnprocessableEntity, fmt.Sprintf(msgReviewersNotCollaborators, r.fullName()), docRequestReviewers)
	for _, login := range logins {
		a := s.accounts[strings.ToLower(login)]
		if a == p.user {
			return errReply(http.StatusUnprocessableEntity, msgReviewFromAuthor, docRequestReviewers)
		}
		if _, ok := s.grantOf(a, r); !ok {
			return notCollaborator
		}
		users = append(users, a)
	}
	for _, slug := range slugs {
		t := s.teamFor(r.owner.login, slug)
		if t == nil {
			return notCollaborator
		}
		if _, ok := t.repos[r.key()]; !ok {
			return notCollaborator
		}
		teams = append(teams, t)
	}
	actor, app := rq.cred.user, viaApp(s, rq.cred)
	for _, a := range users {
		if !containsAccount(p.requestedUsers, a) {
			p.requestedUsers = append(p.requestedUsers, a)
			s.addEvent(p, &issueEvent{event: "review_requested", actor: actor, viaApp: app, requestedUser: a})
		}
	}
	for _, t := range teams {
		if !containsTeam(p.requestedTeams, t) {
			p.requestedTeams = append(p.requestedTeams, t)
			s.addEvent(p, &issueEvent{event: "review_requested", actor: actor, viaApp: app, requestedTeam: t})
		}
	}
	return jsonReply(http.StatusCreated, s.pullOut(p))
}

// removeReviewers is DELETE .../requested_reviewers: it withdraws
// requests, answering 200 with the pull request.
func (s *Server) removeReviewers(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	logins, slugs, ok := reviewersIn(rq.body)
	if !ok {
		return problemsReply("")
	}
	actor, app := rq.cred.user, viaApp(s, rq.cred)
	for _, login := range logins {
		for i, a := range p.requestedUsers {
			if strings.EqualFold(a.login, login) {
				p.requestedUsers = append(p.requestedUsers[:i], p.requestedUsers[i+1:]...)
				s.addEvent(p, &issueEvent{event: "review_request_removed", actor: actor, viaApp: app, requestedUser: a})
				break
			}
		}
	}
	for _, slug := range slugs {
		for i, t := range p.requestedTeams {
			if strings.EqualFold(t.slug, slug) {
				p.requestedTeams = append(p.requestedTeams[:i], p.requestedTeams[i+1:]...)
				s.addEvent(p, &issueEvent{event: "review_request_removed", actor: actor, viaApp: app, requestedTeam: t})
				break
			}
		}
	}
	return jsonReply(http.StatusOK, s.pullOut(p))
}

// listRequestedReviewers is GET .../requested_reviewers: {"users": [...],
// "teams": [...]}.
func (s *Server) listRequestedReviewers(rq *request) *reply {
	_, p, rp := s.pullParam(rq)
	if rp != nil {
		return rp
	}
	out := struct {
		Users []*github.User `json:"users"`
		Teams []*github.Team `json:"teams"`
	}{[]*github.User{}, []*github.Team{}}
	for _, a := range p.requestedUsers {
		out.Users = append(out.Users, s.userJSON(a))
	}
	for _, t := range p.requestedTeams {
		out.Teams = append(out.Teams, s.teamJSON(t))
	}
	return jsonReply(http.StatusOK, out)
}

func containsAccount(list []*account, a *account) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func containsTeam(list []*team, t *team) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// RequestedReviewers returns the logins and team slugs a pull request's
// review is requested from, in request order.
func (s *Server) RequestedReviewers(owner, repoName string, number int) (users, teams []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.pullFor(owner, repoName, number)
	if err != nil {
		return nil, nil
	}
	for _, a := range p.requestedUsers {
		users = append(users, a.login)
	}
	for _, t := range p.requestedTeams {
		teams = append(teams, t.slug)
	}
	return users, teams
}
