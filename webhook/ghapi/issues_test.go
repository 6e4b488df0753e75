package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mountguard/mountguard/review/exception"
	"github.com/mountguard/mountguard/review/pullreq"
)

func TestIssueLabelsPaginates(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/issues/12/labels", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("per_page") != "100" {
			t.Errorf("per_page = %q", r.URL.Query().Get("per_page"))
		}
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []map[string]any{{"name": "bug"}, {"name": "mountguard: allow docker-socket"}})
		case "2":
			writeJSON(w, 200, []map[string]any{{"name": "area/db"}})
		default:
			t.Errorf("page %q", r.URL.Query().Get("page"))
		}
	})
	c, _ := f.client()
	got, err := c.IssueLabels(context.Background(), testRepo, 12)
	want := []string{"bug", "mountguard: allow docker-socket", "area/db"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("IssueLabels = %q, %v; want %q", got, err, want)
	}
}

func TestLabelEvents(t *testing.T) {
	at := func(min int) string { return testNow.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	ev := func(event, label, actor string, min int) map[string]any {
		e := map[string]any{"event": event, "actor": map[string]any{"login": actor}, "created_at": at(min)}
		if label != "" {
			e["label"] = map[string]any{"name": label, "color": "ededed"}
		}
		return e
	}
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/issues/12/events", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []map[string]any{
				ev("labeled", "mountguard: allow docker-socket", "alice", 1),
				ev("review_requested", "", "alice", 2),
				ev("labeled", "mountguard: exception-approved", "bob", 4),
			})
		case "2":
			writeJSON(w, 200, []map[string]any{
				ev("unlabeled", "mountguard: exception-approved", "mountguard[bot]", 5),
				ev("head_ref_force_pushed", "", "alice", 6),
				// Out of order: the result is sorted all the same.
				ev("labeled", "bug", "carol", 3),
			})
		}
	})
	c, _ := f.client()
	got, err := c.LabelEvents(context.Background(), testRepo, 12)
	if err != nil {
		t.Fatal(err)
	}
	m := func(n int) time.Time { return testNow.Add(time.Duration(n) * time.Minute) }
	want := []exception.LabelEvent{
		{Action: "labeled", Label: "mountguard: allow docker-socket", Actor: "alice", At: m(1)},
		{Action: "labeled", Label: "bug", Actor: "carol", At: m(3)},
		{Action: "labeled", Label: "mountguard: exception-approved", Actor: "bob", At: m(4)},
		{Action: "unlabeled", Label: "mountguard: exception-approved", Actor: "mountguard[bot]", At: m(5)},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i].Action != want[i].Action || got[i].Label != want[i].Label || got[i].Actor != want[i].Actor || !got[i].At.Equal(want[i].At) {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLabelEventsRefusesToMissTheNewest(t *testing.T) {
	f := newFakeGitHub(t, "")
	var requests atomic.Int32
	f.handle("GET /repos/octo/cat/issues/12/events", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		nextLink(w, f, r.URL.Path, page+1, 999)
		writeJSON(w, 200, []map[string]any{{"event": "labeled", "label": map[string]any{"name": "x"}, "actor": map[string]any{"login": "a"}}})
	})
	c, _ := f.client()
	if _, err := c.LabelEvents(context.Background(), testRepo, 12); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err = %v, want too many events", err)
	}
	if requests.Load() != maxEventPages {
		t.Errorf("%d requests, want %d", requests.Load(), maxEventPages)
	}
}

func TestPermission(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/collaborators/{user}/permission", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("user") {
		case "admin":
			writeJSON(w, 200, map[string]any{"permission": "admin", "role_name": "admin", "user": map[string]any{"login": "admin"}})
		case "custom":
			writeJSON(w, 200, map[string]any{"permission": "write", "role_name": "security-reviewer"})
		case "old-ghes":
			writeJSON(w, 200, map[string]any{"permission": "write"})
		case "outsider":
			writeJSON(w, 200, map[string]any{"permission": "none", "role_name": ""})
		case "broken":
			writeJSON(w, 500, map[string]string{"message": "Server Error"})
		case "forbidden":
			writeJSON(w, 403, map[string]string{"message": "Resource not accessible by integration"})
		default:
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
		}
	})
	c, _ := f.client()
	for _, tt := range []struct {
		user, want    string
		wantErr       bool
		wantTransient bool
	}{
		{user: "admin", want: "admin"},
		{user: "custom", want: "security-reviewer"},
		{user: "old-ghes", want: "write"},
		{user: "outsider", want: ""},
		{user: "ghost", want: ""}, // 404: no such user
		{user: "broken", wantErr: true, wantTransient: true},
		{user: "forbidden", wantErr: true},
		{user: "", wantErr: true},
	} {
		t.Run(tt.user, func(t *testing.T) {
			got, err := c.Permission(context.Background(), testRepo, tt.user)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Permission = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			var te *pullreq.TransientError
			if errors.As(err, &te) != tt.wantTransient {
				t.Errorf("err = %v, transient %v", err, !tt.wantTransient)
			}
			if err != nil && tt.user != "" && !strings.Contains(err.Error(), "octo/cat") {
				t.Errorf("err = %v, want it to name the repository", err)
			}
		})
	}
}

