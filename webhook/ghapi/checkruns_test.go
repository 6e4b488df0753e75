package ghapi

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"reflect"
	"testing"

	"github.com/mountguard/mountguard/checks"
)

var checkRepo = checks.Repo{Owner: "octo", Name: "cat"}

func TestCheckRunPayloads(t *testing.T) {
	output := &checks.Output{
		Title:   "2 findings",
		Summary: "summary",
		Annotations: []checks.Annotation{
			{Path: "compose.yml", StartLine: 4, EndLine: 4, StartColumn: 7, EndColumn: 20, Level: checks.LevelFailure,
				Title: "docker.sock", Message: "mounts the Docker socket", RawDetails: "details"},
			{Path: "compose.yml", StartLine: 8, EndLine: 10, StartColumn: 3, EndColumn: 5, Level: checks.LevelWarning, Message: "a range"},
			{Path: "other.yml", StartLine: 2, Level: checks.LevelNotice, Message: "no end line"},
		},
	}
	wantOutput := map[string]any{
		"title": "2 findings", "summary": "summary",
		"annotations": []any{
			map[string]any{"path": "compose.yml", "start_line": 4.0, "end_line": 4.0, "start_column": 7.0, "end_column": 20.0,
				"annotation_level": "failure", "title": "docker.sock", "message": "mounts the Docker socket", "raw_details": "details"},
			// Columns only on one line, as GitHub requires.
			map[string]any{"path": "compose.yml", "start_line": 8.0, "end_line": 10.0, "annotation_level": "warning", "message": "a range"},
			map[string]any{"path": "other.yml", "start_line": 2.0, "end_line": 2.0, "annotation_level": "notice", "message": "no end line"},
		},
	}
	completedAt := testNow.Format("2006-01-02T15:04:05Z")
	for _, tt := range []struct {
		name       string
		update     bool
		run        checks.Run
		wantMethod string
		wantPath   string
		want       map[string]any
	}{
		{
			name: "create in progress",
			run: checks.Run{Name: "mountguard", HeadSHA: "abc", ExternalID: "12", DetailsURL: "https://example.com/r/1",
				Status: checks.StatusInProgress, Conclusion: checks.ConclusionSuccess /* not sent: not completed */},
			wantMethod: "POST", wantPath: "/repos/octo/cat/check-runs",
			want: map[string]any{"name": "mountguard", "head_sha": "abc", "external_id": "12", "details_url": "https://example.com/r/1", "status": "in_progress"},
		},
		{
			name: "create completed with output and buttons",
			run: checks.Run{Name: "mountguard", HeadSHA: "abc", Status: checks.StatusCompleted, Conclusion: checks.ConclusionFailure,
				Output: output, Actions: []checks.Action{{Label: "Re-run", Description: "Review again", Identifier: "rerun"}}},
			wantMethod: "POST", wantPath: "/repos/octo/cat/check-runs",
			want: map[string]any{"name": "mountguard", "head_sha": "abc", "status": "completed", "conclusion": "failure",
				"completed_at": completedAt, "output": wantOutput,
				"actions": []any{map[string]any{"label": "Re-run", "description": "Review again", "identifier": "rerun"}}},
		},
		{
			name:       "update appends annotations, leaves an empty name out",
			update:     true,
			run:        checks.Run{HeadSHA: "ignored", Output: &checks.Output{Title: "t", Summary: "s", Text: "more"}},
			wantMethod: "PATCH", wantPath: "/repos/octo/cat/check-runs/55",
			want: map[string]any{"output": map[string]any{"title": "t", "summary": "s", "text": "more"}},
		},
		{
			name:       "update completes",
			update:     true,
			run:        checks.Run{Name: "mountguard", Status: checks.StatusCompleted, Conclusion: checks.ConclusionNeutral},
			wantMethod: "PATCH", wantPath: "/repos/octo/cat/check-runs/55",
			want: map[string]any{"name": "mountguard", "status": "completed", "conclusion": "neutral", "completed_at": completedAt},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			var method, path string
			var got map[string]any
			h := func(w http.ResponseWriter, r *http.Request) {
				method, path, got = r.Method, r.URL.Path, readJSON(t, r)
				writeJSON(w, 201, map[string]any{"id": 55})
			}
			f.handle("POST /repos/octo/cat/check-runs", h)
			f.handle("PATCH /repos/octo/cat/check-runs/{id}", h)
			c, _ := f.client()
			if tt.update {
				if err := c.UpdateCheckRun(context.Background(), checkRepo, 55, tt.run); err != nil {
					t.Fatal(err)
				}
			} else {
				id, err := c.CreateCheckRun(context.Background(), checkRepo, tt.run)
				if err != nil || id != 55 {
					t.Fatalf("CreateCheckRun = %d, %v", id, err)
				}
			}
			if method != tt.wantMethod || path != tt.wantPath {
				t.Errorf("%s %s, want %s %s", method, path, tt.wantMethod, tt.wantPath)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestUpdateCheckRunGone(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("PATCH /repos/octo/cat/check-runs/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"message": "Not Found"})
	})
	c, _ := f.client()
	if err := c.UpdateCheckRun(context.Background(), checkRepo, 9, checks.Run{Name: "x"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}
