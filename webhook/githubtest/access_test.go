package githubtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-github/v60/github"
)

const org = "acme"

// newOrgFixture is a fake with the organisation acme, its private
// repository acme/api and public acme/web, the App installed on acme, and
// a go-github client with an installation token.
func newOrgFixture(t *testing.T) *fixture {
	t.Helper()
	gh := NewServer()
	t.Cleanup(gh.Close)
	f := &fixture{t: t, gh: gh}
	f.must(gh.AddRepo(Repo{Owner: org, Name: "api", OwnerType: "Organization", Private: true}))
	f.must(gh.AddRepo(Repo{Owner: org, Name: "web", OwnerType: "Organization"}))
	f.must(gh.SetApp(appID, appSlug, testKey(t)))
	f.must(gh.AddInstallation(Installation{ID: instID, Account: org}))
	tok, err := gh.InstallationToken(instID)
	f.must(err)
	f.token = tok
	f.client = newClient(gh, tok)
	return f
}

// openPR opens pull request number in owner/name, by author.
func (f *fixture) openPR(owner, name string, number int, author string, opts ...func(*PullRequest)) {
	f.t.Helper()
	base, err := f.gh.AddCommit(owner, name, Commit{Files: map[string]string{"compose.yaml": compose}})
	f.must(err)
	head, err := f.gh.AddCommit(owner, name, Commit{Parents: []string{base}, Files: map[string]string{"compose.yaml": reviewed}, Message: fmt.Sprint(number)})
	f.must(err)
	f.must(f.gh.SetBranch(owner, name, "main", base))
	pr := PullRequest{Number: number, HeadSHA: head, User: author}
	for _, o := range opts {
		o(&pr)
	}
	f.must(f.gh.AddPullRequest(owner, name, pr))
}

// permission asks GET .../collaborators/{user}/permission and decodes
// GitHub's whole answer (go-github v60 drops role_name).
func permission(t *testing.T, c *github.Client, repo, user string) (status int, perm struct {
	Permission string       `json:"permission"`
	RoleName   *string      `json:"role_name"`
	User       *github.User `json:"user"`
	Message    string       `json:"message"`
}) {
	t.Helper()
	req, err := c.NewRequest("GET", "repos/"+repo+"/collaborators/"+user+"/permission", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(ctx, req, &perm)
	if resp == nil {
		t.Fatalf("no response: %v", err)
	}
	if err != nil {
		var er *github.ErrorResponse
		if errors.As(err, &er) {
			perm.Message = er.Message
		}
	}
	return resp.StatusCode, perm
}

func TestCollaboratorPermission(t *testing.T) {
	f := newOrgFixture(t)
	gh := f.gh
	f.must(gh.AddCustomRole(org, "security-lead", "maintain"))
	for login, role := range map[string]string{
		"ada": "admin", "max": "maintain", "wes": "write", "tia": "triage", "rob": "read", "sol": "security-lead",
		"carol": "write", // and maintain through her team, below
	} {
		f.must(gh.SetRole(org, "api", login, role))
	}
	f.must(gh.AddTeam(Team{Org: org, Slug: "security", Members: []string{"carol", "tom"}, Pending: []string{"pam"}, Repos: map[string]string{"acme/api": "maintain"}}))
	gh.UserToken("dave") // a user GitHub knows, without access

	tests := []struct {
		repo, user       string
		status           int
		permission, role string
		push, maintain   bool
	}{
		{"acme/api", "ada", 200, "admin", "admin", true, true},
		{"acme/api", "max", 200, "write", "maintain", true, true},
		{"acme/api", "wes", 200, "write", "write", true, false},
		{"acme/api", "tia", 200, "read", "triage", false, false},
		{"acme/api", "rob", 200, "read", "read", false, false},
		{"acme/api", "sol", 200, "write", "security-lead", true, true},
		{"acme/api", "carol", 200, "write", "maintain", true, true}, // the higher of write and the team's maintain
		{"acme/api", "tom", 200, "write", "maintain", true, true},
		{"acme/api", "pam", 200, "none", "", false, false}, // a pending invitation gives nothing
		{"acme/api", "dave", 200, "none", "", false, false},
		{"acme/web", "dave", 200, "read", "read", false, false}, // anyone may read a public repository
		{"acme/web", appSlug + "[bot]", 200, "none", "", false, false},
		{"acme/api", "nobody-knows-me", 404, "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.repo+"/"+tt.user, func(t *testing.T) {
			status, got := permission(t, f.client, tt.repo, tt.user)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, got.Message)
			}
			if status != 200 {
				return
			}
			if got.Permission != tt.permission || got.RoleName == nil || *got.RoleName != tt.role {
				t.Errorf("permission %q, role_name %v; want %q, %q", got.Permission, got.RoleName, tt.permission, tt.role)
			}
			u := got.User
			if u.GetLogin() != tt.user || u.Permissions["push"] != tt.push || u.Permissions["maintain"] != tt.maintain || u.GetRoleName() != tt.role {
				t.Errorf("user %s permissions %v role %q", u.GetLogin(), u.Permissions, u.GetRoleName())
			}
		})
	}

	// A person's token needs push access to ask.
	status, got := permission(t, newClient(gh, gh.UserToken("rob")), "acme/api", "ada")
	if status != 403 || got.Message != "Must have push access to view collaborator permission." {
		t.Errorf("read-only user: %d %q", status, got.Message)
	}
	if status, got := permission(t, newClient(gh, gh.UserToken("wes")), "acme/api", "max"); status != 200 || *got.RoleName != "maintain" {
		t.Errorf("writer asking: %d %+v", status, got)
	}
	// go-github's own call works too (without role_name).
	pl, _, err := f.client.Repositories.GetPermissionLevel(ctx, org, "api", "max")
	if err != nil || pl.GetPermission() != "write" {
		t.Errorf("GetPermissionLevel: %v, %v", pl, err)
	}

	// Bad setup is refused.
	for _, err := range []error{
		gh.SetRole(org, "api", "x", "owner"),
		gh.AddCustomRole(org, "super", "admin"),
		gh.AddCustomRole("dave", "r", "read"),
		gh.AddTeam(Team{Org: org, Slug: "security"}),
		gh.AddTeam(Team{Org: org, Slug: "t", Repos: map[string]string{"acme/nope": "read"}}),
	} {
		if err == nil {
			t.Error("bad setup accepted")
		}
	}
}

