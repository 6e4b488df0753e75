package githubtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// Labels: the repository's, those on a pull request (through the issues
// API, as on GitHub), and the labeled/unlabeled issue events that record
// who put them on and took them off.

// GitHub's limits on labels: "name is too long (maximum is 50
// characters)" (github/docs#32156) and 100 characters of description
// (the limit label-sync tools check, e.g. EndBug/label-sync#260,
// seantrane/github-label-presets#63).
const (
	maxLabelName        = 50
	maxLabelDescription = 100
	// defaultLabelColor is the colour GitHub gives a label created
	// without one, and a label it creates because an unknown name was
	// added to an issue.
	defaultLabelColor = "ededed"
)

// Documentation URLs of the label endpoints, as GitHub's error bodies
// give them.
const (
	docCreateLabel      = "https://docs.github.com/rest/issues/labels#create-a-label"
	docUpdateLabel      = "https://docs.github.com/rest/issues/labels#update-a-label"
	docGetLabel         = "https://docs.github.com/rest/issues/labels#get-a-label"
	docAddIssueLabels   = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue"
	docRemoveIssueLabel = "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue"
)

// msgLabelDoesNotExist is GitHub's 404 message for removing a label that
// is not on the issue (googleapis/repo-automation-bots#1084).
const msgLabelDoesNotExist = "Label does not exist"

var hexColor = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// Label describes a repository label for AddLabel.
type Label struct {
	Name string
	// Color is six hex digits without '#' (GitHub's default ededed when
	// empty).
	Color       string
	Description string
}

// defaultLabels are the labels GitHub gives a new repository.
var defaultLabels = []Label{
	{"bug", "d73a4a", "Something isn't working"},
	{"documentation", "0075ca", "Improvements or additions to documentation"},
	{"duplicate", "cfd3d7", "This issue or pull request already exists"},
	{"enhancement", "a2eeef", "New feature or request"},
	{"good first issue", "7057ff", "Good for newcomers"},
	{"help wanted", "008672", "Extra attention is needed"},
	{"invalid", "e4e669", "This doesn't seem right"},
	{"question", "d876e3", "Further information is requested"},
	{"wontfix", "ffffff", "This will not be worked on"},
}

// label is a repository label. Pull requests point at it, so a rename
// shows on them; events copy its name and colour.
type label struct {
	id                       int64
	name, color, description string
	isDefault                bool
}

// issueEvent is one entry of an issue's events.
type issueEvent struct {
	id      int64
	event   string
	actor   *account
	viaApp  int64
	created time.Time
	// label is the label's name and colour when the event happened.
	labelName, labelColor string
	commitID              string
	requestedUser         *account
	requestedTeam         *team
}

// findLabel looks a label up by name, ignoring case as GitHub does.
func findLabel(labels []*label, name string) *label {
	for _, l := range labels {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

func sortedLabels(labels []*label) []*label {
	out := append([]*label(nil), labels...)
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].name) < strings.ToLower(out[j].name) })
	return out
}

// labelJSON is a label as the labels endpoints return it; GitHub sends
// "description": null for a label without one.
type labelJSON struct {
	*github.Label
	Description *string `json:"description"`
}

func (s *Server) labelJSON(r *repo, l *label) labelJSON {
	out := labelJSON{Label: &github.Label{
		ID:      github.Int64(l.id),
		NodeID:  nodeID("Label", l.id),
		URL:     github.String(s.URL + "/repos/" + r.fullName() + "/labels/" + url.PathEscape(l.name)),
		Name:    github.String(l.name),
		Color:   github.String(l.color),
		Default: github.Bool(l.isDefault),
	}}
	if l.description != "" {
		out.Description = github.String(l.description)
	}
	return out
}

// pullLabelsJSON is the labels array of a pull request.
func (s *Server) pullLabelsJSON(p *pull) []*github.Label {
	out := []*github.Label{}
	for _, l := range sortedLabels(p.labels) {
		j := s.labelJSON(p.base, l)
		j.Label.Description = j.Description
		out = append(out, j.Label)
	}
	return out
}

func (s *Server) labelsReply(r *repo, labels []*label) *reply {
	out := []labelJSON{}
	for _, l := range sortedLabels(labels) {
		out = append(out, s.labelJSON(r, l))
	}
	return jsonReply(http.StatusOK, out)
}

