package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/mountguard/mountguard/webhook/githubtest"
)

// syncBuffer is written by the command's goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recordingProxy stands between setup and the fake, keeping the
// conversion's answer so that the test can compare the files with it.
type recordingProxy struct {
	gh   *githubtest.Server
	mu   sync.Mutex
	body []byte
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, _ := http.NewRequest(r.Method, p.gh.URL+r.URL.RequestURI(), r.Body)
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p.mu.Lock()
	p.body = body
	p.mu.Unlock()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

func (p *recordingProxy) conversion(t *testing.T) map[string]any {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var v map[string]any
	if err := json.Unmarshal(p.body, &v); err != nil {
		t.Fatalf("conversion body %q: %v", p.body, err)
	}
	return v
}

// setupRun is `mountguard setup` running in the background.
type setupRun struct {
	t              *testing.T
	stdout, stderr *syncBuffer
	done           chan int
	local          string // the printed page URL
}

var localURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)

func startSetup(t *testing.T, args ...string) *setupRun {
	t.Helper()
	s := &setupRun{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { s.done <- run(ctx, append([]string{"setup"}, args...), s.stdout, s.stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// The page's address is on standard error with --print-env.
		if m := localURL.FindString(s.stdout.String() + s.stderr.String()); m != "" {
			s.local = m
			return s
		}
		select {
		case code := <-s.done:
			t.Fatalf("setup exited %d before serving; stderr: %s", code, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("setup printed no page URL; stdout: %s stderr: %s", s.stdout, s.stderr)
	return nil
}

func (s *setupRun) wait() int {
	s.t.Helper()
	select {
	case code := <-s.done:
		return code
	case <-time.After(20 * time.Second):
		s.t.Fatal("setup did not exit")
		return -1
	}
}

func (s *setupRun) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(strings.TrimSuffix(s.local, "/") + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	formAction    = regexp.MustCompile(`<form id="register" action="([^"]*)" method="post">`)
	manifestInput = regexp.MustCompile(`<input type="hidden" name="manifest" value="([^"]*)">`)
)

// page reads the form: where it posts, its state and its manifest.
func (s *setupRun) page() (action, state string, manifest []byte) {
	s.t.Helper()
	status, body := s.get("/")
	if status != http.StatusOK {
		s.t.Fatalf("GET / %d: %s", status, body)
	}
	a, m := formAction.FindStringSubmatch(body), manifestInput.FindStringSubmatch(body)
	if a == nil || m == nil {
		s.t.Fatalf("no form in the page:\n%s", body)
	}
	action = html.UnescapeString(a[1])
	u, err := url.Parse(action)
	if err != nil {
		s.t.Fatal(err)
	}
	return action, u.Query().Get("state"), []byte(html.UnescapeString(m[1]))
}

const webhookURL = "https://mountguard.example.com/webhook"

func TestSetupRegistersTheAppAndStoresItsCredentials(t *testing.T) {
	gh := githubtest.NewServer()
	t.Cleanup(gh.Close)
	proxy := &recordingProxy{gh: gh}
	api := newTestServer(t, proxy)
	out := filepath.Join(t.TempDir(), "creds")

	s := startSetup(t, "--no-browser", "--github-url", api, "--webhook-url", webhookURL, "--out", out)
	action, state, manifest := s.page()

	// The form posts to the "new App" page of the web host, which for a
	// test server is the API's own, with a state of its own.
	if want := api + "settings/apps/new?state=" + state; action != want || len(state) < 32 {
		t.Errorf("form action %q, want %q (state %q)", action, want, state)
	}
	var m struct {
		Name, URL          string
		HookAttributes     struct{ URL string } `json:"hook_attributes"`
		RedirectURL        string               `json:"redirect_url"`
		Public             *bool
		DefaultPermissions map[string]string `json:"default_permissions"`
		DefaultEvents      []string          `json:"default_events"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatalf("manifest %s: %v", manifest, err)
	}
	wantPerms := map[string]string{"checks": "write", "pull_requests": "write", "contents": "read", "metadata": "read", "issues": "write", "members": "read"}
	if !reflect.DeepEqual(m.DefaultPermissions, wantPerms) {
		t.Errorf("permissions %v, want %v", m.DefaultPermissions, wantPerms)
	}
	if want := []string{"pull_request", "check_run", "check_suite"}; !reflect.DeepEqual(m.DefaultEvents, want) {
		t.Errorf("events %v, want %v", m.DefaultEvents, want)
	}
	if m.Name != "mountguard" || m.URL == "" || m.HookAttributes.URL != webhookURL || m.Public == nil || *m.Public {
		t.Errorf("manifest %s", manifest)
	}
	if m.RedirectURL != s.local+"callback" {
		t.Errorf("redirect_url %q, want %q", m.RedirectURL, s.local+"callback")
	}

	// A redirect with another state is refused and stores nothing.
	code, err := gh.ManifestCode("octocat", manifest)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := s.get("/callback?code=" + code + "&state=" + strings.Repeat("0", 64)); status != http.StatusBadRequest {
		t.Errorf("wrong state: %d, want 400", status)
	}
	if status, _ := s.get("/callback?code=" + code); status != http.StatusBadRequest {
		t.Errorf("no state: %d, want 400", status)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a refused callback created %s: %v", out, err)
	}
	if n := gh.Count("POST /app-manifests/*/conversions"); n != 0 {
		t.Fatalf("a refused callback exchanged the code (%d calls)", n)
	}

	// GitHub's redirect.
	status, body := s.get("/callback?code=" + code + "&state=" + url.QueryEscape(state))
	if status != http.StatusOK {
		t.Fatalf("callback %d: %s", status, body)
	}
	if exit := s.wait(); exit != exitOK {
		t.Fatalf("exit %d; stderr: %s", exit, s.stderr)
	}
	conv := proxy.conversion(t)
	id := strconv.FormatFloat(conv["id"].(float64), 'f', -1, 64)
	htmlURL := conv["html_url"].(string)
	if !strings.Contains(body, html.EscapeString(htmlURL+"/installations/new")) || !strings.Contains(body, html.EscapeString(htmlURL)) {
		t.Errorf("success page lacks the App's links:\n%s", body)
	}

	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, mode %v, want 0700", out, err, fi.Mode().Perm())
	}
	for name, want := range map[string]string{
		"app-id":          id + "\n",
		"private-key.pem": conv["pem"].(string),
		"webhook-secret":  conv["webhook_secret"].(string) + "\n",
	} {
		p := filepath.Join(out, name)
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
		if got, _ := os.ReadFile(p); string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// The next steps name the files and the install page, never the key.
	stdout := s.stdout.String()
	for _, want := range []string{
		"export MOUNTGUARD_APP_ID=" + id + "\n",
		"export MOUNTGUARD_PRIVATE_KEY_PATH=" + filepath.Join(out, "private-key.pem") + "\n",
		"export MOUNTGUARD_WEBHOOK_SECRET_PATH=" + filepath.Join(out, "webhook-secret") + "\n",
		"export MOUNTGUARD_GITHUB_URL=" + api + "\n",
		htmlURL + "/installations/new",
		"mountguard serve",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if all := stdout + s.stderr.String(); strings.Contains(all, "PRIVATE KEY") || strings.Contains(all, conv["webhook_secret"].(string)) {
		t.Errorf("a secret was printed:\n%s", all)
	}

	// The stored key is the App's: it authenticates as the App.
	appID, _ := strconv.ParseInt(id, 10, 64)
	atr, err := ghinstallation.NewAppsTransportKeyFromFile(http.DefaultTransport, appID, filepath.Join(out, "private-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = gh.URL
	resp, err := (&http.Client{Transport: atr}).Get(gh.URL + "/app")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /app with the stored key: %v %v", resp, err)
	}
	resp.Body.Close()

	// The run is over: the page is gone.
	if _, err := http.Get(s.local); err == nil {
		t.Error("the local page still answers after setup exited")
	}
}

func newTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// register plays the person's part: the page's manifest goes to the fake
// and GitHub's redirect comes back.
func (s *setupRun) register(gh *githubtest.Server, owner string) (int, string) {
	s.t.Helper()
	_, state, manifest := s.page()
	code, err := gh.ManifestCode(owner, manifest)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.get("/callback?code=" + code + "&state=" + url.QueryEscape(state))
}

func TestSetupPrintEnv(t *testing.T) {
	gh := githubtest.NewServer()
	t.Cleanup(gh.Close)
	s := startSetup(t, "--no-browser", "--print-env", "--github-url", gh.URL+"/", "--webhook-url", webhookURL, "--org", "acme")
	action, _, _ := s.page()
	if !strings.HasPrefix(action, gh.URL+"/organizations/acme/settings/apps/new?state=") {
		t.Errorf("form action %q is not the organisation's", action)
	}
	if status, body := s.register(gh, "acme"); status != http.StatusOK {
		t.Fatalf("callback %d: %s", status, body)
	}
	if exit := s.wait(); exit != exitOK {
		t.Fatalf("exit %d; stderr: %s", exit, s.stderr)
	}
	stdout := s.stdout.String()
	// Standard output is the export lines alone, so that it can go to a
	// file; the explanations are on standard error.
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\nexport ") {
		if !strings.HasPrefix(strings.TrimPrefix(line, "export "), "MOUNTGUARD_") {
			t.Errorf("stdout has more than export lines:\n%s", stdout)
		}
	}
	if !strings.Contains(s.stderr.String(), "/installations/new") {
		t.Errorf("stderr lacks the next steps:\n%s", s.stderr)
	}
	if _, err := os.Stat("mountguard-credentials"); !os.IsNotExist(err) {
		t.Errorf("--print-env wrote files: %v", err)
	}

	// The lines are valid shell and give serve what it needs.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to check the quoting")
	}
	cmd := exec.Command(sh, "-c", `eval "$(cat)"; printf '%s\n%s\n%s' "$MOUNTGUARD_APP_ID" "$MOUNTGUARD_WEBHOOK_SECRET" "$MOUNTGUARD_PRIVATE_KEY"`)
	cmd.Stdin = strings.NewReader(stdout)
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	parts := strings.SplitN(string(got), "\n", 3)
	env := map[string]string{"MOUNTGUARD_APP_ID": parts[0], "MOUNTGUARD_WEBHOOK_SECRET": parts[1], "MOUNTGUARD_PRIVATE_KEY": parts[2], "MOUNTGUARD_GITHUB_URL": gh.URL + "/"}
	st, err := loadSettings("", func(k string) string { return env[k] }, readFileOS)
	if err != nil {
		t.Fatalf("serve would refuse these settings: %v", err)
	}
	if _, err := ghinstallation.NewAppsTransport(http.DefaultTransport, st.AppID, []byte(st.PrivateKey)); err != nil {
		t.Fatalf("the printed key does not parse: %v", err)
	}
	if len(st.WebhookSecret) != 40 {
		t.Errorf("webhook secret %q", st.WebhookSecret)
	}
}

func TestSetupRefusesToOverwrite(t *testing.T) {
	out := t.TempDir()
	old := filepath.Join(out, "private-key.pem")
	if err := os.WriteFile(old, []byte("old key"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "setup", "--no-browser", "--webhook-url", webhookURL, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "--force") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q: want 2 and one line naming --force", code, stderr)
	}
	if stdout != "" {
		t.Errorf("it started anyway:\n%s", stdout)
	}

	// --force replaces the files, and the old file's mode with them.
	gh := githubtest.NewServer()
	t.Cleanup(gh.Close)
	s := startSetup(t, "--no-browser", "--force", "--github-url", gh.URL+"/", "--webhook-url", webhookURL, "--out", out)
	if status, body := s.register(gh, "octocat"); status != http.StatusOK {
		t.Fatalf("callback %d: %s", status, body)
	}
	if exit := s.wait(); exit != exitOK {
		t.Fatalf("exit %d; stderr: %s", exit, s.stderr)
	}
	fi, err := os.Stat(old)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("replaced key: %v, mode %v", err, fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(old); !strings.HasPrefix(string(b), "-----BEGIN RSA PRIVATE KEY-----") {
		t.Errorf("the key was not replaced: %.20q", b)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 3 {
		t.Errorf("%d files in --out, want 3 (no temporary files left)", len(entries))
	}
}

func TestSetupCodeGitHubRefuses(t *testing.T) {
	gh := githubtest.NewServer()
	t.Cleanup(gh.Close)
	out := filepath.Join(t.TempDir(), "creds")
	for _, tc := range []struct {
		name  string
		fault *githubtest.Response
		want  string
	}{
		{"unknown or expired", nil, "expire"},
		{"unprocessable", &githubtest.Response{Status: http.StatusUnprocessableEntity, Body: `{"message":"Validation Failed","errors":["Code is invalid"],"status":"422"}`}, "422 Validation Failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				gh.InjectFault("POST /app-manifests/*/conversions", 1, *tc.fault)
			}
			s := startSetup(t, "--no-browser", "--github-url", gh.URL+"/", "--webhook-url", webhookURL, "--out", out)
			_, state, _ := s.page()
			status, _ := s.get("/callback?code=" + strings.Repeat("ab", 20) + "&state=" + state)
			if status != http.StatusBadGateway {
				t.Errorf("callback %d, want 502", status)
			}
			exit := s.wait()
			stderr := s.stderr.String()
			if exit != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q: want 2 and one line with %q", exit, stderr, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("files written after a refused code: %v", err)
			}
		})
	}
}

func TestSetupTimesOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "creds")
	code, _, stderr := runCLI(t, "setup", "--no-browser", "--timeout", "50ms", "--webhook-url", webhookURL, "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "within 50ms") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestSetupFlagErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	out := filepath.Join(t.TempDir(), "creds")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--webhook-url is required"},
		{[]string{"--webhook-url", "mountguard.example.com/webhook", "--out", out}, "not an absolute http(s) URL"},
		{[]string{"--webhook-url", webhookURL, "--listen", "0.0.0.0:0", "--out", out}, "not a loopback address"},
		{[]string{"--webhook-url", webhookURL, "--listen", busy.Addr().String(), "--out", out}, "address already in use"},
		{[]string{"--webhook-url", webhookURL, "--org", "acme/evil", "--out", out}, "not an organisation login"},
		{[]string{"--webhook-url", webhookURL, "--name", strings.Repeat("x", 35), "--out", out}, "1 to 34 characters"},
		{[]string{"--webhook-url", webhookURL, "--print-env", "--out", out}, "leave out --out"},
		{[]string{"--webhook-url", webhookURL, "--github-url", "api.github.com", "--out", out}, "--github-url"},
		{[]string{"--webhook-url", webhookURL, "--out", filepath.Join(out, "a", "b")}, "does not exist"},
		{[]string{"--webhook-url", webhookURL, "--out", out, "extra"}, "unexpected argument"},
	} {
		code, _, stderr := runCLI(t, append([]string{"setup", "--no-browser", "--timeout", "1s"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestSetupOpensTheBrowser(t *testing.T) {
	opened := make(chan string, 1)
	orig := openBrowser
	openBrowser = func(u string) error { opened <- u; return nil }
	t.Cleanup(func() { openBrowser = orig })
	s := startSetup(t, "--timeout", "300ms", "--webhook-url", webhookURL, "--out", filepath.Join(t.TempDir(), "creds"))
	select {
	case u := <-opened:
		if u != s.local {
			t.Errorf("opened %q, want %q", u, s.local)
		}
	case <-time.After(5 * time.Second):
		t.Error("no browser opened")
	}
	s.wait()
}

// TestSetupAnswersOnlyItsOwnAddress: a page that reaches the loopback
// port under another name (DNS rebinding) gets neither the state nor the
// callback.
func TestSetupAnswersOnlyItsOwnAddress(t *testing.T) {
	s := startSetup(t, "--no-browser", "--timeout", "300ms", "--webhook-url", webhookURL, "--out", filepath.Join(t.TempDir(), "creds"))
	req, _ := http.NewRequest("GET", s.local, nil)
	req.Host = "attacker.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "state=") {
		t.Errorf("foreign Host: %d\n%s", resp.StatusCode, body)
	}
	s.wait()
}

func TestWebBase(t *testing.T) {
	for api, want := range map[string]string{
		"https://api.github.com/":           "https://github.com/",
		"https://ghe.example.com/api/v3/":   "https://ghe.example.com/",
		"https://api.acme.ghe.com/":         "https://acme.ghe.com/",
		"http://127.0.0.1:8999/":            "http://127.0.0.1:8999/",
		"https://proxy.example.com/github/": "https://proxy.example.com/github/",
	} {
		u, err := baseURL(api)
		if err != nil {
			t.Fatal(err)
		}
		if got := webBase(u).String(); got != want {
			t.Errorf("webBase(%s) = %s, want %s", api, got, want)
		}
	}
	web, _ := baseURL("https://ghe.example.com/")
	if got := newAppURL(web, "acme", "s1"); got != "https://ghe.example.com/organizations/acme/settings/apps/new?state=s1" {
		t.Errorf("newAppURL = %s", got)
	}
}

// TestManifestMatchesDeploy keeps setup's manifest and the one in deploy/
// (for registering the App by hand) asking for the same access.
func TestManifestMatchesDeploy(t *testing.T) {
	data, err := os.ReadFile("../../deploy/app-manifest.json")
	if os.IsNotExist(err) {
		t.Skip("no deploy/app-manifest.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	var deploy struct {
		URL                string            `json:"url"`
		Description        string            `json:"description"`
		SetupURL           string            `json:"setup_url"`
		SetupOnUpdate      bool              `json:"setup_on_update"`
		Public             bool              `json:"public"`
		DefaultPermissions map[string]string `json:"default_permissions"`
		DefaultEvents      []string          `json:"default_events"`
	}
	if err := json.Unmarshal(data, &deploy); err != nil {
		t.Fatal(err)
	}
	m := newManifest("mountguard", webhookURL, "http://127.0.0.1:1/callback")
	if !reflect.DeepEqual(m.DefaultPermissions, deploy.DefaultPermissions) || !reflect.DeepEqual(m.DefaultEvents, deploy.DefaultEvents) || m.Public != deploy.Public {
		t.Errorf("setup asks for %v %v public=%v; deploy/app-manifest.json for %v %v public=%v",
			m.DefaultPermissions, m.DefaultEvents, m.Public, deploy.DefaultPermissions, deploy.DefaultEvents, deploy.Public)
	}
	// Only the webhook and redirect addresses are the installer's own.
	if m.URL != deploy.URL || m.Description != deploy.Description || m.SetupURL != deploy.SetupURL || m.SetupOnUpdate != deploy.SetupOnUpdate {
		t.Errorf("setup's manifest says url %q, setup_url %q (on update %v), description %q; deploy/app-manifest.json %q, %q (%v), %q",
			m.URL, m.SetupURL, m.SetupOnUpdate, m.Description, deploy.URL, deploy.SetupURL, deploy.SetupOnUpdate, deploy.Description)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"123":                 "123",
		"/srv/creds/key.pem":  "/srv/creds/key.pem",
		"it's":                `'it'\''s'`,
		"a b":                 "'a b'",
		"":                    "''",
		"line1\nline2":        "'line1\nline2'",
		"https://h/api/v3/":   "https://h/api/v3/",
		"$(rm -rf /)":         "'$(rm -rf /)'",
		"/tmp/x y/creds.pem":  "'/tmp/x y/creds.pem'",
		"C:\\Users\\me\\x.pm": `'C:\Users\me\x.pm'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
