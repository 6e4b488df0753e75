package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func labelNames(labels []*github.Label) []string {
	var out []string
	for _, l := range labels {
		out = append(out, l.GetName())
	}
	return out
}

// TestRepositoryLabels: GitHub's default labels, paginated by name.
func TestRepositoryLabels(t *testing.T) {
	f := newFixture(t)
	var all []*github.Label
	opts := &github.ListOptions{PerPage: 5}
	for {
		page, resp, err := f.client.Issues.ListLabels(ctx, owner, repoName, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	want := "[bug documentation duplicate enhancement good first issue help wanted invalid question wontfix]"
	if got := fmt.Sprint(labelNames(all)); got != want {
		t.Errorf("labels %s, want %s", got, want)
	}
	bug := all[0]
	if bug.GetColor() != "d73a4a" || !bug.GetDefault() || bug.GetDescription() != "Something isn't working" || bug.GetID() == 0 || bug.GetURL() != f.gh.URL+"/repos/octo/shop/labels/bug" {
		t.Errorf("bug: %+v", bug)
	}
	if n := f.gh.Count("GET /repos/{owner}/{repo}/labels"); n != 2 {
		t.Errorf("%d list calls, want 2", n)
	}
	f.must(f.gh.AddRepo(Repo{Owner: owner, Name: "bare", NoDefaultLabels: true}))
	if l := f.gh.Labels(owner, "bare"); len(l) != 0 {
		t.Errorf("NoDefaultLabels: %v", labelNames(l))
	}
}

func TestCreateLabel(t *testing.T) {
	f := newFixture(t)
	l, resp, err := f.client.Issues.CreateLabel(ctx, owner, repoName, &github.Label{
		Name: github.String("mountguard: exception"), Color: github.String("B60205"), Description: github.String("Findings excepted by a security lead"),
	})
	if err != nil || resp.StatusCode != 201 {
		t.Fatal(err)
	}
	if l.GetName() != "mountguard: exception" || l.GetColor() != "B60205" || l.GetDefault() || l.GetURL() != f.gh.URL+"/repos/octo/shop/labels/mountguard:%20exception" {
		t.Errorf("created %+v", l)
	}
	// Without a colour: GitHub's grey. Without a description: null.
	resp2, body := rawPost(t, f.client, "repos/octo/shop/labels", map[string]string{"name": "plain"})
	if resp2.StatusCode != 201 || !strings.Contains(string(body), `"color":"ededed"`) || !strings.Contains(string(body), `"description":null`) {
		t.Errorf("label without colour: %d %s", resp2.StatusCode, body)
	}

	for _, tt := range []struct {
		label       *github.Label
		code, field string
		message     string
	}{
		{label: &github.Label{Name: github.String("MOUNTGUARD: Exception"), Color: github.String("ffffff")}, code: "already_exists", field: "name"},
		{label: &github.Label{Name: github.String("x"), Color: github.String("#ff0000")}, code: "invalid", field: "color"},
		{label: &github.Label{Name: github.String("x"), Color: github.String("fff")}, code: "invalid", field: "color"},
		{label: &github.Label{Name: github.String(strings.Repeat("n", 51)), Color: github.String("ffffff")}, code: "custom", field: "name", message: "name is too long (maximum is 50 characters)"},
		{label: &github.Label{Name: github.String("x"), Color: github.String("ffffff"), Description: github.String(strings.Repeat("d", 101))}, code: "custom", field: "description", message: "description is too long (maximum is 100 characters)"},
	} {
		_, _, err := f.client.Issues.CreateLabel(ctx, owner, repoName, tt.label)
		er := wantAPIError(t, err, 422)
		if er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Resource != "Label" || er.Errors[0].Code != tt.code || er.Errors[0].Field != tt.field || er.Errors[0].Message != tt.message {
			t.Errorf("%s: %+v", tt.label.GetName(), er.Errors)
		}
		if er.DocumentationURL != docCreateLabel {
			t.Errorf("documentation_url %q", er.DocumentationURL)
		}
	}
	// Exactly 50 and 100 characters are fine.
	if _, _, err := f.client.Issues.CreateLabel(ctx, owner, repoName, &github.Label{Name: github.String(strings.Repeat("é", 50)), Color: github.String("ffffff"), Description: github.String(strings.Repeat("d", 100))}); err != nil {
		t.Error(err)
	}
	_, _, err = f.client.Issues.CreateLabel(ctx, owner, repoName, &github.Label{Color: github.String("ffffff")})
	if er := wantAPIError(t, err, 422); er.Message != "Invalid request.\n\n\"name\" wasn't supplied." {
		t.Errorf("no name: %q", er.Message)
	}
}

// rawPost POSTs v as JSON and returns the response and, for a success,
// the body.
func rawPost(t *testing.T, c *github.Client, path string, v any) (*http.Response, []byte) {
	t.Helper()
	req, err := c.NewRequest("POST", path, v)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	resp, _ := c.Do(ctx, req, &buf)
	if resp == nil {
		t.Fatalf("POST %s: no response", path)
	}
	return resp.Response, []byte(buf.String())
}

func TestIssueLabels(t *testing.T) {
	f, _ := reviewFixture(t)
	f.must(f.gh.AddLabel(owner, repoName, Label{Name: "mountguard: exception", Color: "b60205"}))

	labels, resp, err := f.client.Issues.AddLabelsToIssue(ctx, owner, repoName, 1, []string{"Mountguard: Exception", "mountguard: needs review"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	if got := fmt.Sprint(labelNames(labels)); got != "[mountguard: exception mountguard: needs review]" {
		t.Errorf("labels on the pull request: %s", got)
	}
	// The unknown name was created with GitHub's default colour; the
	// known one matched ignoring case.
	nr, _, err := f.client.Issues.GetLabel(ctx, owner, repoName, "MOUNTGUARD: NEEDS REVIEW")
	if err != nil || nr.GetColor() != "ededed" || nr.GetName() != "mountguard: needs review" {
		t.Errorf("auto-created label: %+v, %v", nr, err)
	}
	// Adding a label that is there changes nothing.
	f.client.Issues.AddLabelsToIssue(ctx, owner, repoName, 1, []string{"mountguard: exception"})
	// The {"labels": [...]} form works too.
	if resp, body := rawPost(t, f.client, "repos/octo/shop/issues/1/labels", map[string][]string{"labels": {"bug"}}); resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"bug"`) {
		t.Errorf("labels object: %d %s", resp.StatusCode, body)
	}

	pr, _, _ := f.client.PullRequests.Get(ctx, owner, repoName, 1)
	if got := fmt.Sprint(labelNames(pr.Labels)); got != "[bug mountguard: exception mountguard: needs review]" {
		t.Errorf("GET pulls/1 labels: %s", got)
	}
	list, _, _ := f.client.Issues.ListLabelsByIssue(ctx, owner, repoName, 1, nil)
	if len(list) != 3 {
		t.Errorf("ListLabelsByIssue: %v", labelNames(list))
	}

	if _, err := f.client.Issues.RemoveLabelForIssue(ctx, owner, repoName, 1, "mountguard: needs review"); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.Issues.RemoveLabelForIssue(ctx, owner, repoName, 1, "mountguard: needs review")
	if er := wantAPIError(t, err, 404); er.Message != "Label does not exist" || er.DocumentationURL != docRemoveIssueLabel {
		t.Errorf("removing an absent label: %q %q", er.Message, er.DocumentationURL)
	}
	if got := fmt.Sprint(f.gh.IssueLabels(owner, repoName, 1)); got != "[bug mountguard: exception]" {
		t.Errorf("IssueLabels: %s", got)
	}

	// One name GitHub cannot take fails the whole request.
	long := strings.Repeat("x", 51)
	_, _, err = f.client.Issues.AddLabelsToIssue(ctx, owner, repoName, 1, []string{"fine", long})
	er := wantAPIError(t, err, 422)
	if len(er.Errors) != 1 || er.Errors[0].Code != "invalid" || er.Errors[0].Field != "name" || er.Errors[0].Resource != "Label" {
		t.Errorf("long name: %+v", er.Errors)
	}
	if _, _, err := f.client.Issues.GetLabel(ctx, owner, repoName, "fine"); err == nil {
		t.Error("a refused request created a label")
	}
	_, _, err = f.client.Issues.AddLabelsToIssue(ctx, owner, repoName, 99, []string{"bug"})
	wantAPIError(t, err, 404)

	// Every change is an event, with the bot as actor.
	var got []string
	for _, ev := range f.gh.IssueEvents(owner, repoName, 1) {
		got = append(got, fmt.Sprintf("%s %s by %s via %d", ev.GetEvent(), ev.GetLabel().GetName(), ev.GetActor().GetLogin(), ev.GetPerformedViaGithubApp().GetID()))
	}
	want := []string{
		"labeled mountguard: exception by mountguard[bot] via 42",
		"labeled mountguard: needs review by mountguard[bot] via 42",
		"labeled bug by mountguard[bot] via 42",
		"unlabeled mountguard: needs review by mountguard[bot] via 42",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := f.gh.Count("POST /repos/{owner}/{repo}/issues/{issue_number}/labels"); n != 5 {
		t.Errorf("%d label requests recorded, want 5", n)
	}
}

// TestIssueEvents reads the events endpoint: GitHub's shape, the actor
// of a person's token, oldest first across pages.
func TestIssueEvents(t *testing.T) {
	f, _ := reviewFixture(t)
	alice := newClient(f.gh, f.gh.UserToken("alice"))
	for i := 0; i < 3; i++ {
		if _, _, err := alice.Issues.AddLabelsToIssue(ctx, owner, repoName, 1, []string{"bug"}); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Issues.RemoveLabelForIssue(ctx, owner, repoName, 1, "bug"); err != nil {
			t.Fatal(err)
		}
	}
	var events []*github.IssueEvent
	opts := &github.ListOptions{PerPage: 4}
	for {
		page, resp, err := f.client.Issues.ListIssueEvents(ctx, owner, repoName, 1, opts)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(events) != 6 {
		t.Fatalf("%d events, want 6", len(events))
	}
	for i, ev := range events {
		want := map[bool]string{true: "labeled", false: "unlabeled"}[i%2 == 0]
		if ev.GetEvent() != want || ev.GetActor().GetLogin() != "alice" || ev.GetLabel().GetName() != "bug" || ev.GetLabel().GetColor() != "d73a4a" || ev.CreatedAt == nil {
			t.Errorf("event %d: %s %s by %s", i, ev.GetEvent(), ev.GetLabel().GetName(), ev.GetActor().GetLogin())
		}
		if i > 0 && ev.GetID() <= events[i-1].GetID() {
			t.Error("events are not oldest first")
		}
	}
	// A person's events have performed_via_github_app null, and the
	// label only its name and colour.
	_, body := rawGet(t, f.client, "repos/octo/shop/issues/1/events", http.Header{})
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if v, ok := raw[0]["performed_via_github_app"]; !ok || v != nil {
		t.Errorf("performed_via_github_app: %v", raw[0])
	}
	if l := raw[0]["label"].(map[string]any); len(l) != 2 {
		t.Errorf("event label %v, want name and color only", l)
	}
}

func TestEditAndDeleteLabel(t *testing.T) {
	f, _ := reviewFixture(t)
	f.must(f.gh.AddLabel(owner, repoName, Label{Name: "mountguard: exception"}))
	if _, _, err := f.client.Issues.AddLabelsToIssue(ctx, owner, repoName, 1, []string{"mountguard: exception"}); err != nil {
		t.Fatal(err)
	}
	// go-github sends the new name as "name".
	l, _, err := f.client.Issues.EditLabel(ctx, owner, repoName, "mountguard: exception", &github.Label{Name: github.String("mg: exception"), Color: github.String("00ff00")})
	if err != nil || l.GetName() != "mg: exception" || l.GetColor() != "00ff00" {
		t.Fatal(l, err)
	}
	if got := f.gh.IssueLabels(owner, repoName, 1); fmt.Sprint(got) != "[mg: exception]" {
		t.Errorf("the pull request shows %v after the rename", got)
	}
	_, _, err = f.client.Issues.EditLabel(ctx, owner, repoName, "mg: exception", &github.Label{Name: github.String("BUG")})
	if er := wantAPIError(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Code != "already_exists" {
		t.Errorf("renaming onto bug: %+v", er.Errors)
	}
	_, _, err = f.client.Issues.GetLabel(ctx, owner, repoName, "mountguard: exception")
	wantAPIError(t, err, 404)

	if _, err := f.client.Issues.DeleteLabel(ctx, owner, repoName, "mg: exception"); err != nil {
		t.Fatal(err)
	}
	if got := f.gh.IssueLabels(owner, repoName, 1); len(got) != 0 {
		t.Errorf("deleted label still on the pull request: %v", got)
	}
	var got []string
	for _, ev := range f.gh.IssueEvents(owner, repoName, 1) {
		got = append(got, ev.GetEvent()+" "+ev.GetLabel().GetName())
	}
	// Each event keeps the name the label had then.
	if fmt.Sprint(got) != "[labeled mountguard: exception unlabeled mg: exception]" {
		t.Errorf("events: %v", got)
	}
	_, err = f.client.Issues.DeleteLabel(ctx, owner, repoName, "mg: exception")
	wantAPIError(t, err, 404)
}

// TestSetLabel: a person labels in the UI; the fake records the event and
// hands back GitHub's webhook delivery.
func TestSetLabel(t *testing.T) {
	f := newOrgFixture(t)
	f.openPR(org, "api", 7, "dev")
	gh := f.gh
	f.must(gh.AddLabel(org, "api", Label{Name: "mountguard: exception", Color: "b60205"}))

	if _, err := gh.SetLabel(org, "api", 7, "mountguard: exception", "dev", true); err == nil {
		t.Error("a user without a role labeled")
	}
	f.must(gh.SetRole(org, "api", "dev", "write"))
	f.must(gh.SetRole(org, "api", "lead", "maintain"))
	if _, err := gh.SetLabel(org, "api", 7, "no such label", "lead", true); err == nil {
		t.Error("labeled with a label the repository lacks")
	}

	d, err := gh.SetLabel(org, "api", 7, "mountguard: exception", "lead", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gh.SetLabel(org, "api", 7, "mountguard: exception", "lead", true); err == nil {
		t.Error("labeled twice")
	}
	var ev github.PullRequestEvent
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if d.Event != "pull_request" || len(d.ID) != 36 || d.InstallationTarget != appID {
		t.Errorf("delivery %+v", d)
	}
	if ev.GetAction() != "labeled" || ev.GetNumber() != 7 || ev.GetLabel().GetName() != "mountguard: exception" || ev.GetLabel().GetColor() != "b60205" ||
		ev.GetSender().GetLogin() != "lead" || ev.GetInstallation().GetID() != instID || ev.GetRepo().GetFullName() != "acme/api" ||
		ev.GetOrganization().GetLogin() != org || fmt.Sprint(labelNames(ev.GetPullRequest().Labels)) != "[mountguard: exception]" {
		t.Errorf("payload: %s", d.Payload)
	}

	d, err = gh.SetLabel(org, "api", 7, "mountguard: exception", "dev", false)
	if err != nil {
		t.Fatal(err)
	}
	ev = github.PullRequestEvent{}
	json.Unmarshal(d.Payload, &ev)
	if !strings.Contains(string(d.Payload), `"labels":[]`) {
		t.Error(`the payload's pull request has no "labels": []`)
	}
	if ev.GetAction() != "unlabeled" || ev.GetSender().GetLogin() != "dev" || len(ev.GetPullRequest().Labels) != 0 {
		t.Errorf("unlabeled payload: %s", d.Payload)
	}
	events, _, err := f.client.Issues.ListIssueEvents(ctx, org, "api", 7, nil)
	if err != nil || len(events) != 2 {
		t.Fatal(events, err)
	}
	if events[0].GetActor().GetLogin() != "lead" || events[1].GetActor().GetLogin() != "dev" || events[1].GetEvent() != "unlabeled" || events[0].PerformedViaGithubApp != nil {
		t.Errorf("events: %v by %v, %v by %v", events[0].GetEvent(), events[0].GetActor().GetLogin(), events[1].GetEvent(), events[1].GetActor().GetLogin())
	}
	// The delivery is signed like any other.
	d.Secret = "s3cret"
	req, err := d.NewRequest("http://example.invalid/webhook")
	if err != nil || req.Header.Get("X-Hub-Signature-256") != Sign("s3cret", d.Payload) {
		t.Errorf("signing the delivery: %v", err)
	}
}