// validateLabel checks a label's fields as GitHub's model does and
// returns its "Validation Failed" errors: a name too long
// (github/docs#32156) or taken, ignoring case (code already_exists,
// yegor256/0pdd#160), a colour that is not six hex digits, '#' included
// (code invalid, tektoncd/plumbing#1098, intuit/auto#187), a description
// too long (the fake words it as GitHub words the name's error).
func validateLabel(r *repo, self *label, name, color, description string) []fieldError {
	var errs []fieldError
	switch {
	case name == "":
		errs = append(errs, fieldError{Resource: "Label", Code: "missing_field", Field: "name"})
	case utf8.RuneCountInString(name) > maxLabelName:
		errs = append(errs, fieldError{Resource: "Label", Code: "custom", Field: "name", Message: fmt.Sprintf("name is too long (maximum is %d characters)", maxLabelName)})
	}
	if !hexColor.MatchString(color) {
		errs = append(errs, fieldError{Resource: "Label", Code: "invalid", Field: "color"})
	}
	if utf8.RuneCountInString(description) > maxLabelDescription {
		errs = append(errs, fieldError{Resource: "Label", Code: "custom", Field: "description", Message: fmt.Sprintf("description is too long (maximum is %d characters)", maxLabelDescription)})
	}
	if other := findLabel(r.labels, name); name != "" && other != nil && other != self {
		errs = append(errs, fieldError{Resource: "Label", Code: "already_exists", Field: "name"})
	}
	return errs
}

// labelParam finds {name} among the repository's labels.
func (s *Server) labelParam(rq *request, doc string) (*repo, *label, *reply) {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return nil, nil, rp
	}
	l := findLabel(r.labels, rq.param("name"))
	if l == nil {
		return nil, nil, notFound(doc)
	}
	return r, l, nil
}

// listLabels is GET /repos/{owner}/{repo}/labels, by name, paginated.
func (s *Server) listLabels(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	return pageOf(s, rq, sortedLabels(r.labels), func(l *label) any { return s.labelJSON(r, l) })
}

func (s *Server) getLabel(rq *request) *reply {
	r, l, rp := s.labelParam(rq, docGetLabel)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.labelJSON(r, l))
}

// labelIn is the body of a create or update: go-github sends the new
// name of an update as "name", GitHub documents "new_name"; both work.
type labelIn struct {
	Name        *string `json:"name"`
	NewName     *string `json:"new_name"`
	Color       *string `json:"color"`
	Description *string `json:"description"`
}

// createLabel is POST /repos/{owner}/{repo}/labels.
func (s *Server) createLabel(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	var in labelIn
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply(docCreateLabel)
	}
	if in.Name == nil {
		return invalidRequest(docCreateLabel, []string{supplied([]string{"name"})})
	}
	color := defaultLabelColor
	if in.Color != nil {
		color = *in.Color
	}
	if errs := validateLabel(r, nil, *in.Name, color, deref(in.Description)); len(errs) > 0 {
		return validationFailed(docCreateLabel, errs...)
	}
	l := &label{id: s.newID(), name: *in.Name, color: color, description: deref(in.Description)}
	r.labels = append(r.labels, l)
	return jsonReply(http.StatusCreated, s.labelJSON(r, l))
}

// updateLabel is PATCH /repos/{owner}/{repo}/labels/{name}: a new name,
// colour or description. Pull requests show the new name; their past
// events keep the old one.
func (s *Server) updateLabel(rq *request) *reply {
	r, l, rp := s.labelParam(rq, docUpdateLabel)
	if rp != nil {
		return rp
	}
	var in labelIn
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply(docUpdateLabel)
	}
	name, color, desc := l.name, l.color, l.description
	if in.NewName != nil {
		name = *in.NewName
	} else if in.Name != nil {
		name = *in.Name
	}
	if in.Color != nil {
		color = *in.Color
	}
	if in.Description != nil {
		desc = *in.Description
	}
	if errs := validateLabel(r, l, name, color, desc); len(errs) > 0 {
		return validationFailed(docUpdateLabel, errs...)
	}
	l.name, l.color, l.description = name, color, desc
	return jsonReply(http.StatusOK, s.labelJSON(r, l))
}

