package githubtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func annotations(n int) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, n)
	for i := range out {
		out[i] = &github.CheckRunAnnotation{
			Path: github.String("compose.yaml"), StartLine: github.Int(i + 1), EndLine: github.Int(i + 1),
			AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i)),
		}
	}
	return out
}

// TestCheckRunAnnotationsAppend sends 120 annotations 50 at a time, as
// GitHub requires, and reads them back from the API and the readback.
func TestCheckRunAnnotationsAppend(t *testing.T) {
	f := newFixture(t)
	head := f.commit(map[string]string{"compose.yaml": compose})
	all := annotations(120)
	run, _, err := f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{
		Name: "mountguard", HeadSHA: head, Status: github.String("in_progress"), ExternalID: github.String("pr-1"),
		Output: &github.CheckRunOutput{Title: github.String("Reviewing"), Summary: github.String("first"), Annotations: all[:50]},
	})
	if err != nil {
		t.Fatal(err)
	}
	if run.GetStatus() != "in_progress" || run.Conclusion != nil || run.GetApp().GetID() != appID || run.GetOutput().GetAnnotationsCount() != 50 {
		t.Errorf("created: %v", run)
	}
	_, _, err = f.client.Checks.UpdateCheckRun(ctx, owner, repoName, run.GetID(), github.UpdateCheckRunOptions{
		Name:   "mountguard",
		Output: &github.CheckRunOutput{Title: github.String("Still reviewing"), Summary: github.String("second"), Text: github.String("details"), Annotations: all[50:100]},
	})
	if err != nil {
		t.Fatal(err)
	}
	final, _, err := f.client.Checks.UpdateCheckRun(ctx, owner, repoName, run.GetID(), github.UpdateCheckRunOptions{
		Name:       "mountguard",
		Conclusion: github.String("failure"),
		Output:     &github.CheckRunOutput{Title: github.String("3 errors"), Summary: github.String("final"), Annotations: all[100:]},
		Actions:    []*github.CheckRunAction{{Label: "Re-run", Description: "Review the pull request again", Identifier: "rerun"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A conclusion completes the run; output fields sent replace the old
	// ones, the text left out is kept.
	o := final.GetOutput()
	if final.GetStatus() != "completed" || final.GetConclusion() != "failure" || final.CompletedAt == nil ||
		o.GetTitle() != "3 errors" || o.GetSummary() != "final" || o.GetText() != "details" || o.GetAnnotationsCount() != 120 {
		t.Errorf("final run: status %s, conclusion %s, output %v", final.GetStatus(), final.GetConclusion(), o)
	}

	var listed []*github.CheckRunAnnotation
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := f.client.Checks.ListCheckRunAnnotations(ctx, owner, repoName, run.GetID(), opts)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(listed) != 120 || listed[119].GetMessage() != "finding 119" {
		t.Errorf("listed %d annotations", len(listed))
	}

	runs := f.gh.CheckRuns(owner, repoName)
	if len(runs) != 1 || len(runs[0].Annotations) != 120 || len(runs[0].Requests) != 3 {
		t.Fatalf("readback: %d runs", len(runs))
	}
	r := runs[0]
	if r.Requests[0].Method != "POST" || r.Requests[0].HeadSHA != head || len(r.Requests[1].Output.Annotations) != 50 ||
		r.Requests[2].Method != "PATCH" || r.Requests[2].GetConclusion() != "failure" || len(r.GetOutput().GetText()) == 0 {
		t.Errorf("requests: %+v", r.Requests)
	}

	// The newest run of each name, for the commit.
	_, _, err = f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: head})
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := f.client.Checks.ListCheckRunsForRef(ctx, owner, repoName, "main", nil)
	if err == nil {
		t.Errorf("main points nowhere yet, got %v", res)
	}
	f.must(f.gh.SetBranch(owner, repoName, "main", head))
	res, _, err = f.client.Checks.ListCheckRunsForRef(ctx, owner, repoName, "main", nil)
	if err != nil || res.GetTotal() != 1 || res.CheckRuns[0].GetStatus() != "queued" {
		t.Errorf("latest runs: %v, %v", res, err)
	}
	res, _, _ = f.client.Checks.ListCheckRunsForRef(ctx, owner, repoName, head, &github.ListCheckRunsOptions{Filter: github.String("all")})
	if res.GetTotal() != 2 {
		t.Errorf("all runs: %d", res.GetTotal())
	}
}

// TestCheckRunRejected checks each limit GitHub enforces on check runs,
// with its exact error text, and that a rejected request changes nothing.
func TestCheckRunRejected(t *testing.T) {
	f := newFixture(t)
	head := f.commit(map[string]string{"compose.yaml": compose})
	run, _, err := f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: head,
		Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(1)}})
	if err != nil {
		t.Fatal(err)
	}
	output := func(mod func(o *github.CheckRunOutput)) *github.CheckRunOutput {
		o := &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s")}
		mod(o)
		return o
	}
	one := func(mod func(a *github.CheckRunAnnotation)) func(o *github.CheckRunOutput) {
		return func(o *github.CheckRunOutput) {
			o.Annotations = annotations(1)
			mod(o.Annotations[0])
		}
	}
	invalid := func(line string) string { return "Invalid request.\n\n" + line }
	big := strings.Repeat("x", 65536)
	tests := []struct {
		name    string
		opts    github.UpdateCheckRunOptions
		message string
		errs    []github.Error
	}{
		{name: "51 annotations", opts: github.UpdateCheckRunOptions{Output: output(func(o *github.CheckRunOutput) { o.Annotations = annotations(51) })},
			message: invalid("No more than 50 items are allowed; 51 were supplied.")},
		{name: "summary too long", opts: github.UpdateCheckRunOptions{Output: output(func(o *github.CheckRunOutput) { o.Summary = github.String(big) })},
			message: invalid("Only 65535 characters are allowed; 65536 were supplied.")},
		{name: "text too long", opts: github.UpdateCheckRunOptions{Output: output(func(o *github.CheckRunOutput) { o.Text = github.String(big + "yy") })},
			message: invalid("Only 65535 characters are allowed; 65538 were supplied.")},
		{name: "summary over 65535 bytes", opts: github.UpdateCheckRunOptions{Output: output(func(o *github.CheckRunOutput) { o.Summary = github.String(strings.Repeat("é", 40000)) })},
			message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "custom", Field: "summary", Message: "summary exceeds a maximum bytesize of 65535"}}},
		{name: "annotation title too long", opts: github.UpdateCheckRunOptions{Output: output(one(func(a *github.CheckRunAnnotation) { a.Title = github.String(strings.Repeat("t", 256)) }))},
			message: invalid("Only 255 characters are allowed; 256 were supplied.")},
		{name: "annotation message over 64 KB", opts: github.UpdateCheckRunOptions{Output: output(one(func(a *github.CheckRunAnnotation) { a.Message = github.String(strings.Repeat("m", 64*1024+1)) }))},
			message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "invalid", Field: "annotations"}}},
		{name: "columns on several lines", opts: github.UpdateCheckRunOptions{Output: output(one(func(a *github.CheckRunAnnotation) {
			a.EndLine = github.Int(3)
			a.StartColumn, a.EndColumn = github.Int(1), github.Int(5)
		}))}, message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "invalid", Field: "annotations"}}},
		{name: "unknown annotation level", opts: github.UpdateCheckRunOptions{Output: output(one(func(a *github.CheckRunAnnotation) { a.AnnotationLevel = github.String("error") }))},
			message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "custom", Field: "annotation_level", Message: `error is not a member of ["notice", "warning", "failure"].`}}},
		{name: "annotation without a path", opts: github.UpdateCheckRunOptions{Output: output(one(func(a *github.CheckRunAnnotation) { a.Path = nil }))},
			message: invalid(`"path" wasn't supplied.`)},
		{name: "output without a summary", opts: github.UpdateCheckRunOptions{Output: &github.CheckRunOutput{Title: github.String("t")}},
			message: invalid(`"summary" wasn't supplied.`)},
		{name: "four actions", opts: github.UpdateCheckRunOptions{Actions: make4Actions()},
			message: invalid("No more than 3 items are allowed; 4 were supplied.")},
		{name: "action label too long", opts: github.UpdateCheckRunOptions{Actions: []*github.CheckRunAction{{Label: strings.Repeat("l", 21), Description: "d", Identifier: "i"}}},
			message: invalid("Only 20 characters are allowed; 21 were supplied.")},
		{name: "action description too long", opts: github.UpdateCheckRunOptions{Actions: []*github.CheckRunAction{{Label: "l", Description: strings.Repeat("d", 41), Identifier: "i"}}},
			message: invalid("Only 40 characters are allowed; 41 were supplied.")},
		{name: "action identifier too long", opts: github.UpdateCheckRunOptions{Actions: []*github.CheckRunAction{{Label: "l", Description: "d", Identifier: strings.Repeat("i", 21)}}},
			message: invalid("Only 20 characters are allowed; 21 were supplied.")},
		{name: "completed without a conclusion", opts: github.UpdateCheckRunOptions{Status: github.String("completed")},
			message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "missing_field", Field: "conclusion"}}},
		{name: "unknown conclusion", opts: github.UpdateCheckRunOptions{Conclusion: github.String("stale")},
			message: "Validation Failed", errs: []github.Error{{Resource: "CheckRun", Code: "custom", Field: "conclusion", Message: `stale is not a member of ["success", "failure", "neutral", "cancelled", "timed_out", "action_required", "skipped"].`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Name == "" {
				tt.opts.Name = "mountguard"
			}
			_, _, err := f.client.Checks.UpdateCheckRun(ctx, owner, repoName, run.GetID(), tt.opts)
			er := wantAPIError(t, err, 422)
			if er.Message != tt.message || fmt.Sprint(er.Errors) != fmt.Sprint(tt.errs) {
				t.Errorf("got %q %v\nwant %q %v", er.Message, er.Errors, tt.message, tt.errs)
			}
			if er.DocumentationURL != docUpdateCheckRun {
				t.Errorf("documentation_url %q", er.DocumentationURL)
			}
		})
	}
	runs := f.gh.CheckRuns(owner, repoName)
	if len(runs) != 1 || len(runs[0].Requests) != 1 || len(runs[0].Annotations) != 1 || runs[0].GetStatus() != "queued" {
		t.Errorf("rejected updates changed the run: %d requests, %d annotations, status %s", len(runs[0].Requests), len(runs[0].Annotations), runs[0].GetStatus())
	}
}

