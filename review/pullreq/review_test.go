package pullreq

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mountguard/mountguard/review/comment"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/rules"
	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

const (
	baseSHA = "1111111111111111111111111111111111111111"
	headSHA = "2222222222222222222222222222222222222222"
)

// memGitHub is an in-memory GitHub for the review logic; the App's
// end-to-end tests run against the faithful fake in webhook/githubtest.
type memGitHub struct {
	mu       sync.Mutex
	files    []File
	trees    map[string]map[string]string // sha -> path -> content
	comments []Comment
	reviews  []Review
	edits    map[int64]string
	calls    []string
	// rejectInline makes CreateReview fail with 422 when it has comments.
	rejectInline bool
}

func newMem(base, head map[string]string, files ...File) *memGitHub {
	return &memGitHub{files: files, trees: map[string]map[string]string{baseSHA: base, headSHA: head}, edits: map[int64]string{}}
}

func (m *memGitHub) call(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, s)
}

func (m *memGitHub) PullRequestFiles(context.Context, PullRequest) ([]File, error) {
	m.call("files")
	return m.files, nil
}

func (m *memGitHub) Contents(_ context.Context, _ Repo, p, ref string, max int64) ([]byte, int64, error) {
	m.call("contents " + p + "@" + ref[:4])
	content, ok := m.trees[ref][p]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	if int64(len(content)) > max {
		return nil, int64(len(content)), nil
	}
	return []byte(content), int64(len(content)), nil
}

func (m *memGitHub) ReviewComments(context.Context, PullRequest) ([]Comment, error) {
	m.call("comments")
	return slices.Clone(m.comments), nil
}

func (m *memGitHub) Reviews(context.Context, PullRequest) ([]Comment, error) {
	m.call("reviews")
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Comment
	for i, r := range m.reviews {
		out = append(out, Comment{ID: int64(i + 1), Body: r.Body, ByApp: true})
	}
	return out, nil
}

