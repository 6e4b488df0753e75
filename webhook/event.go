package webhook

import (
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"
	"github.com/mountguard/mountguard/review/pullreq"
)

// Event is a request to review the pull requests at a head commit, taken
// from one webhook delivery. Everything below this package works from
// Events, never from HTTP requests.
type Event struct {
	Delivery     string
	Name         string // "pull_request.synchronize", "check_suite.requested", ...
	Installation int64
	Repo         pullreq.Repo
	// WebURL is the web address of the GitHub instance that sent the
	// event (https://github.com/ or https://HOST/), for links in comments.
	WebURL  string
	HeadSHA string
	// PullRequests are the pull requests the payload names, with what it
	// says of them. It is empty for check events from forks: the processor
	// then finds them by head SHA.
	PullRequests []pullreq.PullRequest
	// Fresh: the pull request was just opened, so no earlier run has
	// commented on it.
	Fresh  bool
	Sender string
	// Labels are the pull request's labels when the payload carries them
	// (LabelsKnown), which saves a request.
	Labels      []string
	LabelsKnown bool
	// Label is the label a labeled or unlabeled event is about.
	Label string
	// RequestReview: someone pressed the check run's "Request review"
	// button; no review runs, the security team is asked instead.
	RequestReview bool
}

// key serializes the work for one pull request.
func (e Event) key() string {
	if len(e.PullRequests) == 1 {
		return e.Repo.String() + "#" + strconv.Itoa(e.PullRequests[0].Number)
	}
	return e.Repo.String() + "@" + e.HeadSHA
}

// RequestReviewAction identifies the check run's "Request review" button.
const RequestReviewAction = "request-review"

// reviewActions are the pull_request actions that call for a review.
var reviewActions = map[string]bool{
	"opened": true, "reopened": true, "synchronize": true, "ready_for_review": true,
	"labeled": true, "unlabeled": true, "edited": true,
}

// eventFrom turns a parsed payload into an Event. It reports false for
// deliveries that ask for no review: other actions, an edit that did not
// change the base branch, events this App does not handle.
func eventFrom(name, delivery string, payload any) (Event, bool) {
	ev := Event{Delivery: delivery}
	switch p := payload.(type) {
	case *github.PullRequestEvent:
		action := p.GetAction()
		if !reviewActions[action] || (action == "edited" && p.GetChanges().GetBase() == nil) {
			return ev, false
		}
		pr := p.GetPullRequest()
		ev.Name = "pull_request." + action
		ev.Installation = p.GetInstallation().GetID()
		ev.Repo, ev.WebURL = repoOf(p.GetRepo()), webURLOf(p.GetRepo())
		ev.HeadSHA = pr.GetHead().GetSHA()
		ev.Fresh = action == "opened"
		ev.Sender = p.GetSender().GetLogin()
		ev.Label = p.GetLabel().GetName()
		// A bot cannot grant an exception, and the App's own label
		// changes (needs review) must not start another review.
		if (action == "labeled" || action == "unlabeled") && (p.GetSender().GetType() == "Bot" || strings.HasSuffix(ev.Sender, "[bot]")) {
			return ev, false
		}
		ev.LabelsKnown = true
		for _, l := range pr.Labels {
			ev.Labels = append(ev.Labels, l.GetName())
		}
		ev.PullRequests = []pullreq.PullRequest{{
			Repo: ev.Repo, Number: pr.GetNumber(), HeadSHA: pr.GetHead().GetSHA(),
			BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(), Author: pr.GetUser().GetLogin(),
		}}
	case *github.CheckRunEvent:
		action := p.GetAction()
		button := ""
		if action == "requested_action" {
			button = p.GetRequestedAction().Identifier
		}
		if action != "rerequested" && button != "rerun" && button != RequestReviewAction {
			return ev, false
		}
		ev.RequestReview = button == RequestReviewAction
		run := p.GetCheckRun()
		ev.Name = "check_run." + action
		ev.Installation = p.GetInstallation().GetID()
		ev.Repo, ev.WebURL = repoOf(p.GetRepo()), webURLOf(p.GetRepo())
		ev.HeadSHA = run.GetHeadSHA()
		ev.Sender = p.GetSender().GetLogin()
		ev.PullRequests = prsOf(ev.Repo, run.PullRequests)
		if len(ev.PullRequests) == 0 {
			// A fork's run: the number kept in external_id says which
			// pull request it was.
			if n, err := strconv.Atoi(run.GetExternalID()); err == nil && n > 0 {
				ev.PullRequests = []pullreq.PullRequest{{Repo: ev.Repo, Number: n, HeadSHA: ev.HeadSHA}}
			}
		}
	case *github.CheckSuiteEvent:
		action := p.GetAction()
		if action != "requested" && action != "rerequested" {
			return ev, false
		}
		suite := p.GetCheckSuite()
		ev.Name = "check_suite." + action
		ev.Installation = p.GetInstallation().GetID()
		ev.Repo, ev.WebURL = repoOf(p.GetRepo()), webURLOf(p.GetRepo())
		ev.HeadSHA = suite.GetHeadSHA()
		ev.Sender = p.GetSender().GetLogin()
		ev.PullRequests = prsOf(ev.Repo, suite.PullRequests)
	default:
		return ev, false
	}
	return ev, ev.Installation != 0 && ev.Repo.Owner != "" && ev.HeadSHA != ""
}

func repoOf(r *github.Repository) pullreq.Repo {
	return pullreq.Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName()}
}

// webURLOf derives the instance's web address from the repository's page
// ("https://ghe.example.com/octo/cat" gives "https://ghe.example.com/"):
// the payload does not state it otherwise. "" when the page does not end
// in the repository's name, and the links then go to github.com.
func webURLOf(r *github.Repository) string {
	page, name := r.GetHTMLURL(), "/"+r.GetFullName()
	if len(page) <= len(name) || !strings.EqualFold(page[len(page)-len(name):], name) {
		return ""
	}
	root := page[:len(page)-len(name)+1]
	if !strings.HasPrefix(root, "https://") && !strings.HasPrefix(root, "http://") {
		return ""
	}
	return root
}

// prsOf reads the pull requests a check payload lists. Their base SHA and
// ref are there; their head is the check's head.
func prsOf(repo pullreq.Repo, prs []*github.PullRequest) []pullreq.PullRequest {
	var out []pullreq.PullRequest
	for _, pr := range prs {
		out = append(out, pullreq.PullRequest{
			Repo: repo, Number: pr.GetNumber(), HeadSHA: pr.GetHead().GetSHA(),
			BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(),
		})
	}
	return out
}