func make4Actions() []*github.CheckRunAction {
	var out []*github.CheckRunAction
	for i := 0; i < 4; i++ {
		out = append(out, &github.CheckRunAction{Label: "l", Description: "d", Identifier: fmt.Sprint(i)})
	}
	return out
}

func TestCheckRunCreateRejected(t *testing.T) {
	f := newFixture(t)
	head := f.commit(map[string]string{"compose.yaml": compose})
	post := func(body any) *github.ErrorResponse {
		req, _ := f.client.NewRequest("POST", "repos/octo/shop/check-runs", body)
		_, err := f.client.Do(ctx, req, nil)
		return wantAPIError(t, err, 422)
	}
	if er := post(map[string]string{"head_sha": head}); er.Message != "Invalid request.\n\n\"name\" wasn't supplied." {
		t.Errorf("no name: %q", er.Message)
	}
	if er := post(map[string]any{}); er.Message != "Invalid request.\n\n\"head_sha\", \"name\" weren't supplied." {
		t.Errorf("nothing: %q", er.Message)
	}
	if er := post(map[string]any{"name": "mountguard", "head_sha": head, "output": map[string]any{"summary": "s"}}); er.Message != "Invalid request.\n\n\"title\" wasn't supplied." {
		t.Errorf("output without a title: %q", er.Message)
	}
	unknown := strings.Repeat("a", 40)
	_, _, err := f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: unknown})
	if er := wantAPIError(t, err, 422); er.Message != "No commit found for SHA: "+unknown {
		t.Errorf("unknown head_sha: %q", er.Message)
	}
	_, _, err = f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: head, Status: github.String("completed")})
	if er := wantAPIError(t, err, 422); er.Message != "Validation Failed" || er.Errors[0].Field != "conclusion" || er.Errors[0].Code != "missing_field" {
		t.Errorf("completed without a conclusion: %v", er)
	}
	_, _, err = f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: head,
		Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(51)}})
	if er := wantAPIError(t, err, 422); er.Message != "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied." || er.DocumentationURL != docCreateCheckRun {
		t.Errorf("51 annotations: %q", er.Message)
	}
	if runs := f.gh.CheckRuns(owner, repoName); len(runs) != 0 {
		t.Errorf("rejected requests created %d runs", len(runs))
	}
}

