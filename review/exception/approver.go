package exception

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mountguard/mountguard/review/config"
)

// approvers answers "may this user grant exceptions?", asking GitHub at
// most once per user and team in a run: a run may meet the same login on
// several labels.
type approvers struct {
	gh       GitHub
	r        *run
	verdicts map[string]bool // lower-case login -> approver
}

// roleRank is a role's place in config.Roles; -1 for no role. A custom
// role counts as read: GitHub builds custom roles on a base role, and
// read is the least any of them grants, so a custom role never passes a
// stricter minimum by accident.
func roleRank(role string) int {
	if role == "" || role == "none" {
		return -1
	}
	if i := slices.Index(config.Roles, role); i >= 0 {
		return i
	}
	return 0
}

// check reports whether user may grant exceptions: the listed users
// (checked first, as that costs no request), then the repository role,
// then team membership. An error means "unknown", which the caller must
// treat as "no".
func (a *approvers) check(ctx context.Context, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	key := strings.ToLower(user)
	if v, ok := a.verdicts[key]; ok {
		return v, nil
	}
	ok, err := a.ask(ctx, user)
	if err != nil {
		return false, err
	}
	a.verdicts[key] = ok
	return ok, nil
}

func (a *approvers) ask(ctx context.Context, user string) (bool, error) {
	s := a.r.opts.Settings
	for _, u := range s.Users {
		if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(u), "@"), user) {
			return true, nil
		}
	}
	if min := slices.Index(config.Roles, s.MinRole); min >= 0 {
		role, err := a.gh.Permission(ctx, a.r.pr.Repo, user)
		if err != nil {
			return false, fmt.Errorf("reading the role of %s on %s: %w", user, a.r.pr.Repo, err)
		}
		if roleRank(role) >= min {
			return true, nil
		}
	} else {
		// Configuration is validated, so this is a caller's bug; grant
		// nothing by role rather than guess.
		a.r.log.Warn("exceptions: unknown min_role, no one approves by role", "min_role", s.MinRole)
	}
	for _, t := range s.Teams {
		org, slug, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(t), "@"), "/")
		if !ok || org == "" || slug == "" {
			a.r.log.Warn("exceptions: ignoring a team not written org/team-slug", "team", t)
			continue
		}
		member, err := a.gh.TeamMember(ctx, org, slug, user)
		if err != nil {
			return false, fmt.Errorf("checking whether %s is a member of team %s: %w", user, t, err)
		}
		if member {
			return true, nil
		}
	}
	return false, nil
}

// whoMayApprove says in words who may grant exceptions, one list item per
// way, for the rejection comment.
func whoMayApprove(s config.ExceptionSettings, w web) []string {
	var out []string
	if min := slices.Index(config.Roles, s.MinRole); min >= 0 {
		roles := config.Roles[min:]
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = "**" + r + "**"
		}
		switch len(names) {
		case 1:
			out = append(out, "anyone with the "+names[0]+" role on this repository")
		case len(config.Roles):
			out = append(out, "anyone with a role on this repository (read or higher)")
		default:
			out = append(out, "anyone with the "+strings.Join(names[:len(names)-1], ", ")+" or "+names[len(names)-1]+" role on this repository")
		}
	}
	if len(s.Users) > 0 {
		refs := make([]string, len(s.Users))
		for i, u := range s.Users {
			refs[i] = w.userRef(strings.TrimPrefix(strings.TrimSpace(u), "@"))
		}
		out = append(out, pluralWord(len(refs), "the user ", "the users ")+join(refs))
	}
	if len(s.Teams) > 0 {
		refs := make([]string, len(s.Teams))
		for i, t := range s.Teams {
			refs[i] = w.teamRef(strings.TrimPrefix(strings.TrimSpace(t), "@"))
		}
		out = append(out, pluralWord(len(refs), "members of the team ", "members of the teams ")+join(refs))
	}
	return out
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// join lists items in words: "a", "a and b", "a, b and c".
func join(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