func TestTeamMember(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /orgs/octo/teams/security/memberships/{user}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("user") {
		case "alice":
			writeJSON(w, 200, map[string]any{"state": "active", "role": "member"})
		case "maintainer":
			writeJSON(w, 200, map[string]any{"state": "active", "role": "maintainer"})
		case "invited":
			writeJSON(w, 200, map[string]any{"state": "pending", "role": "member"})
		case "broken":
			writeJSON(w, 502, map[string]string{"message": "Bad Gateway"})
		default:
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
		}
	})
	c, _ := f.client()
	for _, tt := range []struct {
		team, user string
		want       bool
		wantErr    bool
	}{
		{team: "security", user: "alice", want: true},
		{team: "security", user: "maintainer", want: true},
		{team: "security", user: "invited", want: false},
		{team: "security", user: "bob", want: false},       // 404: not a member
		{team: "no-such-team", user: "alice", want: false}, // 404 too
		{team: "security", user: "broken", wantErr: true},
		{team: "", user: "alice", wantErr: true},
	} {
		t.Run(tt.team+"/"+tt.user, func(t *testing.T) {
			got, err := c.TeamMember(context.Background(), "octo", tt.team, tt.user)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("TeamMember = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestEnsureLabels(t *testing.T) {
	specs := []exception.LabelSpec{
		{Name: "mountguard: allow docker-socket", Color: "d93f0b", Description: "exists, in another case"},
		{Name: "mountguard: allow privileged", Color: "#b60205", Description: "Allows privileged: true"},
		{Name: "mountguard: exception-requested", Color: "fbca04"},
		{Name: "mountguard: racy", Color: "0e8a16"},
		{Name: "mountguard: allow privileged", Color: "b60205"}, // twice: created once
		{Name: "mountguard: plain"},
	}
	for _, tt := range []struct {
		name        string
		create      func(w http.ResponseWriter, name string)
		wantCreated []map[string]any
		wantErr     error
	}{
		{
			name: "creates the missing ones, a race is fine",
			create: func(w http.ResponseWriter, name string) {
				if name == "mountguard: racy" {
					writeJSON(w, 422, map[string]any{"message": "Validation Failed",
						"errors": []map[string]string{{"resource": "Label", "code": "already_exists", "field": "name"}}})
					return
				}
				writeJSON(w, 201, map[string]any{"name": name})
			},
			wantCreated: []map[string]any{
				{"name": "mountguard: allow privileged", "color": "b60205", "description": "Allows privileged: true"},
				{"name": "mountguard: racy", "color": "0e8a16"},
				{"name": "mountguard: plain"},
			},
		},
		{
			name: "another 422 is an error",
			create: func(w http.ResponseWriter, name string) {
				writeJSON(w, 422, map[string]any{"message": "Validation Failed",
					"errors": []map[string]string{{"resource": "Label", "code": "invalid", "field": "color"}}})
			},
			wantCreated: []map[string]any{{"name": "mountguard: allow privileged", "color": "b60205", "description": "Allows privileged: true"}},
			wantErr:     pullreq.ErrUnprocessable,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			var mu sync.Mutex
			var lists int
			var created []map[string]any
			f.handle("GET /repos/octo/cat/labels", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				lists++
				mu.Unlock()
				switch r.URL.Query().Get("page") {
				case "1":
					nextLink(w, f, r.URL.Path, 2, 2)
					writeJSON(w, 200, []map[string]any{{"name": "bug"}, {"name": "Mountguard: Allow Docker-Socket"}})
				case "2":
					writeJSON(w, 200, []map[string]any{{"name": "mountguard: exception-requested"}})
				}
			})
			f.handle("POST /repos/octo/cat/labels", func(w http.ResponseWriter, r *http.Request) {
				body := readJSON(t, r)
				mu.Lock()
				created = append(created, body)
				mu.Unlock()
				tt.create(w, fmt.Sprint(body["name"]))
			})
			c, _ := f.client()
			err := c.EnsureLabels(context.Background(), testRepo, specs)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if lists != 2 {
				t.Errorf("%d label pages read, want the 2 pages once", lists)
			}
			if !reflect.DeepEqual(created, tt.wantCreated) {
				t.Errorf("created %v\nwant %v", created, tt.wantCreated)
			}
		})
	}
	t.Run("nothing to ensure sends nothing", func(t *testing.T) {
		f := newFakeGitHub(t, "")
		c, _ := f.client()
		if err := c.EnsureLabels(context.Background(), testRepo, nil); err != nil || f.tokenCalls.Load() != 0 {
			t.Errorf("err %v, %d token requests", err, f.tokenCalls.Load())
		}
	})
}

func TestAddLabels(t *testing.T) {
	f := newFakeGitHub(t, "")
	var calls []map[string]any
	f.handle("POST /repos/octo/cat/issues/12/labels", func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, readJSON(t, r))
		writeJSON(w, 200, []map[string]any{{"name": "x"}})
	})
	c, _ := f.client()
	if err := c.AddLabels(context.Background(), testRepo, 12, []string{"mountguard: allow docker-socket", "area/db"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddLabels(context.Background(), testRepo, 12, nil); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"labels": []any{"mountguard: allow docker-socket", "area/db"}}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("sent %v, want %v", calls, want)
	}
}

