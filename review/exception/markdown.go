package exception

import (
	"regexp"
	"strings"

	"github.com/mountguard/mountguard/review/mdsafe"
)

// Text in the record comment comes from three places. The record's
// structure is ours. Labels, logins and team names come from GitHub and
// the repository's configuration. Everything about a finding (paths,
// service names, messages, justifications) comes from the compose file of
// the pull request, whose author is the very person who needs the
// exception: it is hostile, and must not be able to change the comment's
// structure, hide or forge the record marker, or mention anyone. It goes
// through review/mdsafe, which review/comment uses too; what is left here
// names users and teams.

// login matches a GitHub login (and an App's bot account, "name[bot]").
var login = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$`)

// teamName matches "org/team-slug".
var teamName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)

// DefaultWebURL is github.com's web address, where profile and team links
// point when the caller does not know the instance's.
const DefaultWebURL = "https://github.com/"

// web is the address of the GitHub instance's web pages, ending in "/":
// https://github.com/, or https://HOST/ on GitHub Enterprise Server, so
// that the links in comments reach the users and teams of the instance
// that shows them.
type web string

func webRoot(u string) web {
	if u == "" {
		return DefaultWebURL
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return web(u)
}

// userRef names a user with a link to their profile but without an
// @-mention: the record and the notes are edited on every run, and naming
// approvers must not notify them each time. Anything that is not a login
// (a record edited by hand) is shown as code.
func (w web) userRef(user string) string {
	if user == "" {
		return "_someone unknown_"
	}
	if login.MatchString(user) && !strings.HasSuffix(user, "[bot]") {
		return "[" + user + "](" + string(w) + user + ")"
	}
	return mdsafe.CodeSpan(user, 60)
}

// mention names a user with an @-mention, which notifies them: used once,
// for the person whose label was refused.
func (w web) mention(user string) string {
	if login.MatchString(user) && !strings.HasSuffix(user, "[bot]") {
		return "@" + user
	}
	return w.userRef(user)
}

// teamRef links a team ("org/slug") without mentioning it.
func (w web) teamRef(team string) string {
	if teamName.MatchString(team) {
		org, slug, _ := strings.Cut(team, "/")
		return "[" + team + "](" + string(w) + "orgs/" + org + "/teams/" + slug + ")"
	}
	return mdsafe.CodeSpan(team, 150)
}
