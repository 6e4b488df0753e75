package githubtest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// The App's own endpoints, called with the App JWT.

func (s *Server) getApp(rq *request) *reply {
	return jsonReply(http.StatusOK, s.appJSON())
}

func (s *Server) listInstallations(rq *request) *reply {
	var ins []*installation
	for _, in := range s.installations {
		ins = append(ins, in)
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].id < ins[j].id })
	return pageOf(s, rq, ins, func(in *installation) any { return s.installationJSON(in) })
}

func (s *Server) installationParam(rq *request) *installation {
	id, _ := strconv.ParseInt(rq.param("installation_id"), 10, 64)
	return s.installations[id]
}

func (s *Server) getInstallation(rq *request) *reply {
	in := s.installationParam(rq)
	if in == nil {
		return notFound("https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app")
	}
	return jsonReply(http.StatusOK, s.installationJSON(in))
}

// createAccessToken is POST /app/installations/{id}/access_tokens: a token
// valid for an hour, for all the installation's repositories or, with
// "repositories", for some of them.
func (s *Server) createAccessToken(rq *request) *reply {
	const doc = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	in := s.installationParam(rq)
	if in == nil {
		return notFound(doc)
	}
	var opts struct {
		Repositories  []string `json:"repositories"`
		RepositoryIDs []int64  `json:"repository_ids"`
	}
	if len(strings.TrimSpace(string(rq.body))) > 0 {
		if err := json.Unmarshal(rq.body, &opts); err != nil {
			return problemsReply(doc)
		}
	}
	var only map[string]bool
	var repos []*github.Repository
	if len(opts.Repositories) > 0 || len(opts.RepositoryIDs) > 0 {
		only = map[string]bool{}
		for _, r := range s.sortedRepos() {
			if !in.covers(r) {
				continue
			}
			match := false
			for _, name := range opts.Repositories {
				match = match || strings.EqualFold(name, r.name)
			}
			for _, id := range opts.RepositoryIDs {
				match = match || id == r.id
			}
			if match {
				only[r.key()] = true
				repos = append(repos, s.repoJSON(r))
			}
		}
		if len(only) != len(opts.Repositories)+len(opts.RepositoryIDs) {
			return errReply(http.StatusUnprocessableEntity, "There is at least one repository that does not exist or is not accessible to the parent installation.", doc)
		}
	}
	c := s.newInstallationToken(in, only)
	sel := "all"
	if in.repos != nil || only != nil {
		sel = "selected"
	}
	out := struct {
		*github.InstallationToken
		RepositorySelection string `json:"repository_selection"`
	}{
		&github.InstallationToken{
			Token:        github.String(c.token),
			ExpiresAt:    ts(c.expires),
			Permissions:  appPermissions(),
			Repositories: repos,
		},
		sel,
	}
	return jsonReply(http.StatusCreated, out)
}

func (s *Server) sortedRepos() []*repo {
	var out []*repo
	for _, r := range s.repos {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// getRepoInstallation is GET /repos/{owner}/{repo}/installation: the
// installation that covers the repository.
func (s *Server) getRepoInstallation(rq *request) *reply {
	r := s.repos[strings.ToLower(rq.param("owner")+"/"+rq.param("repo"))]
	if r != nil {
		for _, in := range s.sortedInstallations() {
			if in.covers(r) {
				return jsonReply(http.StatusOK, s.installationJSON(in))
			}
		}
	}
	return notFound("https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app")
}

// getAccountInstallation is GET /orgs/{org}/installation and
// /users/{username}/installation.
func (s *Server) getAccountInstallation(rq *request) *reply {
	login := rq.param("org") + rq.param("username")
	for _, in := range s.sortedInstallations() {
		if strings.EqualFold(in.account.login, login) {
			return jsonReply(http.StatusOK, s.installationJSON(in))
		}
	}
	return notFound("")
}

func (s *Server) sortedInstallations() []*installation {
	var out []*installation
	for _, in := range s.installations {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// getRateLimit is GET /rate_limit, which costs nothing. GitHub sends
// "used" and "resource", and reset as Unix seconds.
func (s *Server) getRateLimit(rq *request) *reply {
	b := s.bucketFor(rq.cred, resourceCore)
	sb := s.bucketFor(rq.cred, resourceSearch)
	now := s.now()
	rate := func(resource string, limit, used int, reset time.Time) map[string]any {
		return map[string]any{"limit": limit, "used": used, "remaining": limit - used, "reset": reset.Unix(), "resource": resource}
	}
	core := rate("core", b.limit, min(b.used, b.limit), b.reset)
	return jsonReply(http.StatusOK, map[string]any{
		"resources": map[string]any{
			"core":    core,
			"search":  rate("search", sb.limit, min(sb.used, sb.limit), sb.reset),
			"graphql": rate("graphql", 5000, 0, now.Add(time.Hour)),
		},
		"rate": core,
	})
}
