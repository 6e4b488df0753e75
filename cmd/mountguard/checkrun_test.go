package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// failNth answers the nth request that matches with a 422, which the
// client does not retry, and sends every other one on.
type failNth struct {
	match func(*http.Request) bool
	n     int
	mu    sync.Mutex
	seen  int
}

func (f *failNth) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.match(req) {
		f.mu.Lock()
		f.seen++
		hit := f.seen == f.n
		f.mu.Unlock()
		if hit {
			body := `{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest/checks/runs#update-a-check-run"}`
			return &http.Response{StatusCode: http.StatusUnprocessableEntity, Status: "422 Unprocessable Entity", Request: req,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A run that GitHub completed keeps its result when a later batch of its
// annotations is refused: the review is not turned into an error, and the
// run is counted once.
func TestRefusedAnnotationBatchKeepsTheResult(t *testing.T) {
	var compose strings.Builder
	compose.WriteString("services:\n")
	for i := range 60 { // 60 annotations: two requests
		fmt.Fprintf(&compose, "  s%02d:\n    image: x\n    user: \"1\"\n    privileged: true\n", i)
	}
	tr := &failNth{n: 2, match: func(r *http.Request) bool {
		return r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/check-runs/")
	}}
	h := newHarnessVia(t, map[string]string{"compose.yaml": "services: {}\n"}, map[string]string{"compose.yaml": compose.String()}, tr)
	h.deliver("pull_request", "d", payload(t, "pull_request.opened", nil), testSecret)
	h.stop()

	runs := h.runs(headCommit)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	r := runs[0]
	if r.GetConclusion() != "failure" || !strings.Contains(r.GetOutput().GetTitle(), "60 new errors") {
		t.Errorf("run %s %q: the review's verdict was replaced", r.GetConclusion(), r.GetOutput().GetTitle())
	}
	if len(r.Annotations) != 50 || !strings.Contains(r.GetOutput().GetSummary(), "Only 50 of the 60 annotations") {
		t.Errorf("%d annotations; summary %.200q", len(r.Annotations), r.GetOutput().GetSummary())
	}
	rec := httptest.NewRecorder()
	h.app.routes.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var counted []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "mountguard_check_runs_total{") {
			counted = append(counted, line)
		}
	}
	if len(counted) != 1 || !strings.HasPrefix(counted[0], `mountguard_check_runs_total{conclusion="failure"} 1`) {
		t.Errorf("check runs counted: %q, want the failure once", counted)
	}
}
