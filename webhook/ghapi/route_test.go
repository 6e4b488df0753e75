package ghapi

import (
	"net/url"
	"testing"
)

func TestRoute(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"/repos/octo/cat/pulls/12/files", "/repos/{owner}/{repo}/pulls/{number}/files"},
		{"/repos/octo/cat/pulls/12", "/repos/{owner}/{repo}/pulls/{number}"},
		{"/repos/octo/cat/pulls", "/repos/{owner}/{repo}/pulls"},
		{"/repos/octo/cat/pulls/12/comments", "/repos/{owner}/{repo}/pulls/{number}/comments"},
		{"/repos/octo/cat/pulls/12/reviews", "/repos/{owner}/{repo}/pulls/{number}/reviews"},
		{"/repos/octo/cat/pulls/comments/987654", "/repos/{owner}/{repo}/pulls/comments/{comment_id}"},
		{"/repos/octo/cat/contents/deploy/docker-compose.yml", "/repos/{owner}/{repo}/contents/{path}"},
		{"/repos/octo/cat/contents/.github/mountguard.yml", "/repos/{owner}/{repo}/contents/{path}"},
		{"/repos/octo/cat/check-runs", "/repos/{owner}/{repo}/check-runs"},
		{"/repos/octo/cat/check-runs/55", "/repos/{owner}/{repo}/check-runs/{check_run_id}"},
		{"/repos/octo/cat/commits/0123456789abcdef0123456789abcdef01234567/pulls", "/repos/{owner}/{repo}/commits/{sha}/pulls"},
		{"/repos/octo/cat/git/trees/0123456789abcdef0123456789abcdef01234567", "/repos/{owner}/{repo}/git/trees/{sha}"},
		{"/repos/octo/cat/git/ref/heads/feature/x", "/repos/{owner}/{repo}/git/ref/{ref}"},
		{"/repos/octo/cat/branches/release/1.x/protection", "/repos/{owner}/{repo}/branches/{branch}"},
		{"/repos/octo/cat/collaborators/alice/permission", "/repos/{owner}/{repo}/collaborators/{username}/permission"},
		{"/repos/octo/cat/issues/7/events", "/repos/{owner}/{repo}/issues/{number}/events"},
		{"/repos/octo/cat/labels/files", "/repos/{owner}/{repo}/labels/{name}"},
		{"/orgs/octo/teams/security/memberships/alice", "/orgs/{org}/teams/{team_slug}/memberships/{username}"},
		{"/app", "/app"},
		{"/app/installations/31337/access_tokens", "/app/installations/{installation_id}/access_tokens"},
		{"/app/hook/deliveries/12/attempts", "/app/hook/deliveries/{delivery_id}/attempts"},
		// Owners and repositories are positional, whatever they are called.
		{"/repos/pulls/contents/pulls/1", "/repos/{owner}/{repo}/pulls/{number}"},
		// Unknown words and values never reach the label.
		{"/repos/octo/cat/frobnicate/whatever", "/repos/{owner}/{repo}/{param}/{param}"},
		{"/something/12/0123456789abcdef0123456789abcdef01234567", "/{param}/{id}/{sha}"},
		{"/", "/"},
		{"", "/"},
		{"/repos//octo/cat/pulls/1/", "/repos/{owner}/{repo}/pulls/{number}"},
		{"/a/b/c/d/e/f/g/h/i/j/k/l/m/n", "/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{param}/{...}"},
	} {
		if got := Route(tt.path); got != tt.want {
			t.Errorf("Route(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestRouteOfStripsTheAPIRoot(t *testing.T) {
	for _, tt := range []struct{ base, u, want string }{
		{"/api/v3", "https://ghe.example.com/api/v3/repos/o/r/pulls/1", "/repos/{owner}/{repo}/pulls/{number}"},
		{"/api/v3/", "https://ghe.example.com/api/v3/app", "/app"},
		{"", "https://api.github.com/repos/o/r", "/repos/{owner}/{repo}"},
		// A path that merely starts with the same letters keeps them.
		{"/api", "https://x/apix/app", "/{param}/app"},
	} {
		u, _ := url.Parse(tt.u)
		if got := routeOf(tt.base, u); got != tt.want {
			t.Errorf("routeOf(%q, %q) = %q, want %q", tt.base, tt.u, got, tt.want)
		}
	}
}

// The routes of the exceptions workflow and the token client's command;
// escaped slashes in a label name stay inside its segment.
func TestRoutesOfTheExceptionsCalls(t *testing.T) {
	for _, tt := range []struct{ u, want string }{
		{"https://api.github.com/repos/octo/cat/issues/12/labels", "/repos/{owner}/{repo}/issues/{number}/labels"},
		{"https://api.github.com/repos/octo/cat/issues/12/labels/mountguard:%20allow%20docker-socket", "/repos/{owner}/{repo}/issues/{number}/labels/{name}"},
		{"https://api.github.com/repos/octo/cat/issues/12/labels/area%2Fdb", "/repos/{owner}/{repo}/issues/{number}/labels/{name}"},
		{"https://api.github.com/repos/octo/cat/labels?per_page=100&page=2", "/repos/{owner}/{repo}/labels"},
		{"https://api.github.com/repos/octo/cat/issues/12/comments", "/repos/{owner}/{repo}/issues/{number}/comments"},
		{"https://api.github.com/repos/octo/cat/issues/comments/555", "/repos/{owner}/{repo}/issues/comments/{comment_id}"},
		{"https://api.github.com/repos/octo/cat/pulls/12/requested_reviewers", "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers"},
		{"https://api.github.com/repos/octo/cat/pulls/12/commits?per_page=100&page=3", "/repos/{owner}/{repo}/pulls/{number}/commits"},
		{"https://api.github.com/search/issues?q=is%3Apr", "/search/issues"},
		{"https://api.github.com/orgs/octo/repos", "/orgs/{org}/repos"},
		{"https://api.github.com/users/alice/repos", "/users/{username}/repos"},
	} {
		u, _ := url.Parse(tt.u)
		if got := routeOf("", u); got != tt.want {
			t.Errorf("routeOf(%q) = %q, want %q", tt.u, got, tt.want)
		}
	}
}