// deleteLabel is DELETE /repos/{owner}/{repo}/labels/{name}. The label
// leaves every pull request it was on with an unlabeled event, as GitHub
// records one (a probe reported in mbeacom/adrkit's ADR 0042).
func (s *Server) deleteLabel(rq *request) *reply {
	r, l, rp := s.labelParam(rq, "")
	if rp != nil {
		return rp
	}
	for _, p := range r.sortedPulls() {
		if findLabel(p.labels, l.name) == l {
			s.unlabel(p, l, rq.cred.user, viaApp(s, rq.cred))
		}
	}
	for i, other := range r.labels {
		if other == l {
			r.labels = append(r.labels[:i], r.labels[i+1:]...)
			break
		}
	}
	return &reply{status: http.StatusNoContent}
}

func (r *repo) sortedPulls() []*pull {
	out := make([]*pull, 0, len(r.pulls))
	for _, p := range r.pulls {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}

// issueParam finds {issue_number}: the fake's issues are its pull
// requests.
func (s *Server) issueParam(rq *request) (*repo, *pull, *reply) {
	rq.params["pull_number"] = rq.param("issue_number")
	return s.pullParam(rq)
}

// listIssueLabels is GET /repos/{owner}/{repo}/issues/{n}/labels.
func (s *Server) listIssueLabels(rq *request) *reply {
	r, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	return pageOf(s, rq, sortedLabels(p.labels), func(l *label) any { return s.labelJSON(r, l) })
}

// issueLabelNames reads the body of POST .../issues/{n}/labels in each
// form GitHub takes: {"labels": ["a"]}, {"labels": [{"name": "a"}]}, or
// the array alone (which go-github sends).
func issueLabelNames(body []byte) ([]string, bool) {
	var wrapped struct {
		Labels json.RawMessage `json:"labels"`
	}
	raw := json.RawMessage(body)
	if err := json.Unmarshal(body, &wrapped); err == nil && wrapped.Labels != nil {
		raw = wrapped.Labels
	}
	var names []string
	if json.Unmarshal(raw, &names) == nil {
		return names, true
	}
	var objs []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &objs) != nil {
		return nil, false
	}
	for _, o := range objs {
		names = append(names, o.Name)
	}
	return names, true
}

// addIssueLabels is POST /repos/{owner}/{repo}/issues/{n}/labels. A name
// the repository lacks is created with GitHub's default colour; a name
// GitHub cannot take fails the whole request with its error for names
// added this way (`{"value": name, "resource": "Label", "field": "name",
// "code": "invalid"}`, semantic-release/github#518). It answers with
// every label now on the pull request.
func (s *Server) addIssueLabels(rq *request) *reply {
	r, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	names, ok := issueLabelNames(rq.body)
	if !ok {
		return problemsReply(docAddIssueLabels)
	}
	var errs []fieldError
	for _, name := range names {
		if name == "" || utf8.RuneCountInString(name) > maxLabelName {
			errs = append(errs, fieldError{Value: name, Resource: "Label", Field: "name", Code: "invalid"})
		}
	}
	if len(errs) > 0 {
		return validationFailed(docAddIssueLabels, errs...)
	}
	for _, name := range names {
		l := findLabel(r.labels, name)
		if l == nil {
			l = &label{id: s.newID(), name: name, color: defaultLabelColor}
			r.labels = append(r.labels, l)
		}
		if findLabel(p.labels, l.name) == nil {
			s.applyLabel(p, l, rq.cred.user, viaApp(s, rq.cred))
		}
	}
	return s.labelsReply(r, p.labels)
}

// removeIssueLabel is DELETE /repos/{owner}/{repo}/issues/{n}/labels/{name}:
// the remaining labels, or GitHub's 404 "Label does not exist" when the
// label is not on the pull request.
func (s *Server) removeIssueLabel(rq *request) *reply {
	r, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	l := findLabel(p.labels, rq.param("name"))
	if l == nil {
		return errReply(http.StatusNotFound, msgLabelDoesNotExist, docRemoveIssueLabel)
	}
	s.unlabel(p, l, rq.cred.user, viaApp(s, rq.cred))
	return s.labelsReply(r, p.labels)
}