func TestRemoveLabel(t *testing.T) {
	f := newFakeGitHub(t, "")
	var mu sync.Mutex
	var uris, names []string
	f.handle("DELETE /repos/octo/cat/issues/12/labels/{name}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		names = append(names, r.PathValue("name"))
		mu.Unlock()
		switch r.PathValue("name") {
		case "not there":
			writeJSON(w, 404, map[string]string{"message": "Label does not exist"})
		case "broken":
			writeJSON(w, 503, map[string]string{"message": "Service Unavailable"})
		default:
			writeJSON(w, 200, []map[string]any{})
		}
	})
	c, _ := f.client()
	for _, tt := range []struct {
		label         string
		wantURI       string
		wantErr       bool
		wantTransient bool
	}{
		{label: "mountguard: allow docker-socket", wantURI: "/repos/octo/cat/issues/12/labels/mountguard:%20allow%20docker-socket"},
		{label: "area/db", wantURI: "/repos/octo/cat/issues/12/labels/area%2Fdb"},
		{label: "100% sure? #1", wantURI: "/repos/octo/cat/issues/12/labels/100%25%20sure%3F%20%231"},
		{label: "naïve", wantURI: "/repos/octo/cat/issues/12/labels/na%C3%AFve"},
		{label: "not there", wantURI: "/repos/octo/cat/issues/12/labels/not%20there"}, // 404 is fine
		{label: "broken", wantURI: "/repos/octo/cat/issues/12/labels/broken", wantErr: true, wantTransient: true},
		{label: "", wantErr: true}, // would remove every label
	} {
		t.Run(tt.label, func(t *testing.T) {
			mu.Lock()
			uris, names = nil, nil
			mu.Unlock()
			err := c.RemoveLabel(context.Background(), testRepo, 12, tt.label)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var te *pullreq.TransientError
			if errors.As(err, &te) != tt.wantTransient {
				t.Errorf("err = %v, want transient %v", err, tt.wantTransient)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.wantURI == "" {
				if len(uris) != 0 {
					t.Errorf("sent %q", uris)
				}
				return
			}
			if len(uris) == 0 || uris[0] != tt.wantURI || names[0] != tt.label {
				t.Errorf("sent %q (name %q), want %q (name %q)", uris, names, tt.wantURI, tt.label)
			}
		})
	}
}

