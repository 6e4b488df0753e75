package ghapi

import (
	"net/url"
	"strings"
)

// paramKind says what a path segment after a collection name can be.
type paramKind int

const (
	// numericID: a number; a known word in its place is a
	// sub-collection (pulls/comments, issues/events) and kept.
	numericID paramKind = iota
	// name: any string, always replaced (a label may be called "files").
	name
	// rest: the rest of the path is one value (a file path, a branch
	// or ref name, both of which may contain slashes).
	rest
)

type param struct {
	placeholder string
	kind        paramKind
}

// params maps a collection name to what follows it in GitHub's REST paths.
var params = map[string]param{
	"pulls":         {"{number}", numericID},
	"issues":        {"{number}", numericID},
	"comments":      {"{comment_id}", numericID},
	"reviews":       {"{review_id}", numericID},
	"check-runs":    {"{check_run_id}", numericID},
	"check-suites":  {"{check_suite_id}", numericID},
	"installations": {"{installation_id}", numericID},
	"repositories":  {"{repository_id}", numericID},
	"hooks":         {"{hook_id}", numericID},
	"deliveries":    {"{delivery_id}", numericID},
	"events":        {"{event_id}", numericID},
	"commits":       {"{sha}", name},
	"blobs":         {"{sha}", name},
	"trees":         {"{sha}", name},
	"statuses":      {"{sha}", name},
	"users":         {"{username}", name},
	"collaborators": {"{username}", name},
	"memberships":   {"{username}", name},
	"members":       {"{username}", name},
	"orgs":          {"{org}", name},
	"teams":         {"{team_slug}", name},
	"labels":        {"{name}", name},
	"apps":          {"{app_slug}", name},
	"app-manifests": {"{code}", name},
	"contents":      {"{path}", rest},
	"ref":           {"{ref}", rest},
	"refs":          {"{ref}", rest},
	"matching-refs": {"{ref}", rest},
	"branches":      {"{branch}", rest},
	"compare":       {"{basehead}", rest},
}

// literals are the fixed words of the REST paths mountguard (or a future
// part of it) calls. A segment that is neither a literal nor in a known
// parameter position becomes "{param}", so no value ever reaches a label.
var literals = map[string]bool{
	"repos": true, "app": true, "access_tokens": true, "installation": true,
	"files": true, "requested_reviewers": true, "merge": true, "replies": true,
	"dismissals": true, "events": true, "timeline": true, "permission": true,
	"annotations": true, "rerequest": true, "hook": true, "attempts": true,
	"config": true, "git": true, "status": true, "rate_limit": true,
	"conversions": true, "search": true, "code": true, "readme": true,
	"pulls": true, "issues": true, "comments": true, "reviews": true,
	"check-runs": true, "check-suites": true, "installations": true,
	"repositories": true, "hooks": true, "deliveries": true, "commits": true,
	"blobs": true, "trees": true, "statuses": true, "users": true,
	"collaborators": true, "memberships": true, "members": true, "orgs": true,
	"teams": true, "labels": true, "apps": true, "app-manifests": true,
	"contents": true, "ref": true, "refs": true, "matching-refs": true,
	"branches": true, "compare": true, "protection": true, "rulesets": true,
}

// maxRouteSegments bounds a route's length; deeper paths end in "{...}".
const maxRouteSegments = 12

// Route turns a REST API path, relative to the API root, into its
// template: "/repos/octo/cat/pulls/12/files" becomes
// "/repos/{owner}/{repo}/pulls/{number}/files". Owners, repositories,
// numbers, SHAs, refs and file paths are replaced, so the metric labels
// built from it stay few whatever the traffic.
func Route(path string) string {
	var segs []string
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	out := make([]string, 0, len(segs))
	prev := ""
	for i := 0; i < len(segs); i++ {
		if len(out) == maxRouteSegments {
			out = append(out, "{...}")
			break
		}
		s := segs[i]
		// /repos/{owner}/{repo} is positional: owners and repositories
		// are named freely (a repository may be called "pulls").
		if prev == "repos" && i+1 < len(segs) {
			out = append(out, "{owner}", "{repo}")
			i++
			prev = "{repo}"
			continue
		}
		if p, ok := params[prev]; ok {
			switch {
			case p.kind == rest:
				out = append(out, p.placeholder)
				i = len(segs)
				continue
			case p.kind == name, !literals[s]:
				out = append(out, p.placeholder)
				prev = p.placeholder
				continue
			}
		}
		switch {
		case literals[s]:
			out = append(out, s)
		case isDigits(s):
			out = append(out, "{id}")
		case isSHA(s):
			out = append(out, "{sha}")
		default:
			out = append(out, "{param}")
		}
		prev = out[len(out)-1]
	}
	return "/" + strings.Join(out, "/")
}

// routeOf is the Route of a request URL, with the API root's path (the
// "/api/v3" of GitHub Enterprise Server) removed first. The escaped path
// is split, so a value holding an escaped slash (a label "area/db") stays
// one segment.
func routeOf(basePath string, u *url.URL) string {
	p := u.EscapedPath()
	if base := strings.TrimSuffix(basePath, "/"); base != "" {
		if trimmed, ok := strings.CutPrefix(p, base); ok && (trimmed == "" || trimmed[0] == '/') {
			p = trimmed
		}
	}
	return Route(p)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// isSHA reports a full SHA-1 or SHA-256 object name.
func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}