// applyLabel puts a label on a pull request and records the event.
func (s *Server) applyLabel(p *pull, l *label, actor *account, app int64) {
	p.labels = append(p.labels, l)
	s.addEvent(p, &issueEvent{event: "labeled", actor: actor, viaApp: app, labelName: l.name, labelColor: l.color})
}

// unlabel takes a label off a pull request and records the event.
func (s *Server) unlabel(p *pull, l *label, actor *account, app int64) {
	for i, other := range p.labels {
		if other == l {
			p.labels = append(p.labels[:i], p.labels[i+1:]...)
			break
		}
	}
	s.addEvent(p, &issueEvent{event: "unlabeled", actor: actor, viaApp: app, labelName: l.name, labelColor: l.color})
}

// addEvent records an issue event now; it also updates the pull request.
func (s *Server) addEvent(p *pull, ev *issueEvent) {
	ev.id = s.newID()
	ev.created = s.now()
	p.events = append(p.events, ev)
	p.updated = ev.created
}

// issueEventJSON adds what go-github's type omits when null.
type issueEventJSON struct {
	*github.IssueEvent
	CommitID              *string     `json:"commit_id"`
	CommitURL             *string     `json:"commit_url"`
	PerformedViaGithubApp *github.App `json:"performed_via_github_app"`
}

func (s *Server) eventJSON(p *pull, ev *issueEvent) issueEventJSON {
	repoAPI := s.URL + "/repos/" + p.base.fullName()
	out := issueEventJSON{IssueEvent: &github.IssueEvent{
		ID:        github.Int64(ev.id),
		URL:       github.String(fmt.Sprintf("%s/issues/events/%d", repoAPI, ev.id)),
		Actor:     s.userJSON(ev.actor),
		Event:     github.String(ev.event),
		CreatedAt: ts(ev.created),
	}}
	if ev.labelName != "" {
		// GitHub's event carries the label's name and colour only.
		out.Label = &github.Label{Name: github.String(ev.labelName), Color: github.String(ev.labelColor)}
	}
	if ev.commitID != "" {
		out.CommitID = github.String(ev.commitID)
		out.CommitURL = github.String(repoAPI + "/commits/" + ev.commitID)
	}
	if ev.requestedUser != nil {
		out.RequestedReviewer = s.userJSON(ev.requestedUser)
		out.ReviewRequester = s.userJSON(ev.actor)
	}
	if ev.requestedTeam != nil {
		out.RequestedTeam = s.teamJSON(ev.requestedTeam)
		out.ReviewRequester = s.userJSON(ev.actor)
	}
	if ev.viaApp != 0 {
		out.PerformedViaGithubApp = s.appJSON()
	}
	return out
}

// listIssueEvents is GET /repos/{owner}/{repo}/issues/{n}/events, oldest
// first, paginated.
func (s *Server) listIssueEvents(rq *request) *reply {
	_, p, rp := s.issueParam(rq)
	if rp != nil {
		return rp
	}
	return pageOf(s, rq, p.events, func(ev *issueEvent) any { return s.eventJSON(p, ev) })
}

// AddLabel creates a repository label, as someone would in the labels
// page.
func (s *Server) AddLabel(owner, repoName string, l Label) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return err
	}
	if l.Color == "" {
		l.Color = defaultLabelColor
	}
	if errs := validateLabel(r, nil, l.Name, l.Color, l.Description); len(errs) > 0 {
		return fmt.Errorf("githubtest: label %q: %+v", l.Name, errs)
	}
	r.labels = append(r.labels, &label{id: s.newID(), name: l.Name, color: l.Color, description: l.Description})
	return nil
}

