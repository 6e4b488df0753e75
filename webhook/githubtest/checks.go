package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// GitHub's limits on check runs.
const (
	maxAnnotationsPerRequest = 50
	maxOutputChars           = 65535
	maxAnnotationTitle       = 255
	maxAnnotationBytes       = 64 * 1024
	maxActions               = 3
	maxActionLabel           = 20
	maxActionDescription     = 40
	maxActionIdentifier      = 20
)

var (
	checkStatuses    = []string{"queued", "in_progress", "completed"}
	checkConclusions = []string{"success", "failure", "neutral", "cancelled", "timed_out", "action_required", "skipped"}
	annotationLevels = []string{"notice", "warning", "failure"}
)

// checkRun is a check run's state.
type checkRun struct {
	id          int64
	repo        *repo
	suiteID     int64
	name        string
	headSHA     string
	externalID  string
	detailsURL  string
	status      string
	conclusion  string
	started     time.Time
	completed   time.Time
	hasOutput   bool
	title       string
	summary     string
	text        string
	annotations []*github.CheckRunAnnotation
	actions     []*github.CheckRunAction
	requests    []CheckRunRequest
}

// checkRunIn is a create or update request. Pointers tell a field left
// out from one sent empty, which matters for updates.
type checkRunIn struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string `json:"title"`
		Summary     *string `json:"summary"`
		Text        *string `json:"text"`
		Annotations []struct {
			Path            *string `json:"path"`
			StartLine       *int    `json:"start_line"`
			EndLine         *int    `json:"end_line"`
			StartColumn     *int    `json:"start_column"`
			EndColumn       *int    `json:"end_column"`
			AnnotationLevel *string `json:"annotation_level"`
			Message         *string `json:"message"`
			Title           *string `json:"title"`
			RawDetails      *string `json:"raw_details"`
		} `json:"annotations"`
	} `json:"output"`
	Actions []struct {
		Label       *string `json:"label"`
		Description *string `json:"description"`
		Identifier  *string `json:"identifier"`
	} `json:"actions"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func member(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func quoteList(set []string) string {
	q := make([]string, len(set))
	for i, s := range set {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// validateSchema does what GitHub's JSON schema check does: required
// properties, array sizes, string lengths (in characters). Each problem is
// one line of the "Invalid request." message.
func (in *checkRunIn) validateSchema(create bool) []string {
	var problems []string
	need := func(fields map[string]bool) {
		var missing []string
		for name, ok := range fields {
			if !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			// GitHub lists them in alphabetical order ("annotation_level",
			// "path" in humanmade/linter-bot#71).
			sort.Strings(missing)
			problems = append(problems, supplied(missing))
		}
	}
	chars := func(p *string, limit int) {
		if n := utf8.RuneCountInString(deref(p)); n > limit {
			problems = append(problems, fmt.Sprintf(msgTooManyChars, limit, n))
		}
	}
	if create {
		need(map[string]bool{"name": in.Name != nil, "head_sha": in.HeadSHA != nil})
	}
	if o := in.Output; o != nil {
		if create {
			need(map[string]bool{"title": o.Title != nil, "summary": o.Summary != nil})
		} else {
			need(map[string]bool{"summary": o.Summary != nil})
		}
		chars(o.Summary, maxOutputChars)
		chars(o.Text, maxOutputChars)
		if n := len(o.Annotations); n > maxAnnotationsPerRequest {
			problems = append(problems, fmt.Sprintf(msgTooManyItems, maxAnnotationsPerRequest, n))
		}
		for _, a := range o.Annotations {
			need(map[string]bool{
				"path": a.Path != nil, "start_line": a.StartLine != nil, "end_line": a.EndLine != nil,
				"annotation_level": a.AnnotationLevel != nil, "message": a.Message != nil,
			})
			chars(a.Title, maxAnnotationTitle)
		}
	}
	if n := len(in.Actions); n > maxActions {
		problems = append(problems, fmt.Sprintf(msgTooManyItems, maxActions, n))
	}
	for _, a := range in.Actions {
		need(map[string]bool{"label": a.Label != nil, "description": a.Description != nil, "identifier": a.Identifier != nil})
		chars(a.Label, maxActionLabel)
		chars(a.Description, maxActionDescription)
		chars(a.Identifier, maxActionIdentifier)
	}
	return problems
}

// validateModel does GitHub's second pass, on values: enums, byte sizes,
// columns only on one-line annotations.
func (in *checkRunIn) validateModel() []fieldError {
	var errs []fieldError
	enum := func(field string, p *string, set []string) {
		if p != nil && !member(*p, set) {
			errs = append(errs, fieldError{Resource: "CheckRun", Code: "custom", Field: field, Message: fmt.Sprintf(msgNotAMember, *p, quoteList(set))})
		}
	}
	enum("status", in.Status, checkStatuses)
	enum("conclusion", in.Conclusion, checkConclusions)
	if o := in.Output; o != nil {
		for _, f := range []struct {
			name string
			v    *string
		}{{"summary", o.Summary}, {"text", o.Text}} {
			if len(deref(f.v)) > maxOutputChars {
				errs = append(errs, fieldError{Resource: "CheckRun", Code: "custom", Field: f.name, Message: fmt.Sprintf(msgBytesize, f.name)})
			}
		}
		badAnnotations := false
		for _, a := range o.Annotations {
			enum("annotation_level", a.AnnotationLevel, annotationLevels)
			if (a.StartColumn != nil || a.EndColumn != nil) && *a.StartLine != *a.EndLine {
				badAnnotations = true
			}
			if *a.StartLine < 1 || *a.EndLine < *a.StartLine {
				badAnnotations = true
			}
			if len(deref(a.Message)) > maxAnnotationBytes || len(deref(a.RawDetails)) > maxAnnotationBytes {
				badAnnotations = true
			}
		}
		if badAnnotations {
			errs = append(errs, fieldError{Resource: "CheckRun", Code: "invalid", Field: "annotations"})
		}
	}
	return errs
}

// createCheckRun is POST /repos/{owner}/{repo}/check-runs.
func (s *Server) createCheckRun(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	var in checkRunIn
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply(docCreateCheckRun)
	}
	if p := in.validateSchema(true); len(p) > 0 {
		return invalidRequest(docCreateCheckRun, p)
	}
	errs := in.validateModel()
	if *in.Name == "" {
		errs = append(errs, fieldError{Resource: "CheckRun", Code: "missing_field", Field: "name"})
	}
	if len(errs) > 0 {
		return validationFailed(docCreateCheckRun, errs...)
	}
	c := r.commits[strings.ToLower(*in.HeadSHA)]
	if c == nil {
		return errReply(http.StatusUnprocessableEntity, fmt.Sprintf(msgNoCommitSHA, *in.HeadSHA), docCreateCheckRun)
	}
	cr := &checkRun{id: s.newID(), repo: r, name: *in.Name, headSHA: c.sha, status: "queued", started: s.now()}
	cr.suiteID = s.suiteID(r, c.sha)
	if rp := s.applyCheckRun(cr, &in, docCreateCheckRun); rp != nil {
		return rp
	}
	cr.record(http.MethodPost, rq.body)
	s.checkRuns[cr.id] = cr
	return jsonReply(http.StatusCreated, s.checkRunJSON(cr))
}

// suiteID gives every (repository, head SHA) one check suite of the App.
func (s *Server) suiteID(r *repo, sha string) int64 {
	for _, cr := range s.checkRuns {
		if cr.repo == r && cr.headSHA == sha {
			return cr.suiteID
		}
	}
	return s.newID()
}

// applyCheckRun applies a validated create or update: output fields that
// are sent replace the old ones, annotations are appended, a conclusion
// completes the run, and a completed run must have a conclusion.
func (s *Server) applyCheckRun(cr *checkRun, in *checkRunIn, doc string) *reply {
	status, conclusion := cr.status, cr.conclusion
	if in.Status != nil {
		status = *in.Status
	}
	if in.Conclusion != nil {
		conclusion = *in.Conclusion
		status = "completed"
	}
	if in.CompletedAt != nil && conclusion == "" {
		status = "completed"
	}
	if status == "completed" && conclusion == "" {
		return validationFailed(doc, fieldError{Resource: "CheckRun", Code: "missing_field", Field: "conclusion"})
	}
	if in.Name != nil {
		cr.name = *in.Name
	}
	if in.DetailsURL != nil {
		cr.detailsURL = *in.DetailsURL
	}
	if in.ExternalID != nil {
		cr.externalID = *in.ExternalID
	}
	if status == "completed" && cr.status != "completed" {
		cr.completed = s.now()
	}
	cr.status, cr.conclusion = status, conclusion
	if o := in.Output; o != nil {
		cr.hasOutput = true
		if o.Title != nil {
			cr.title = *o.Title
		}
		cr.summary = *o.Summary
		if o.Text != nil {
			cr.text = *o.Text
		}
		for _, a := range o.Annotations {
			cr.annotations = append(cr.annotations, &github.CheckRunAnnotation{
				Path:            a.Path,
				StartLine:       a.StartLine,
				EndLine:         a.EndLine,
				StartColumn:     a.StartColumn,
				EndColumn:       a.EndColumn,
				AnnotationLevel: a.AnnotationLevel,
				Title:           a.Title,
				Message:         a.Message,
				RawDetails:      a.RawDetails,
			})
		}
	}
	if in.Actions != nil {
		cr.actions = nil
		for _, a := range in.Actions {
			cr.actions = append(cr.actions, &github.CheckRunAction{Label: *a.Label, Description: *a.Description, Identifier: *a.Identifier})
		}
	}
	return nil
}

func (cr *checkRun) record(method string, body []byte) {
	req := CheckRunRequest{Method: method}
	json.Unmarshal(body, &req.CreateCheckRunOptions)
	cr.requests = append(cr.requests, req)
}

func (s *Server) checkRunParam(rq *request) (*checkRun, *reply) {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return nil, rp
	}
	id, _ := strconv.ParseInt(rq.param("check_run_id"), 10, 64)
	cr := s.checkRuns[id]
	if cr == nil || cr.repo != r {
		return nil, notFound("")
	}
	return cr, nil
}

// updateCheckRun is PATCH /repos/{owner}/{repo}/check-runs/{id}.
func (s *Server) updateCheckRun(rq *request) *reply {
	cr, rp := s.checkRunParam(rq)
	if rp != nil {
		return rp
	}
	var in checkRunIn
	if err := json.Unmarshal(rq.body, &in); err != nil {
		return problemsReply(docUpdateCheckRun)
	}
	if p := in.validateSchema(false); len(p) > 0 {
		return invalidRequest(docUpdateCheckRun, p)
	}
	errs := in.validateModel()
	// go-github v60 always sends "name" on updates (its field is a plain
	// string marked required); an empty one would blank the run's name,
	// which GitHub does not allow.
	if in.Name != nil && *in.Name == "" {
		errs = append(errs, fieldError{Resource: "CheckRun", Code: "missing_field", Field: "name"})
	}
	if len(errs) > 0 {
		return validationFailed(docUpdateCheckRun, errs...)
	}
	if rp := s.applyCheckRun(cr, &in, docUpdateCheckRun); rp != nil {
		return rp
	}
	cr.record(http.MethodPatch, rq.body)
	return jsonReply(http.StatusOK, s.checkRunJSON(cr))
}

func (s *Server) getCheckRun(rq *request) *reply {
	cr, rp := s.checkRunParam(rq)
	if rp != nil {
		return rp
	}
	return jsonReply(http.StatusOK, s.checkRunJSON(cr))
}

// listAnnotations is GET .../check-runs/{id}/annotations, every annotation
// of every request, paginated.
func (s *Server) listAnnotations(rq *request) *reply {
	cr, rp := s.checkRunParam(rq)
	if rp != nil {
		return rp
	}
	return pageOf(s, rq, cr.annotations, func(a *github.CheckRunAnnotation) any {
		// go-github v60 lacks blob_href; GitHub sends it.
		return struct {
			*github.CheckRunAnnotation
			BlobHRef string `json:"blob_href"`
		}{a, webURL + "/" + cr.repo.fullName() + "/blob/" + cr.headSHA + "/" + escapePath(*a.Path)}
	})
}

// listCheckRunsForRef is GET /repos/{owner}/{repo}/commits/{ref}/check-runs
// with check_name, status and filter (latest, the default, keeps the
// newest run of each name; all keeps every run).
func (s *Server) listCheckRunsForRef(rq *request) *reply {
	r, rp := s.repoParam(rq)
	if rp != nil {
		return rp
	}
	c := r.resolve(rq.param("ref"))
	if c == nil {
		return errReply(http.StatusUnprocessableEntity, fmt.Sprintf(msgNoCommitSHA, rq.param("ref")), "")
	}
	q := rq.r.URL.Query()
	var runs []*checkRun
	for _, cr := range s.checkRuns {
		if cr.repo != r || cr.headSHA != c.sha {
			continue
		}
		if n := q.Get("check_name"); n != "" && n != cr.name {
			continue
		}
		if st := q.Get("status"); st != "" && st != cr.status {
			continue
		}
		runs = append(runs, cr)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].id > runs[j].id })
	if q.Get("filter") != "all" {
		seen := map[string]bool{}
		var latest []*checkRun
		for _, cr := range runs {
			if !seen[cr.name] {
				seen[cr.name] = true
				latest = append(latest, cr)
			}
		}
		runs = latest
	}
	links := &reply{}
	lo, hi := s.page(rq, links, len(runs))
	out := &github.ListCheckRunsResults{Total: github.Int(len(runs)), CheckRuns: []*github.CheckRun{}}
	for _, cr := range runs[lo:hi] {
		out.CheckRuns = append(out.CheckRuns, s.checkRunJSON(cr))
	}
	rp = jsonReply(http.StatusOK, out)
	if l := links.header.Get("Link"); l != "" {
		rp.setHeader("Link", l)
	}
	return rp
}

func (s *Server) checkRunJSON(cr *checkRun) *github.CheckRun {
	api := fmt.Sprintf("%s/repos/%s/check-runs/%d", s.URL, cr.repo.fullName(), cr.id)
	out := &github.CheckRun{
		ID:         github.Int64(cr.id),
		NodeID:     nodeID("CheckRun", cr.id),
		HeadSHA:    github.String(cr.headSHA),
		Name:       github.String(cr.name),
		Status:     github.String(cr.status),
		URL:        github.String(api),
		HTMLURL:    github.String(fmt.Sprintf("%s/%s/runs/%d", webURL, cr.repo.fullName(), cr.id)),
		StartedAt:  ts(cr.started),
		CheckSuite: &github.CheckSuite{ID: github.Int64(cr.suiteID)},
		Output: &github.CheckRunOutput{
			AnnotationsCount: github.Int(len(cr.annotations)),
			AnnotationsURL:   github.String(api + "/annotations"),
		},
		PullRequests: []*github.PullRequest{},
	}
	if cr.externalID != "" {
		out.ExternalID = github.String(cr.externalID)
	}
	if cr.detailsURL != "" {
		out.DetailsURL = github.String(cr.detailsURL)
	}
	if cr.conclusion != "" {
		out.Conclusion = github.String(cr.conclusion)
		out.CompletedAt = ts(cr.completed)
	}
	if cr.hasOutput {
		out.Output.Title = github.String(cr.title)
		out.Output.Summary = github.String(cr.summary)
		out.Output.Text = github.String(cr.text)
	}
	if s.app != nil {
		out.App = s.appJSON()
	}
	// GitHub lists the pull requests whose head is this commit in this
	// repository; a fork's pull request is left out (the list is empty).
	var prs []*pull
	for _, p := range cr.repo.pulls {
		if p.head == cr.repo && p.headSHA == cr.headSHA && p.state == "open" {
			prs = append(prs, p)
		}
	}
	sort.Slice(prs, func(i, j int) bool { return prs[i].number < prs[j].number })
	for _, p := range prs {
		out.PullRequests = append(out.PullRequests, &github.PullRequest{
			URL:    github.String(s.pullURL(p)),
			ID:     github.Int64(p.id),
			Number: github.Int(p.number),
			Head:   &github.PullRequestBranch{Ref: github.String(p.headRef), SHA: github.String(p.headSHA), Repo: &github.Repository{ID: github.Int64(p.head.id), Name: github.String(p.head.name), URL: github.String(s.URL + "/repos/" + p.head.fullName())}},
			Base:   &github.PullRequestBranch{Ref: github.String(p.baseRef), SHA: github.String(p.baseSHA), Repo: &github.Repository{ID: github.Int64(p.base.id), Name: github.String(p.base.name), URL: github.String(s.URL + "/repos/" + p.base.fullName())}},
		})
	}
	return out
}
