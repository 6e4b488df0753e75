package webhook

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// go-github refuses a whole payload when one field it does not need
// cannot be decoded: real check_run payloads have carried timestamps such
// as "2018-04-25 20:42:10" in their app object, which it cannot parse. For
// the events mountguard acts on, such a payload is read again keeping only
// the fields a review uses, so an odd field elsewhere never costs a
// review.

type leanPR struct {
	Number int `json:"number"`
	User   struct {
		Login string `json:"login"`
	} `json:"user"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
	Head struct {
		SHA string `json:"sha"`
	} `json:"head"`
	Base struct {
		SHA string `json:"sha"`
		Ref string `json:"ref"`
	} `json:"base"`
}

type leanPayload struct {
	Action       string `json:"action"`
	Installation struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	Repository struct {
		Name  string `json:"name"`
		Owner struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
	Label *struct {
		Name string `json:"name"`
	} `json:"label"`
	PullRequest *leanPR `json:"pull_request"`
	Changes     *struct {
		Base *json.RawMessage `json:"base"`
	} `json:"changes"`
	CheckRun *struct {
		HeadSHA      string   `json:"head_sha"`
		ExternalID   string   `json:"external_id"`
		PullRequests []leanPR `json:"pull_requests"`
	} `json:"check_run"`
	RequestedAction *struct {
		Identifier string `json:"identifier"`
	} `json:"requested_action"`
	CheckSuite *struct {
		HeadSHA      string   `json:"head_sha"`
		PullRequests []leanPR `json:"pull_requests"`
	} `json:"check_suite"`
}

// parseLeniently reads a pull_request, check_run or check_suite payload
// into go-github's types, filling only the fields a review uses.
func parseLeniently(name string, payload []byte) (any, error) {
	var p leanPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("%s payload: %w", name, err)
	}
	inst := &github.Installation{ID: github.Int64(p.Installation.ID)}
	repo := &github.Repository{Name: github.String(p.Repository.Name), Owner: &github.User{Login: github.String(p.Repository.Owner.Login)}}
	sender := &github.User{Login: github.String(p.Sender.Login)}
	action := github.String(p.Action)
	switch name {
	case "pull_request":
		if p.PullRequest == nil {
			return nil, fmt.Errorf("pull_request payload without a pull_request")
		}
		ev := &github.PullRequestEvent{Action: action, Installation: inst, Repo: repo, Sender: sender, PullRequest: toPR(*p.PullRequest)}
		if p.Label != nil {
			ev.Label = &github.Label{Name: github.String(p.Label.Name)}
		}
		if p.Changes != nil && p.Changes.Base != nil {
			ev.Changes = &github.EditChange{Base: &github.EditBase{}}
		}
		return ev, nil
	case "check_run":
		if p.CheckRun == nil {
			return nil, fmt.Errorf("check_run payload without a check_run")
		}
		run := &github.CheckRun{HeadSHA: github.String(p.CheckRun.HeadSHA), ExternalID: github.String(p.CheckRun.ExternalID)}
		for _, pr := range p.CheckRun.PullRequests {
			run.PullRequests = append(run.PullRequests, toPR(pr))
		}
		ev := &github.CheckRunEvent{Action: action, Installation: inst, Repo: repo, Sender: sender, CheckRun: run}
		if p.RequestedAction != nil {
			ev.RequestedAction = &github.RequestedAction{Identifier: p.RequestedAction.Identifier}
		}
		return ev, nil
	case "check_suite":
		if p.CheckSuite == nil {
			return nil, fmt.Errorf("check_suite payload without a check_suite")
		}
		suite := &github.CheckSuite{HeadSHA: github.String(p.CheckSuite.HeadSHA)}
		for _, pr := range p.CheckSuite.PullRequests {
			suite.PullRequests = append(suite.PullRequests, toPR(pr))
		}
		return &github.CheckSuiteEvent{Action: action, Installation: inst, Repo: repo, Sender: sender, CheckSuite: suite}, nil
	}
	return nil, fmt.Errorf("no lenient reading for %s events", name)
}

func toPR(pr leanPR) *github.PullRequest {
	var labels []*github.Label
	for _, l := range pr.Labels {
		labels = append(labels, &github.Label{Name: github.String(l.Name)})
	}
	return &github.PullRequest{
		Labels: labels,
		User:   &github.User{Login: github.String(pr.User.Login)},
		Number: github.Int(pr.Number),
		Head:   &github.PullRequestBranch{SHA: github.String(pr.Head.SHA)},
		Base:   &github.PullRequestBranch{SHA: github.String(pr.Base.SHA), Ref: github.String(pr.Base.Ref)},
	}
}