func (m *memGitHub) CreateReview(_ context.Context, _ PullRequest, r Review) error {
	m.call("review")
	if m.rejectInline && len(r.Comments) > 0 {
		return fmt.Errorf("pull request review thread line must be part of the diff: %w", ErrUnprocessable)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reviews = append(m.reviews, r)
	for _, c := range r.Comments {
		m.comments = append(m.comments, Comment{ID: int64(len(m.comments) + 1), Path: c.Path, Line: c.Line, Body: c.Body, ByApp: true})
	}
	return nil
}

func (m *memGitHub) EditComment(_ context.Context, _ Repo, id int64, body string) error {
	m.call("edit")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.edits[id] = body
	for i := range m.comments {
		if m.comments[i].ID == id {
			m.comments[i].Body = body
		}
	}
	return nil
}

func (m *memGitHub) Tree(_ context.Context, _ Repo, sha string) ([]string, bool, error) {
	m.call("tree@" + sha[:4])
	var out []string
	for p := range m.trees[sha] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, false, nil
}

var pr = PullRequest{Repo: Repo{"acme", "shop"}, Number: 7, HeadSHA: headSHA, BaseSHA: baseSHA, BaseRef: "main"}

func run(t *testing.T, gh *memGitHub, opts Options) *Outcome {
	t.Helper()
	out, err := Run(context.Background(), gh, pr, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

func describe(out *Outcome) []string {
	var s []string
	for _, f := range out.Findings {
		s = append(s, fmt.Sprintf("%s:%d %s new=%v inline=%v", f.Loc.File, f.Loc.Line, f.Rule, f.New, f.Inline))
	}
	return s
}

const baseCompose = `services:
  web:
    image: nginx
    user: "101"
    volumes:
      - ./site:/usr/share/nginx/html:ro
`

const headCompose = `services:
  web:
    image: nginx
    user: "101"
    volumes:
      - ./site:/usr/share/nginx/html:ro
      - /var/run/docker.sock:/var/run/docker.sock
`

const headPatch = `@@ -4,3 +4,4 @@ services:
     user: "101"
     volumes:
       - ./site:/usr/share/nginx/html:ro
+      - /var/run/docker.sock:/var/run/docker.sock
`

func TestNewFindingBecomesOneInlineComment(t *testing.T) {
	gh := newMem(map[string]string{"compose.yaml": baseCompose}, map[string]string{"compose.yaml": headCompose},
		File{Path: "compose.yaml", Status: "modified", Patch: headPatch})
	out := run(t, gh, Options{Fresh: true})
	want := []string{
		"compose.yaml:6 bind-mount new=false inline=false",
		"compose.yaml:7 docker-socket new=true inline=true",
	}
	if got := describe(out); !slices.Equal(got, want) {
		t.Fatalf("findings %v\nwant %v", got, want)
	}
	if len(gh.reviews) != 1 || len(gh.reviews[0].Comments) != 1 {
		t.Fatalf("reviews %+v", gh.reviews)
	}
	c := gh.reviews[0].Comments[0]
	if c.Path != "compose.yaml" || c.Line != 7 || c.StartLine != 0 || !strings.Contains(c.Body, "docker-socket") || gh.reviews[0].Event != "COMMENT" || gh.reviews[0].CommitID != headSHA {
		t.Errorf("comment %+v", c)
	}
	// A fresh pull request has no earlier comments: they are not listed.
	if slices.Contains(gh.calls, "comments") {
		t.Errorf("a fresh pull request's comments were listed: %v", gh.calls)
	}
	// Files the base tree says are absent cost nothing: compose.yaml at
	// head and base, and nothing else.
	var contents []string
	for _, c := range gh.calls {
		if strings.HasPrefix(c, "contents") {
			contents = append(contents, c)
		}
	}
	if !slices.Equal(contents, []string{"contents compose.yaml@2222", "contents compose.yaml@1111"}) {
		t.Errorf("contents calls %v", contents)
	}
}

func TestRerunsNeverDuplicateAndFixesAreMarked(t *testing.T) {
	gh := newMem(map[string]string{"compose.yaml": baseCompose}, map[string]string{"compose.yaml": headCompose},
		File{Path: "compose.yaml", Status: "modified", Patch: headPatch})
	run(t, gh, Options{Fresh: true})
	run(t, gh, Options{})
	if len(gh.reviews) != 1 {
		t.Fatalf("the second run posted again: %d reviews", len(gh.reviews))
	}
	// The author removes the socket mount: the comment says it was fixed.
	fixedHead := "3333333333333333333333333333333333333333"
	gh.trees[fixedHead] = map[string]string{"compose.yaml": baseCompose}
	gh.files = nil
	fixed := pr
	fixed.HeadSHA = fixedHead
	out, err := Run(context.Background(), gh, fixed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.NoCompose || out.Fixed != 0 {
		// With no compose change left in the pull request, the review
		// stops early; the comment is marked by a review that sees the
		// project.
		t.Logf("no compose change: %+v", out)
	}
	gh.files = []File{{Path: "compose.yaml", Status: "modified", Patch: "@@ -1,2 +1,3 @@\n services:\n+  # reviewed\n   web:\n"}}
	gh.trees[fixedHead]["compose.yaml"] = "services:\n  # reviewed\n" + strings.TrimPrefix(baseCompose, "services:\n")
	out, err = Run(context.Background(), gh, fixed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Fixed != 1 || len(gh.edits) != 1 {
		t.Fatalf("fixed %d, edits %v", out.Fixed, gh.edits)
	}
	m, ok := comment.ParseMarker(gh.edits[1])
	if !ok || m.FixedIn != fixedHead {
		t.Errorf("edited comment marker %+v %v", m, ok)
	}
	// Marked once: a later run leaves it alone.
	if _, err := Run(context.Background(), gh, fixed, Options{}); err != nil {
		t.Fatal(err)
	}
	if n := countCalls(gh, "edit"); n != 1 {
		t.Errorf("%d edits, want 1", n)
	}
}

func countCalls(gh *memGitHub, name string) int {
	n := 0
	for _, c := range gh.calls {
		if c == name {
			n++
		}
	}
	return n
}

func TestRenamedFileKeepsItsFindings(t *testing.T) {
	gh := newMem(map[string]string{"old/compose.yaml": headCompose}, map[string]string{"new/compose.yaml": headCompose},
		File{Path: "new/compose.yaml", PreviousPath: "old/compose.yaml", Status: "renamed"})
	out := run(t, gh, Options{Fresh: true})
	for _, f := range out.Findings {
		if f.New {
			t.Errorf("a finding moved by a rename is reported new: %+v", f)
		}
	}
	if len(gh.reviews) != 0 {
		t.Errorf("nothing new, but a review was posted")
	}
}

func TestNoComposeChange(t *testing.T) {
	gh := newMem(map[string]string{"README.md": "a"}, map[string]string{"README.md": "b"}, File{Path: "README.md", Status: "modified"})
	if out := run(t, gh, Options{Fresh: true}); !out.NoCompose {
		t.Errorf("want NoCompose, got %+v", out)
	}
}

func TestChangedOverrideBringsItsBaseFile(t *testing.T) {
	base := map[string]string{"compose.yaml": "services:\n  web:\n    image: x\n    user: \"1\"\n"}
	head := map[string]string{
		"compose.yaml":          base["compose.yaml"],
		"compose.override.yaml": "services:\n  web:\n    privileged: true\n",
	}
	gh := newMem(base, head, File{Path: "compose.override.yaml", Status: "added", Patch: "@@ -0,0 +1,3 @@\n+services:\n+  web:\n+    privileged: true\n"})
	out := run(t, gh, Options{Fresh: true})
	if got := describe(out); !slices.Equal(got, []string{"compose.override.yaml:3 privileged new=true inline=true"}) {
		t.Errorf("findings %v", got)
	}
}

func TestChangedExtendedFileReviewsItsUsers(t *testing.T) {
	base := map[string]string{
		"app/compose.yaml":   "services:\n  api:\n    extends: {file: ../common/base.yaml, service: base}\n",
		"common/base.yaml":   "services:\n  base:\n    image: x\n    user: \"1\"\n",
		"other/compose.yaml": "services:\n  s:\n    image: y\n",
	}
	head := map[string]string{
		"app/compose.yaml":   base["app/compose.yaml"],
		"common/base.yaml":   "services:\n  base:\n    image: x\n    user: \"1\"\n    cap_add: [SYS_ADMIN]\n",
		"other/compose.yaml": base["other/compose.yaml"],
	}
	gh := newMem(base, head, File{Path: "common/base.yaml", Status: "modified", Patch: "@@ -2,3 +2,4 @@ services:\n   base:\n     image: x\n     user: \"1\"\n+    cap_add: [SYS_ADMIN]\n"})
	out := run(t, gh, Options{Fresh: true})
	if got := describe(out); !slices.Equal(got, []string{"common/base.yaml:5 dangerous-capability new=true inline=true"}) {
		t.Errorf("findings %v", got)
	}
}

func TestCapAndFolding(t *testing.T) {
	var head strings.Builder
	var patch strings.Builder
	head.WriteString("services:\n")
	patch.WriteString("@@ -0,0 +1,9 @@\n+services:\n")
	for i := range 4 {
		fmt.Fprintf(&head, "  s%d:\n    image: x\n", i)
		fmt.Fprintf(&patch, "+  s%d:\n+    image: x\n", i)
	}
	// privileged on each service, outside the diff for the last one.
	content := strings.ReplaceAll(head.String(), "image: x\n", "image: x\n    privileged: true\n")
	p := strings.ReplaceAll(patch.String(), "+    image: x\n", "+    image: x\n+    privileged: true\n")
	p = strings.Replace(p, "@@ -0,0 +1,9 @@", "@@ -0,0 +1,13 @@", 1)
	gh := newMem(map[string]string{}, map[string]string{"compose.yaml": content}, File{Path: "compose.yaml", Status: "added", Patch: p})
	cfg, err := config.Parse([]byte("comments:\n  max_inline: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, gh, Options{Config: cfg, Fresh: true})
	if out.Posted != 2 || out.Folded != 2 || len(gh.reviews) != 1 {
		t.Fatalf("posted %d folded %d reviews %d", out.Posted, out.Folded, len(gh.reviews))
	}
	if body := gh.reviews[0].Body; !strings.Contains(body, "2 inline, 2 below") || strings.Count(body, "privileged") < 2 {
		t.Errorf("review body:\n%s", body)
	}
	// The next push repeats nothing: the inline findings have comments,
	// the folded ones were listed by the first review's body.
	out = run(t, gh, Options{Config: cfg})
	if len(gh.reviews) != 1 || out.Reviewed {
		t.Errorf("a second review was posted: %+v", gh.reviews[1:])
	}
}

func TestRejectedReviewIsSentAgainWithoutInlineComments(t *testing.T) {
	gh := newMem(map[string]string{"compose.yaml": baseCompose}, map[string]string{"compose.yaml": headCompose},
		File{Path: "compose.yaml", Status: "modified", Patch: headPatch})
	gh.rejectInline = true
	run(t, gh, Options{Fresh: true})
	if len(gh.reviews) != 1 || len(gh.reviews[0].Comments) != 0 || !strings.Contains(gh.reviews[0].Body, "docker-socket") {
		t.Fatalf("fallback review %+v", gh.reviews)
	}
}

func TestCommentModes(t *testing.T) {
	// The .env change makes an unchanged entry mount /etc: the finding is
	// new, but its line is a context line of the diff. "diff" mode may
	// comment on it; "added" mode folds it into the review body.
	base := map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    user: \"1\"\n    volumes:\n      - ${CONF}:/conf:ro\n",
		".env":         "CONF=./conf\n",
	}
	head := map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    user: \"1\"\n    volumes:\n      - ${CONF}:/conf:ro\n    read_only: true\n",
		".env":         "CONF=/etc\n",
	}
	files := []File{
		{Path: "compose.yaml", Status: "modified", Patch: "@@ -4,3 +4,4 @@ services:\n     user: \"1\"\n     volumes:\n       - ${CONF}:/conf:ro\n+    read_only: true\n"},
		{Path: ".env", Status: "modified", Patch: "@@ -1 +1 @@\n-CONF=./conf\n+CONF=/etc\n"},
	}
	for _, tc := range []struct {
		mode   string
		inline bool
	}{{"added", false}, {"diff", true}} {
		gh := newMem(base, head, files...)
		cfg, err := config.Parse([]byte("comments:\n  mode: " + tc.mode + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		out := run(t, gh, Options{Config: cfg, Fresh: true})
		want := []string{fmt.Sprintf("compose.yaml:6 sensitive-host-path new=true inline=%v", tc.inline)}
		if got := describe(out); !slices.Equal(got, want) {
			t.Errorf("%s mode: %v, want %v", tc.mode, got, want)
		}
		if len(gh.reviews) != 1 || (len(gh.reviews[0].Comments) == 1) != tc.inline {
			t.Errorf("%s mode: review %+v", tc.mode, gh.reviews)
		}
	}
}

func TestLargeFileIsAFindingNotAFailure(t *testing.T) {
	big := "services:\n  s:\n    image: x\n" + "#" + strings.Repeat("x", 3<<20) + "\n"
	gh := newMem(map[string]string{}, map[string]string{"compose.yaml": big}, File{Path: "compose.yaml", Status: "added"})
	out := run(t, gh, Options{Fresh: true})
	if len(out.Findings) != 1 || out.Findings[0].Rule != rules.ParseError || !strings.Contains(out.Findings[0].Message, "larger than") {
		t.Errorf("%v", describe(out))
	}
}
