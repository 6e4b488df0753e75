package githubtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Who may do what: repository roles (direct, through a team, custom),
// organisation teams, and the two endpoints that report them.

// baseRoles are GitHub's repository roles from least to most access
// ("Repository roles for an organization").
var baseRoles = []string{"read", "triage", "write", "maintain", "admin"}

// roleRank is a base role's place in baseRoles, from 1; 0 for no role.
func roleRank(base string) int {
	for i, r := range baseRoles {
		if r == base {
			return i + 1
		}
	}
	return 0
}

// legacyPermission is the "permission" GitHub reports for a base role:
// "the maintain role is mapped to write and the triage role is mapped to
// read" (docs, "Get repository permissions for a user").
func legacyPermission(base string) string {
	switch base {
	case "admin":
		return "admin"
	case "maintain", "write":
		return "write"
	case "triage", "read":
		return "read"
	}
	return "none"
}

// grant is a role held on a repository: a base role, or a custom role
// and the base role it extends.
type grant struct {
	name, base string
}

func (g grant) custom() bool { return g.name != "" && g.name != g.base }

// rank orders grants: by base role, a custom role just above its base
// (it adds permissions to it).
func (g grant) rank() int {
	r := roleRank(g.base) * 2
	if g.custom() {
		r++
	}
	return r
}

// customRole is an organisation's custom repository role.
type customRole struct {
	org        *account
	name, base string
}

// team is an organisation's team.
type team struct {
	id         int64
	org        *account
	slug, name string
	// members maps a lower-case login to "member" or "maintainer";
	// pending to true for an invitation not yet accepted.
	members map[string]string
	pending map[string]bool
	// repos maps a repository's key to the team's role on it.
	repos map[string]grant
}

// Team describes an organisation's team for AddTeam.
type Team struct {
	// Org is the organisation's login, Slug the team's slug ("security"
	// in "octo/security"), Name its display name (Slug when empty).
	Org, Slug, Name string
	// Members and Maintainers are active members, with team role
	// "member" and "maintainer".
	Members, Maintainers []string
	// Pending are invited users who have not accepted: their membership
	// state is "pending", and it gives no access.
	Pending []string
	// Repos gives the team a role on repositories of the organisation:
	// "owner/name" to read, triage, write, maintain, admin or a custom
	// role of the organisation (AddCustomRole).
	Repos map[string]string
	// ID is the team's ID; the fake picks one when zero.
	ID int64
}