func TestTeamMembership(t *testing.T) {
	f := newOrgFixture(t)
	f.must(f.gh.AddTeam(Team{Org: org, Slug: "security", Name: "Security", Members: []string{"carol"}, Maintainers: []string{"mia"}, Pending: []string{"pam"}}))
	f.must(f.gh.AddTeam(Team{Org: "other", Slug: "security", Members: []string{"carol"}}))
	f.gh.UserToken("dave")
	for _, tt := range []struct {
		org, team, user string
		status          int
		role, state     string
	}{
		{org, "security", "carol", 200, "member", "active"},
		{org, "security", "mia", 200, "maintainer", "active"},
		{org, "security", "pam", 200, "member", "pending"},
		{org, "security", "dave", 404, "", ""},
		{org, "security", "nobody-knows-me", 404, "", ""},
		{org, "no-such-team", "carol", 404, "", ""},
		{"other", "security", "carol", 404, "", ""}, // the App is not installed on other
	} {
		m, resp, err := f.client.Teams.GetTeamMembershipBySlug(ctx, tt.org, tt.team, tt.user)
		if tt.status != 200 {
			if er := wantAPIError(t, err, tt.status); er.Message != "Not Found" {
				t.Errorf("%v: message %q", tt, er.Message)
			}
			continue
		}
		if err != nil || m.GetRole() != tt.role || m.GetState() != tt.state || resp.StatusCode != 200 {
			t.Errorf("%v: %+v, %v", tt, m, err)
		}
	}
}

func TestRequestReviewers(t *testing.T) {
	f := newOrgFixture(t)
	gh := f.gh
	f.openPR(org, "api", 1, "dev")
	f.must(gh.SetRole(org, "api", "dev", "write"))
	f.must(gh.SetRole(org, "api", "max", "maintain"))
	f.must(gh.AddTeam(Team{Org: org, Slug: "security", Members: []string{"carol"}, Repos: map[string]string{"acme/api": "read"}}))
	f.must(gh.AddTeam(Team{Org: org, Slug: "outsiders", Members: []string{"eve"}}))
	f.must(gh.AddTeam(Team{Org: org, Slug: "webteam", Repos: map[string]string{"acme/web": "write"}}))
	gh.UserToken("dave")

	notCollab := "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/api repository."
	for _, tt := range []struct {
		req  github.ReviewersRequest
		want string
	}{
		{github.ReviewersRequest{TeamReviewers: []string{"outsiders"}}, notCollab}, // a team without a role on the repository
		{github.ReviewersRequest{TeamReviewers: []string{"webteam"}}, notCollab},   // a role on another repository
		{github.ReviewersRequest{TeamReviewers: []string{"no-such-team"}}, notCollab},
		{github.ReviewersRequest{Reviewers: []string{"dave"}}, notCollab},
		{github.ReviewersRequest{Reviewers: []string{"max"}, TeamReviewers: []string{"security", "outsiders"}}, notCollab}, // all or nothing
		{github.ReviewersRequest{Reviewers: []string{"dev"}}, "Review cannot be requested from pull request author."},
	} {
		_, _, err := f.client.PullRequests.RequestReviewers(ctx, org, "api", 1, tt.req)
		er := wantAPIError(t, err, 422)
		if er.Message != tt.want || er.DocumentationURL != docRequestReviewers {
			t.Errorf("%+v: %q, %q", tt.req, er.Message, er.DocumentationURL)
		}
	}
	if u, tm := gh.RequestedReviewers(org, "api", 1); len(u)+len(tm) != 0 {
		t.Fatalf("a refused request left %v %v", u, tm)
	}

	pr, resp, err := f.client.PullRequests.RequestReviewers(ctx, org, "api", 1, github.ReviewersRequest{Reviewers: []string{"max"}, TeamReviewers: []string{"security"}})
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode, err)
	}
	if len(pr.RequestedTeams) != 1 || pr.RequestedTeams[0].GetSlug() != "security" || len(pr.RequestedReviewers) != 1 || pr.RequestedReviewers[0].GetLogin() != "max" {
		t.Errorf("pull request: teams %v, users %v", pr.RequestedTeams, pr.RequestedReviewers)
	}
	// Asking again changes nothing.
	f.client.PullRequests.RequestReviewers(ctx, org, "api", 1, github.ReviewersRequest{TeamReviewers: []string{"security"}})
	rv, _, err := f.client.PullRequests.ListReviewers(ctx, org, "api", 1, nil)
	if err != nil || len(rv.Teams) != 1 || rv.Teams[0].GetSlug() != "security" || len(rv.Users) != 1 {
		t.Errorf("ListReviewers: %+v, %v", rv, err)
	}
	var requested []string
	for _, ev := range gh.IssueEvents(org, "api", 1) {
		if ev.GetEvent() == "review_requested" {
			who := ev.GetRequestedReviewer().GetLogin() + ev.GetRequestedTeam().GetSlug()
			requested = append(requested, who+" by "+ev.GetReviewRequester().GetLogin())
		}
	}
	if fmt.Sprint(requested) != "[max by mountguard[bot] security by mountguard[bot]]" {
		t.Errorf("review_requested events: %v", requested)
	}
	if _, err := f.client.PullRequests.RemoveReviewers(ctx, org, "api", 1, github.ReviewersRequest{TeamReviewers: []string{"security"}}); err != nil {
		t.Fatal(err)
	}
	if u, tm := gh.RequestedReviewers(org, "api", 1); fmt.Sprint(u, tm) != "[max] []" {
		t.Errorf("after removing the team: %v %v", u, tm)
	}
}