// A label called "." or ".." must not be resolved away: the request would
// go to issues/12 itself.
func TestDotSegmentsStayEscaped(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c, _ := f.client()
	for _, tt := range []struct {
		repo  pullreq.Repo
		label string
		want  string
	}{
		{testRepo, "..", "/api/v3/repos/octo/cat/issues/12/labels/%2E%2E"},
		{testRepo, ".", "/api/v3/repos/octo/cat/issues/12/labels/%2E"},
		{pullreq.Repo{Owner: "..", Name: ".."}, "x", "/api/v3/repos/%2E%2E/%2E%2E/issues/12/labels/x"},
		{testRepo, "a..b", "/api/v3/repos/octo/cat/issues/12/labels/a..b"},
	} {
		req, err := c.gh.NewRequest(http.MethodDelete, repoPath(tt.repo, "issues/%d/labels/%s", 12, seg(tt.label)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.URL.EscapedPath(); got != tt.want {
			t.Errorf("%v %q: path %s, want %s", tt.repo, tt.label, got, tt.want)
		}
	}
}

func TestIssueComments(t *testing.T) {
	f := newFakeGitHub(t, "")
	f.handle("GET /repos/octo/cat/issues/12/comments", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			nextLink(w, f, r.URL.Path, 2, 2)
			writeJSON(w, 200, []map[string]any{
				{"id": 1, "body": "mine", "user": map[string]any{"login": "mountguard-test[bot]"}},
				{"id": 2, "body": "a person", "user": map[string]any{"login": "alice"}},
			})
		case "2":
			writeJSON(w, 200, []map[string]any{
				{"id": 3, "body": "mine, by id", "user": map[string]any{"login": "renamed[bot]"},
					"performed_via_github_app": map[string]any{"id": testAppID, "slug": "renamed"}},
				{"id": 4, "body": "another app", "user": map[string]any{"login": "other[bot]"},
					"performed_via_github_app": map[string]any{"id": 99, "slug": "other"}},
				{"id": 5, "body": "case", "user": map[string]any{"login": "MountGuard-Test[bot]"}},
			})
		}
	})
	c, _ := f.client()
	got, err := c.IssueComments(context.Background(), testRepo, 12)
	want := []exception.IssueComment{
		{ID: 1, Body: "mine", ByApp: true},
		{ID: 2, Body: "a person"},
		{ID: 3, Body: "mine, by id", ByApp: true},
		{ID: 4, Body: "another app"},
		{ID: 5, Body: "case", ByApp: true},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("IssueComments = %+v, %v\nwant %+v", got, err, want)
	}
}

func TestIssueMutations(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pattern string
		status  int
		answer  any
		call    func(c *Client) error
		want    map[string]any
		wantErr error
	}{
		{
			name: "create comment", pattern: "POST /repos/octo/cat/issues/12/comments",
			status: 201, answer: map[string]any{"id": 555},
			call: func(c *Client) error {
				id, err := c.CreateIssueComment(context.Background(), testRepo, 12, "exception requested")
				if err == nil && id != 555 {
					return fmt.Errorf("id %d, want 555", id)
				}
				return err
			},
			want: map[string]any{"body": "exception requested"},
		},
		{
			name: "create comment without an id", pattern: "POST /repos/octo/cat/issues/12/comments",
			status: 201, answer: map[string]any{},
			call: func(c *Client) error {
				_, err := c.CreateIssueComment(context.Background(), testRepo, 12, "x")
				if err == nil {
					return errors.New("no error for an answer without id")
				}
				return nil
			},
			want: map[string]any{"body": "x"},
		},
		{
			name: "edit comment", pattern: "PATCH /repos/octo/cat/issues/comments/555",
			status: 200, answer: map[string]any{"id": 555},
			call: func(c *Client) error { return c.EditIssueComment(context.Background(), testRepo, 555, "approved") },
			want: map[string]any{"body": "approved"},
		},
		{
			name: "edit a deleted comment", pattern: "PATCH /repos/octo/cat/issues/comments/555",
			status: 404, answer: map[string]any{"message": "Not Found"},
			call:    func(c *Client) error { return c.EditIssueComment(context.Background(), testRepo, 555, "approved") },
			want:    map[string]any{"body": "approved"},
			wantErr: fs.ErrNotExist,
		},
		{
			name: "request a team review", pattern: "POST /repos/octo/cat/pulls/12/requested_reviewers",
			status: 201, answer: map[string]any{"number": 12},
			call: func(c *Client) error { return c.RequestTeamReview(context.Background(), testRepo, 12, "security") },
			want: map[string]any{"team_reviewers": []any{"security"}},
		},
		{
			name: "a team without access", pattern: "POST /repos/octo/cat/pulls/12/requested_reviewers",
			status: 422, answer: map[string]any{"message": "Reviews may only be requested from collaborators."},
			call:    func(c *Client) error { return c.RequestTeamReview(context.Background(), testRepo, 12, "outsiders") },
			want:    map[string]any{"team_reviewers": []any{"outsiders"}},
			wantErr: pullreq.ErrUnprocessable,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, "")
			var got map[string]any
			f.handle(tt.pattern, func(w http.ResponseWriter, r *http.Request) {
				got = readJSON(t, r)
				writeJSON(w, tt.status, tt.answer)
			})
			c, _ := f.client()
			err := tt.call(c)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "octo/cat") {
				t.Errorf("err = %v, want it to name the repository", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent %v, want %v", got, tt.want)
			}
		})
	}
}
