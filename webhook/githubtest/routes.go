package githubtest

import (
	"net/url"
	"strings"
)

// route is one endpoint. Patterns use GitHub's own parameter names; a
// parameter ending in "..." takes one or more whole segments (file paths
// and refs such as "feature/x" contain slashes).
type route struct {
	method  string
	pattern string
	// jwt marks the App's endpoints, which take the App JWT instead of a
	// token.
	jwt bool
	// free marks requests that do not count against the rate limit.
	free bool
	// anonymous marks endpoints that also answer without credentials.
	anonymous bool
	// resource is the rate limit the endpoint counts against, "core"
	// when empty.
	resource string
	fn       func(*Server, *request) *reply
	segs     []string
}

func (rt *route) name() string                         { return rt.method + " " + rt.pattern }
func (rt *route) handle(s *Server, rq *request) *reply { return rt.fn(s, rq) }
func ep(method, pattern string, fn func(*Server, *request) *reply) *route {
	return &route{method: method, pattern: pattern, fn: fn, segs: strings.Split(strings.TrimPrefix(pattern, "/"), "/")}
}

// routes lists every endpoint the fake serves, more specific patterns
// first. Anything else is GitHub's 404.
var routes = []*route{
	jwtRoute(ep("GET", "/app", (*Server).getApp)),
	jwtRoute(ep("GET", "/app/installations", (*Server).listInstallations)),
	jwtRoute(ep("GET", "/app/installations/{installation_id}", (*Server).getInstallation)),
	jwtRoute(ep("POST", "/app/installations/{installation_id}/access_tokens", (*Server).createAccessToken)),
	jwtRoute(ep("GET", "/repos/{owner}/{repo}/installation", (*Server).getRepoInstallation)),
	jwtRoute(ep("GET", "/orgs/{org}/installation", (*Server).getAccountInstallation)),
	jwtRoute(ep("GET", "/users/{username}/installation", (*Server).getAccountInstallation)),

	anonymousRoute(freeRoute(ep("GET", "/rate_limit", (*Server).getRateLimit))),

	ep("GET", "/repos/{owner}/{repo}", (*Server).getRepo),
	anonymousRoute(ep("GET", "/orgs/{org}/repos", (*Server).listOrgRepos)),
	anonymousRoute(ep("GET", "/users/{username}/repos", (*Server).listUserRepos)),
	ep("GET", "/repos/{owner}/{repo}/contents/{path...}", (*Server).getContents),
	ep("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha...}", (*Server).getTree),
	ep("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", (*Server).getBlob),

	ep("GET", "/repos/{owner}/{repo}/pulls", (*Server).listPulls),
	ep("GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", (*Server).getComment),
	ep("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", (*Server).editComment),
	ep("DELETE", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", (*Server).deleteComment),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", (*Server).getPull),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", (*Server).listPullFiles),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", (*Server).listPullCommits),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", (*Server).listComments),
	ep("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", (*Server).createComment),
	ep("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", (*Server).createReply),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", (*Server).listReviews),
	ep("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", (*Server).createReview),
	ep("GET", "/repos/{owner}/{repo}/commits/{commit_sha...}/pulls", (*Server).listPullsForCommit),
	ep("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (*Server).listRequestedReviewers),
	ep("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (*Server).requestReviewers),
	ep("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (*Server).removeReviewers),

	ep("GET", "/repos/{owner}/{repo}/labels", (*Server).listLabels),
	ep("POST", "/repos/{owner}/{repo}/labels", (*Server).createLabel),
	ep("GET", "/repos/{owner}/{repo}/labels/{name}", (*Server).getLabel),
	ep("PATCH", "/repos/{owner}/{repo}/labels/{name}", (*Server).updateLabel),
	ep("DELETE", "/repos/{owner}/{repo}/labels/{name}", (*Server).deleteLabel),

	ep("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (*Server).getIssueComment),
	ep("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (*Server).editIssueComment),
	ep("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (*Server).deleteIssueComment),
	ep("GET", "/repos/{owner}/{repo}/issues/{issue_number}", (*Server).getIssue),
	ep("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", (*Server).listIssueLabels),
	ep("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", (*Server).addIssueLabels),
	ep("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", (*Server).removeIssueLabel),
	ep("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", (*Server).listIssueEvents),
	ep("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (*Server).listIssueComments),
	ep("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (*Server).createIssueComment),

	ep("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", (*Server).getCollaboratorPermission),
	ep("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", (*Server).getTeamMembership),

	// Search has a rate limit of its own, and answers without
	// credentials too (public repositories only).
	anonymousRoute(searchRoute(ep("GET", "/search/issues", (*Server).searchIssues))),

	ep("POST", "/repos/{owner}/{repo}/check-runs", (*Server).createCheckRun),
	ep("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (*Server).getCheckRun),
	ep("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (*Server).updateCheckRun),
	ep("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", (*Server).listAnnotations),
	ep("GET", "/repos/{owner}/{repo}/commits/{ref...}/check-runs", (*Server).listCheckRunsForRef),

	// Not the API: where a file's download_url points (GitHub's
	// raw.githubusercontent.com), used by go-github's DownloadContents.
	freeRoute(ep("GET", "/_raw/{owner}/{repo}/{sha}/{path...}", (*Server).getRaw)),
}

func jwtRoute(rt *route) *route  { rt.jwt = true; return rt }
func freeRoute(rt *route) *route { rt.free = true; return rt }
func searchRoute(rt *route) *route {
	rt.resource = resourceSearch
	return rt
}
func anonymousRoute(rt *route) *route {
	rt.anonymous = true
	return rt
}

// matchRoute finds the endpoint for an escaped request path and returns
// its unescaped parameters.
func matchRoute(method, escapedPath string) (*route, map[string]string) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	for _, rt := range routes {
		if rt.method != method {
			continue
		}
		if params, ok := matchSegs(rt.segs, segs); ok {
			return rt, params
		}
	}
	return nil, nil
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	params := map[string]string{}
	greedy := -1
	for i, p := range pattern {
		if strings.HasSuffix(p, "...}") {
			greedy = i
		}
	}
	if greedy < 0 {
		if len(pattern) != len(segs) {
			return nil, false
		}
		return params, matchFixed(pattern, segs, params)
	}
	before, after := pattern[:greedy], pattern[greedy+1:]
	if len(segs) < len(before)+len(after) {
		return nil, false
	}
	if !matchFixed(before, segs[:len(before)], params) ||
		!matchFixed(after, segs[len(segs)-len(after):], params) {
		return nil, false
	}
	middle := segs[len(before) : len(segs)-len(after)]
	var parts []string
	for _, m := range middle {
		u, err := url.PathUnescape(m)
		if err != nil {
			return nil, false
		}
		parts = append(parts, u)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(pattern[greedy], "{"), "...}")
	params[name] = strings.Join(parts, "/")
	return params, true
}

func matchFixed(pattern, segs []string, params map[string]string) bool {
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			u, err := url.PathUnescape(segs[i])
			if err != nil || u == "" {
				return false
			}
			params[strings.Trim(p, "{}")] = u
		} else if p != segs[i] {
			return false
		}
	}
	return true
}