// SetLabel is a person putting a label on a pull request (on) or taking
// it off (!on) in GitHub's web UI: the label must exist in the
// repository, and the actor needs the triage role or more, as in the UI.
// The change is recorded with a labeled or unlabeled issue event whose
// actor is the person. It returns the pull_request webhook delivery
// GitHub sends for it (action labeled or unlabeled, with label, sender,
// repository, organization, installation and the pull request with its
// labels); set its Secret before NewRequest.
func (s *Server) SetLabel(owner, repoName string, number int, labelName, actor string, on bool) (Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return Delivery{}, err
	}
	p := r.pulls[number]
	if p == nil {
		return Delivery{}, fmt.Errorf("githubtest: %s has no pull request #%d", r.fullName(), number)
	}
	if actor == "" {
		return Delivery{}, errors.New("githubtest: SetLabel needs the actor's login")
	}
	a := s.accountFor(actor, "User")
	if g, ok := s.grantOf(a, r); !ok || roleRank(g.base) < roleRank("triage") {
		return Delivery{}, fmt.Errorf("githubtest: %s cannot label pull requests in %s: labeling needs the triage role or more (SetRole)", actor, r.fullName())
	}
	l := findLabel(r.labels, labelName)
	if l == nil {
		return Delivery{}, fmt.Errorf("githubtest: %s has no label %q (AddLabel)", r.fullName(), labelName)
	}
	onPull := findLabel(p.labels, l.name) != nil
	action := "labeled"
	switch {
	case on && onPull:
		return Delivery{}, fmt.Errorf("githubtest: pull request #%d already has the label %q", number, l.name)
	case !on && !onPull:
		return Delivery{}, fmt.Errorf("githubtest: pull request #%d does not have the label %q", number, l.name)
	case on:
		s.applyLabel(p, l, a, 0)
	default:
		s.unlabel(p, l, a, 0)
		action = "unlabeled"
	}
	return s.pullRequestDelivery(action, p, a, l)
}

// pullRequestDelivery builds a pull_request webhook delivery.
func (s *Server) pullRequestDelivery(action string, p *pull, sender *account, l *label) (Delivery, error) {
	ev := &github.PullRequestEvent{
		Action:      github.String(action),
		Number:      github.Int(p.number),
		PullRequest: s.pullJSON(p),
		Repo:        s.repoJSON(p.base),
		Sender:      s.userJSON(sender),
	}
	if l != nil {
		lj := s.labelJSON(p.base, l)
		lj.Label.Description = lj.Description
		ev.Label = lj.Label
	}
	if o := p.base.owner; o.kind == "Organization" {
		ev.Organization = &github.Organization{
			Login:  github.String(o.login),
			ID:     github.Int64(o.id),
			NodeID: nodeID("Organization", o.id),
			URL:    github.String(s.URL + "/orgs/" + url.PathEscape(o.login)),
		}
	}
	var target int64
	if s.app != nil {
		target = s.app.id
		for _, in := range s.sortedInstallations() {
			if in.covers(p.base) {
				ev.Installation = &github.Installation{ID: github.Int64(in.id), NodeID: nodeID("Installation", in.id)}
				break
			}
		}
	}
	payload, err := json.Marshal(struct {
		*github.PullRequestEvent
		PullRequest pullOutJSON `json:"pull_request"`
	}{ev, s.pullOut(p)})
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Event: "pull_request", ID: newGUID(), InstallationTarget: target, Payload: payload}, nil
}

// Labels returns a repository's labels by name, as the list endpoint
// would.
func (s *Server) Labels(owner, repoName string) []*github.Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil {
		return nil
	}
	var out []*github.Label
	for _, l := range sortedLabels(r.labels) {
		j := s.labelJSON(r, l)
		j.Label.Description = j.Description
		out = append(out, j.Label)
	}
	return out
}

// IssueLabels returns the names of the labels on a pull request, sorted.
func (s *Server) IssueLabels(owner, repoName string, number int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil || r.pulls[number] == nil {
		return nil
	}
	var out []string
	for _, l := range sortedLabels(r.pulls[number].labels) {
		out = append(out, l.name)
	}
	return out
}

// IssueEvents returns a pull request's issue events, oldest first, as the
// events endpoint would.
func (s *Server) IssueEvents(owner, repoName string, number int) []*github.IssueEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repoFor(owner, repoName)
	if err != nil || r.pulls[number] == nil {
		return nil
	}
	p := r.pulls[number]
	var out []*github.IssueEvent
	for _, ev := range p.events {
		j := s.eventJSON(p, ev)
		j.IssueEvent.CommitID = j.CommitID
		j.IssueEvent.PerformedViaGithubApp = j.PerformedViaGithubApp
		out = append(out, j.IssueEvent)
	}
	return out
}