// TestAuthorAssociation: a direct collaborator is COLLABORATOR, a member
// of the organisation MEMBER.
func TestAuthorAssociation(t *testing.T) {
	f := newOrgFixture(t)
	f.must(f.gh.SetRole(org, "api", "col", "write"))
	f.must(f.gh.AddTeam(Team{Org: org, Slug: "core", Members: []string{"mem"}}))
	f.openPR(org, "api", 1, "col")
	f.openPR(org, "api", 2, "mem")
	f.openPR(org, "api", 3, "stranger")
	for n, want := range map[int]string{1: "COLLABORATOR", 2: "MEMBER", 3: "CONTRIBUTOR"} {
		pr, _, err := f.client.PullRequests.Get(ctx, org, "api", n)
		if err != nil || pr.GetAuthorAssociation() != want {
			t.Errorf("#%d: %q, %v; want %s", n, pr.GetAuthorAssociation(), err, want)
		}
	}
}

// decodeRaw GETs a path and decodes the JSON body into v.
func decodeRaw(t *testing.T, c *github.Client, path string, v any) {
	t.Helper()
	resp, body := rawGet(t, c, path, http.Header{})
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatal(err)
	}
}

// TestListRepositories: an organisation's repositories as the
// credentials see them, and a user's public ones.
func TestListRepositories(t *testing.T) {
	f := newOrgFixture(t)
	f.must(f.gh.AddRepo(Repo{Owner: "other", Name: "x", OwnerType: "Organization"}))
	f.must(f.gh.AddRepo(Repo{Owner: "dave", Name: "pub"}))
	f.must(f.gh.AddRepo(Repo{Owner: "dave", Name: "priv", Private: true}))
	names := func(c *github.Client, owner string, org bool, opts *github.RepositoryListByOrgOptions) string {
		t.Helper()
		var repos []*github.Repository
		var err error
		if org {
			repos, _, err = c.Repositories.ListByOrg(ctx, owner, opts)
		} else {
			repos, _, err = c.Repositories.ListByUser(ctx, owner, nil)
		}
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, r := range repos {
			out = append(out, r.GetFullName())
		}
		return fmt.Sprint(out)
	}
	if got := names(f.client, org, true, &github.RepositoryListByOrgOptions{Sort: "full_name"}); got != "[acme/api acme/web]" {
		t.Errorf("acme: %s", got)
	}
	if got := names(f.client, org, true, &github.RepositoryListByOrgOptions{Type: "private"}); got != "[acme/api]" {
		t.Errorf("acme, private: %s", got)
	}
	if got := names(newClient(f.gh, ""), org, true, nil); got != "[acme/web]" {
		t.Errorf("acme without a token: %s", got)
	}
	if got := names(f.client, "other", true, nil); got != "[]" {
		t.Errorf("another organisation through the installation: %s", got)
	}
	_, _, err := f.client.Repositories.ListByOrg(ctx, "dave", nil)
	wantAPIError(t, err, 404)
	if got := names(newClient(f.gh, f.gh.UserToken("dave")), "dave", false, nil); got != "[dave/pub]" {
		t.Errorf("dave's repositories: %s", got)
	}
	r, _, err := f.client.Repositories.Get(ctx, org, "api")
	if err != nil || r.Archived == nil || r.GetArchived() || r.GetDisabled() {
		t.Errorf("archived/disabled: %v %v", r.Archived, err)
	}
}