// AddCustomRole defines a custom repository role of an organisation,
// which extends one of read, triage, write or maintain as GitHub's custom
// roles do. SetRole and Team.Repos can then grant it; the permission
// endpoint reports it as role_name, with the base role's permission.
func (s *Server) AddCustomRole(org, name, baseRole string) error {
	if org == "" || name == "" {
		return errors.New("githubtest: a custom role needs an organisation and a name")
	}
	if roleRank(strings.ToLower(name)) != 0 {
		return fmt.Errorf("githubtest: %q is a built-in role", name)
	}
	if roleRank(baseRole) == 0 || baseRole == "admin" {
		return fmt.Errorf("githubtest: a custom role extends read, triage, write or maintain, not %q", baseRole)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.accountFor(org, "Organization")
	if o.kind != "Organization" {
		return fmt.Errorf("githubtest: %s is not an organisation", org)
	}
	key := strings.ToLower(org + "/" + name)
	if s.customRoles[key] != nil {
		return fmt.Errorf("githubtest: %s already has a custom role %q", org, name)
	}
	s.customRoles[key] = &customRole{org: o, name: name, base: baseRole}
	return nil
}

// resolveRole reads a role name for a repository of owner: a base role
// or one of the owner organisation's custom roles.
func (s *Server) resolveRole(owner *account, role string) (grant, error) {
	if roleRank(role) != 0 {
		return grant{name: role, base: role}, nil
	}
	if cr := s.customRoles[strings.ToLower(owner.login+"/"+role)]; cr != nil {
		return grant{name: cr.name, base: cr.base}, nil
	}
	return grant{}, fmt.Errorf("githubtest: %q is neither read, triage, write, maintain, admin nor a custom role of %s", role, owner.login)
}

// SetRole gives a user a role on a repository, as a direct collaborator:
// read, triage, write, maintain, admin or a custom role of the owning
// organisation (AddCustomRole). An empty role removes the user's direct
// role. A user's role is the highest of the direct one and those of the
// teams they are an active member of; the owner of a personal repository
// is admin.
func (s *Server) SetRole(owner, repoName, login, role string) error {
	if login == "" {
		return errors.New("githubtest: SetRole needs a login")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return err
	}
	a := s.accountFor(login, "User")
	if role == "" {
		delete(r.collaborators, strings.ToLower(a.login))
		return nil
	}
	g, err := s.resolveRole(r.owner, role)
	if err != nil {
		return err
	}
	r.collaborators[strings.ToLower(a.login)] = g
	return nil
}

// AddTeam creates a team of an organisation, with its members and its
// roles on the organisation's repositories.
func (s *Server) AddTeam(t Team) error {
	if t.Org == "" || t.Slug == "" {
		return errors.New("githubtest: a team needs an organisation and a slug")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org := s.accountFor(t.Org, "Organization")
	if org.kind != "Organization" {
		return fmt.Errorf("githubtest: %s is not an organisation, it cannot have teams", t.Org)
	}
	key := strings.ToLower(t.Org + "/" + t.Slug)
	if s.teams[key] != nil {
		return fmt.Errorf("githubtest: team %s/%s exists", t.Org, t.Slug)
	}
	tm := &team{
		id: t.ID, org: org, slug: t.Slug, name: t.Name,
		members: map[string]string{}, pending: map[string]bool{}, repos: map[string]grant{},
	}
	if tm.id == 0 {
		tm.id = s.newID()
	}
	if tm.name == "" {
		tm.name = t.Slug
	}
	for full, role := range t.Repos {
		o, n, _ := strings.Cut(full, "/")
		r, err := s.repoFor(o, n)
		if err != nil {
			return err
		}
		if r.owner != org {
			return fmt.Errorf("githubtest: %s is not a repository of %s", full, t.Org)
		}
		g, err := s.resolveRole(org, role)
		if err != nil {
			return err
		}
		tm.repos[r.key()] = g
	}
	if org.members == nil {
		org.members = map[string]bool{}
	}
	for _, m := range []struct {
		role   string
		logins []string
	}{{"member", t.Members}, {"maintainer", t.Maintainers}} {
		for _, login := range m.logins {
			a := s.accountFor(login, "User")
			tm.members[strings.ToLower(a.login)] = m.role
			org.members[strings.ToLower(a.login)] = true
		}
	}
	for _, login := range t.Pending {
		tm.pending[strings.ToLower(s.accountFor(login, "User").login)] = true
	}
	s.teams[key] = tm
	return nil
}

// grantOf is the highest role a user holds on a repository through a
// grant: owning it, a direct role, or a team's. ok is false without one.
func (s *Server) grantOf(a *account, r *repo) (g grant, ok bool) {
	if a == nil {
		return grant{}, false
	}
	if a == r.owner {
		return grant{name: "admin", base: "admin"}, true
	}
	login := strings.ToLower(a.login)
	consider := func(c grant) {
		if !ok || c.rank() > g.rank() {
			g, ok = c, true
		}
	}
	if c, found := r.collaborators[login]; found {
		consider(c)
	}
	for _, t := range s.sortedTeams() {
		if c, found := t.repos[r.key()]; found && t.members[login] != "" {
			consider(c)
		}
	}
	return g, ok
}

// accessOf is a user's role on a repository as the permission endpoint
// reports it: the grant, else read on a public repository (anyone may
// read it) for a person, else none (role name "").
func (s *Server) accessOf(a *account, r *repo) grant {
	if g, ok := s.grantOf(a, r); ok {
		return g
	}
	if !r.private && a != nil && a.kind != "Bot" {
		return grant{name: "read", base: "read"}
	}
	return grant{}
}

func (s *Server) sortedTeams() []*team {
	out := make([]*team, 0, len(s.teams))
	for _, t := range s.teams {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// teamFor finds a team by organisation and slug.
func (s *Server) teamFor(org, slug string) *team {
	return s.teams[strings.ToLower(org+"/"+slug)]
}

// Documentation URLs of the access endpoints.
const (
	docCollaboratorPermission = "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user"
	docTeamMembership         = "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user"
)

// msgPushAccess is GitHub's 403 when a person without push access asks
// for someone's permission (yegor256/rultor#1407; the same text is
// reported by a probe in mbeacom/adrkit's ADR 0042).
const msgPushAccess = "Must have push access to view collaborator permission."

// getCollaboratorPermission is GET
// /repos/{owner}/{repo}/collaborators/{username}/permission: permission
// (admin, write, read, none) and role_name (the role, custom ones
// included, "" for none, as a live probe recorded in mbeacom/adrkit's ADR
// 0042 shows), and the user with their permissions. A login GitHub does
// not know is 404.
func (s *Server) getCollaboratorPermission(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	if c := rq.cred; c.installation == nil {
		if g, ok := s.grantOf(c.user, r); !ok || roleRank(g.base) < roleRank("write") {
			return errReply(http.StatusForbidden, msgPushAccess, docCollaboratorPermission)
		}
	}
	a := s.accounts[strings.ToLower(rq.param("username"))]
	if a == nil || a.kind == "Organization" {
		return notFound(docCollaboratorPermission)
	}
	g := s.accessOf(a, r)
	rank := roleRank(g.base)
	u := s.userJSON(a)
	u.RoleName = github.String(g.name)
	u.Permissions = map[string]bool{
		"admin":    rank >= roleRank("admin"),
		"maintain": rank >= roleRank("maintain"),
		"push":     rank >= roleRank("write"),
		"triage":   rank >= roleRank("triage"),
		"pull":     rank >= roleRank("read"),
	}
	// go-github v60's RepositoryPermissionLevel has no role_name.
	return jsonReply(http.StatusOK, struct {
		Permission string       `json:"permission"`
		RoleName   string       `json:"role_name"`
		User       *github.User `json:"user"`
	}{legacyPermission(g.base), g.name, u})
}

// getTeamMembership is GET
// /orgs/{org}/teams/{team_slug}/memberships/{username}: role "member" or
// "maintainer", state "active" or "pending"; 404 when the user is not a
// member (docs, "Get team membership for a user"). An installation token
// reads the teams of the organisation it is installed on; for another
// organisation the fake answers 404 (the stricter reading: GitHub's
// answer there is not documented).
func (s *Server) getTeamMembership(rq *request) *reply {
	t := s.teamFor(rq.param("org"), rq.param("team_slug"))
	if t == nil {
		return notFound(docTeamMembership)
	}
	if c := rq.cred; c.installation != nil && c.installation.account != t.org {
		return notFound(docTeamMembership)
	}
	a := s.accounts[strings.ToLower(rq.param("username"))]
	if a == nil {
		return notFound(docTeamMembership)
	}
	login := strings.ToLower(a.login)
	role, state := t.members[login], "active"
	if role == "" {
		if !t.pending[login] {
			return notFound(docTeamMembership)
		}
		role, state = "member", "pending"
	}
	return jsonReply(http.StatusOK, &github.Membership{
		URL:   github.String(fmt.Sprintf("%s/organizations/%d/team/%d/memberships/%s", s.URL, t.org.id, t.id, url.PathEscape(a.login))),
		Role:  github.String(role),
		State: github.String(state),
	})
}

func (s *Server) teamJSON(t *team) *github.Team {
	api := fmt.Sprintf("%s/organizations/%d/team/%d", s.URL, t.org.id, t.id)
	return &github.Team{
		ID:              github.Int64(t.id),
		NodeID:          nodeID("Team", t.id),
		Name:            github.String(t.name),
		Slug:            github.String(t.slug),
		Description:     github.String(""),
		Privacy:         github.String("closed"),
		Permission:      github.String("pull"),
		URL:             github.String(api),
		HTMLURL:         github.String(webURL + "/orgs/" + t.org.login + "/teams/" + t.slug),
		MembersURL:      github.String(api + "/members{/member}"),
		RepositoriesURL: github.String(api + "/repos"),
	}
}
