package githubtest

import (
	"sort"
	"strings"
)

// Listing an account's repositories, which a command working across an
// organisation needs.

// accountRepos lists the repositories an account owns that a request's
// credentials may see (public ones only when onlyPublic).
func (s *Server) accountRepos(rq *request, a *account, onlyPublic bool) []*repo {
	var out []*repo
	for _, r := range s.sortedRepos() {
		if r.owner != a || onlyPublic && r.private {
			continue
		}
		if rq.cred == nil && r.private || rq.cred != nil && !rq.cred.canSee(r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// sortRepos applies sort (created, updated, pushed, full_name) and
// direction (asc by default for full_name, else desc) as GitHub does.
func sortRepos(repos []*repo, sortBy, direction, defaultSort string) {
	if sortBy == "" {
		sortBy = defaultSort
	}
	desc := direction == "desc" || direction == "" && sortBy != "full_name"
	sort.SliceStable(repos, func(i, j int) bool {
		a, b := repos[i], repos[j]
		if sortBy != "full_name" && !a.created.Equal(b.created) {
			return a.created.Before(b.created) != desc
		}
		if sortBy != "full_name" {
			return a.id < b.id != desc
		}
		return a.key() < b.key() != desc
	})
}

// listOrgRepos is GET /orgs/{org}/repos with type (all, public, private,
// sources, forks, member: the fake has no forks, and takes member as
// all), sort and direction; 404 for a login that is not an organisation.
func (s *Server) listOrgRepos(rq *request) *reply {
	a := s.accounts[strings.ToLower(rq.param("org"))]
	if a == nil || a.kind != "Organization" {
		return notFound("https://docs.github.com/rest/repos/repos#list-organization-repositories")
	}
	q := rq.r.URL.Query()
	repos := s.accountRepos(rq, a, false)
	var out []*repo
	for _, r := range repos {
		switch q.Get("type") {
		case "public":
			if r.private {
				continue
			}
		case "private":
			if !r.private {
				continue
			}
		case "forks":
			continue
		}
		out = append(out, r)
	}
	sortRepos(out, q.Get("sort"), q.Get("direction"), "created")
	return pageOf(s, rq, out, func(r *repo) any { return s.repoJSON(r) })
}

// listUserRepos is GET /users/{username}/repos: the account's public
// repositories (docs: "Lists public repositories for the specified
// user"), sorted by full_name unless sort says otherwise.
func (s *Server) listUserRepos(rq *request) *reply {
	a := s.accounts[strings.ToLower(rq.param("username"))]
	if a == nil {
		return notFound("https://docs.github.com/rest/repos/repos#list-repositories-for-a-user")
	}
	q := rq.r.URL.Query()
	out := s.accountRepos(rq, a, true)
	sortRepos(out, q.Get("sort"), q.Get("direction"), "full_name")
	return pageOf(s, rq, out, func(r *repo) any { return s.repoJSON(r) })
}