// TestCheckRunPullRequests: a run lists the open pull requests whose head
// it is in the same repository; a fork's pull request is left out, as on
// GitHub, so the App must find it by head SHA.
func TestCheckRunPullRequests(t *testing.T) {
	f := newFixture(t)
	_, head := f.pr(1, map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"})
	run, _, err := f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: head, Conclusion: github.String("success")})
	if err != nil || len(run.PullRequests) != 1 || run.PullRequests[0].GetNumber() != 1 || run.GetStatus() != "completed" {
		t.Fatalf("run: %v, %v", run, err)
	}
	f.must(f.gh.AddRepo(Repo{Owner: "mallory", Name: repoName}))
	forkHead, err := f.gh.AddCommit("mallory", repoName, Commit{Files: map[string]string{"a": "3\n"}})
	f.must(err)
	f.must(f.gh.AddPullRequest(owner, repoName, PullRequest{Number: 2, HeadSHA: forkHead, HeadRepo: "mallory/" + repoName}))
	run, _, err = f.client.Checks.CreateCheckRun(ctx, owner, repoName, github.CreateCheckRunOptions{Name: "mountguard", HeadSHA: forkHead})
	if err != nil || len(run.PullRequests) != 0 {
		t.Errorf("fork run: %v, %v", run.PullRequests, err)
	}
}
