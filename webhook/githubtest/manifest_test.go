package githubtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

const testManifest = `{
  "name": "Mount Guard",
  "url": "https://github.com/mountguard/mountguard",
  "hook_attributes": {"url": "https://mountguard.example.com/webhook"},
  "redirect_url": "http://127.0.0.1:5555/callback",
  "public": false,
  "default_permissions": {"checks": "write", "pull_requests": "write", "contents": "read"},
  "default_events": ["pull_request", "check_run", "check_suite"]
}`

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestManifestConversion goes through the flow as a client does: the
// code from the redirect, exchanged once with go-github for credentials
// that then authenticate as the App.
func TestManifestConversion(t *testing.T) {
	gh := NewServer()
	t.Cleanup(gh.Close)
	if err := gh.AddRepo(Repo{Owner: "acme", Name: "api", OwnerType: "Organization"}); err != nil {
		t.Fatal(err)
	}
	code, err := gh.ManifestCode("acme", []byte(testManifest))
	if err != nil {
		t.Fatal(err)
	}
	if !hex40.MatchString(code) {
		t.Errorf("code %q is not 40 hex digits as GitHub's are", code)
	}

	client := newClient(gh, "")
	cfg, resp, err := client.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("status %d, want 201", resp.StatusCode)
	}
	if cfg.GetID() <= 0 || cfg.GetSlug() != "mount-guard" || cfg.GetName() != "Mount Guard" {
		t.Errorf("id %d slug %q name %q", cfg.GetID(), cfg.GetSlug(), cfg.GetName())
	}
	if cfg.GetHTMLURL() != "https://github.com/apps/mount-guard" || cfg.GetExternalURL() != "https://github.com/mountguard/mountguard" {
		t.Errorf("html_url %q external_url %q", cfg.GetHTMLURL(), cfg.GetExternalURL())
	}
	if cfg.GetOwner().GetLogin() != "acme" || cfg.GetOwner().GetType() != "Organization" {
		t.Errorf("owner %+v", cfg.GetOwner())
	}
	if !hex40.MatchString(cfg.GetWebhookSecret()) || !hex40.MatchString(cfg.GetClientSecret()) || !strings.HasPrefix(cfg.GetClientID(), "Iv1.") {
		t.Errorf("webhook_secret %q client_secret %q client_id %q", cfg.GetWebhookSecret(), cfg.GetClientSecret(), cfg.GetClientID())
	}
	if !strings.HasPrefix(cfg.GetPEM(), "-----BEGIN RSA PRIVATE KEY-----") {
		t.Errorf("pem %.40q", cfg.GetPEM())
	}

	// The exchange is recorded like any call, made without credentials.
	calls := gh.Calls()
	if len(calls) != 1 || calls[0].Route != "POST /app-manifests/{code}/conversions" || calls[0].Status != http.StatusCreated {
		t.Fatalf("calls %+v", calls)
	}

	// The key authenticates as the App.
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, cfg.GetID(), []byte(cfg.GetPEM()))
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = gh.URL
	appClient := github.NewClient(&http.Client{Transport: atr})
	appClient.BaseURL = client.BaseURL
	app, _, err := appClient.Apps.Get(ctx, "")
	if err != nil {
		t.Fatalf("GET /app with the new App's JWT: %v", err)
	}
	if app.GetID() != cfg.GetID() || app.GetSlug() != "mount-guard" {
		t.Errorf("GET /app: id %d slug %q", app.GetID(), app.GetSlug())
	}

	// The code works once.
	_, _, err = client.Apps.CompleteAppManifest(ctx, code)
	if er := wantAPIError(t, err, http.StatusNotFound); er.Message != "Not Found" {
		t.Errorf("second use: %q", er.Message)
	}
	_, _, err = client.Apps.CompleteAppManifest(ctx, strings.Repeat("0", 40))
	wantAPIError(t, err, http.StatusNotFound)
}

func TestManifestConversionBody(t *testing.T) {
	gh := NewServer()
	t.Cleanup(gh.Close)
	code, err := gh.ManifestCode("octocat", []byte(testManifest))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(gh.URL+"/app-manifests/"+code+"/conversions", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	perms, _ := json.Marshal(body["permissions"])
	if string(perms) != `{"checks":"write","contents":"read","metadata":"read","pull_requests":"write"}` {
		t.Errorf("permissions %s", perms)
	}
	events, _ := json.Marshal(body["events"])
	if string(events) != `["pull_request","check_run","check_suite"]` {
		t.Errorf("events %s", events)
	}
	for _, k := range []string{"id", "slug", "node_id", "owner", "name", "html_url", "created_at", "client_id", "client_secret", "webhook_secret", "pem"} {
		if _, ok := body[k]; !ok {
			t.Errorf("no %q in the conversion", k)
		}
	}
	if owner, _ := body["owner"].(map[string]any); owner["type"] != "User" {
		t.Errorf("a new owner should be a User: %v", owner)
	}
}

func TestManifestCodeExpiresAfterAnHour(t *testing.T) {
	gh := NewServer()
	t.Cleanup(gh.Close)
	code, err := gh.ManifestCode("octocat", []byte(testManifest))
	if err != nil {
		t.Fatal(err)
	}
	gh.mu.Lock()
	gh.grants()[code].issued = gh.now().Add(-manifestCodeLifetime - time.Second)
	gh.mu.Unlock()
	_, _, err = newClient(gh, "").Apps.CompleteAppManifest(ctx, code)
	wantAPIError(t, err, http.StatusNotFound)
}

func TestManifestWithoutWebhookHasNoSecret(t *testing.T) {
	gh := NewServer()
	t.Cleanup(gh.Close)
	code, err := gh.ManifestCode("octocat", []byte(`{"name":"x","url":"https://example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(gh.URL+"/app-manifests/"+code+"/conversions", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if v, ok := body["webhook_secret"]; !ok || v != nil {
		t.Errorf("webhook_secret %v (present %v), want null", v, ok)
	}
}

func TestInvalidManifestsGetGitHubsPage(t *testing.T) {
	gh := NewServer()
	t.Cleanup(gh.Close)
	for _, tc := range []struct{ manifest, want string }{
		{`not json`, msgInvalidManifest},
		{`{"name":"x"}`, msgInvalidManifest + ` Error: "url" wasn't supplied.`},
		{`{"name":"x","url":"https://example.com","hook_attributes":{"active":false}}`, msgInvalidManifest + ` Error: "url" wasn't supplied.`},
	} {
		_, err := gh.ManifestCode("octocat", []byte(tc.manifest))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.manifest, err, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"My APp Näme":     "my-app-name",
		"mountguard":      "mountguard",
		"  Mount  Guard!": "mount-guard",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
