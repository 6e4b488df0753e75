package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

// TestInstallationAuth goes through ghinstallation as the App does: the
// App JWT for the App's endpoints, then an installation token, fetched
// once and reused.
func TestInstallationAuth(t *testing.T) {
	f := newFixture(t)
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, appID, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = f.gh.URL
	appClient := github.NewClient(&http.Client{Transport: atr})
	appClient.BaseURL = newClient(f.gh, "").BaseURL

	app, _, err := appClient.Apps.Get(ctx, "")
	if err != nil || app.GetID() != appID || app.GetSlug() != appSlug {
		t.Fatalf("GET /app: %v, %v", app, err)
	}
	inst, _, err := appClient.Apps.FindRepositoryInstallation(ctx, owner, repoName)
	if err != nil || inst.GetID() != instID || inst.GetAccount().GetLogin() != owner || inst.GetAppID() != appID {
		t.Fatalf("repository installation: %v, %v", inst, err)
	}
	if _, _, err := appClient.Apps.GetInstallation(ctx, instID); err != nil {
		t.Fatal(err)
	}
	_, _, err = appClient.Apps.FindRepositoryInstallation(ctx, "someone", "else")
	wantAPIError(t, err, 404)

	itr := ghinstallation.NewFromAppsTransport(atr, instID)
	itr.BaseURL = f.gh.URL
	client := github.NewClient(&http.Client{Transport: itr})
	client.BaseURL = appClient.BaseURL
	for i := 0; i < 3; i++ {
		repo, _, err := client.Repositories.Get(ctx, owner, repoName)
		if err != nil || repo.GetFullName() != "octo/shop" {
			t.Fatalf("GET repo with the installation token: %v, %v", repo, err)
		}
	}
	if n := f.gh.Count("POST /app/installations/{installation_id}/access_tokens"); n != 1 {
		t.Errorf("%d token requests, want 1 (the token is reused)", n)
	}
	for _, c := range f.gh.Calls() {
		if c.Route == "POST /app/installations/{installation_id}/access_tokens" && c.Status != 201 {
			t.Errorf("token request answered %d, want 201", c.Status)
		}
		if c.Route == "GET /repos/{owner}/{repo}" && c.Installation != instID {
			t.Errorf("call not attributed to the installation: %+v", c)
		}
	}
	// The token cannot see another account's repository: 404, as on
	// GitHub.
	f.must(f.gh.AddRepo(Repo{Owner: "someone", Name: "else"}))
	_, _, err = client.Repositories.Get(ctx, "someone", "else")
	wantAPIError(t, err, 404)
}

func TestBadCredentials(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		token, message string
	}{
		{"", "Requires authentication"},
		{"ghs_notatoken", "Bad credentials"},
	} {
		_, resp, err := newClient(f.gh, tc.token).Repositories.Get(ctx, owner, repoName)
		er := wantAPIError(t, err, 401)
		if er.Message != tc.message || er.DocumentationURL != "https://docs.github.com/rest" {
			t.Errorf("token %q: %q %q", tc.token, er.Message, er.DocumentationURL)
		}
		if resp.Header.Get("X-RateLimit-Limit") != "60" {
			t.Errorf("unauthenticated limit %q, want 60", resp.Header.Get("X-RateLimit-Limit"))
		}
	}
	// "Bearer" works like "token".
	req, _ := http.NewRequest("GET", f.gh.URL+"/repos/octo/shop", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("Bearer token: %v, %v", resp.Status, err)
	}
	resp.Body.Close()
	// An installation token is no App JWT.
	_, _, err = f.client.Apps.Get(ctx, "")
	if er := wantAPIError(t, err, 401); er.Message != "A JSON web token could not be decoded" {
		t.Errorf("token on /app: %q", er.Message)
	}
	// Unknown routes are GitHub's 404.
	req, _ = f.client.NewRequest("GET", "repos/octo/shop/nonsense", nil)
	_, err = f.client.Do(ctx, req, nil)
	if er := wantAPIError(t, err, 404); er.Message != "Not Found" {
		t.Errorf("unknown route: %q", er.Message)
	}
}

// signJWT signs claims with key as ghinstallation would.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	unsigned := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(unsigned))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestAppJWTRejected(t *testing.T) {
	f := newFixture(t)
	key, err := parsePrivateKey(testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	for _, tc := range []struct {
		name    string
		jwt     string
		message string
	}{
		{"expired", signJWT(t, key, map[string]any{"iss": appID, "iat": now - 900, "exp": now - 300}), msgJWTExpired},
		{"valid too long", signJWT(t, key, map[string]any{"iss": appID, "iat": now, "exp": now + 3600}), msgJWTTooLong},
		{"another App", signJWT(t, key, map[string]any{"iss": "43", "iat": now, "exp": now + 60}), msgJWTDecode},
		{"another key", signJWT(t, other, map[string]any{"iss": appID, "iat": now, "exp": now + 60}), msgJWTDecode},
		{"not a JWT", "abc.def", msgJWTDecode},
	} {
		req, _ := http.NewRequest("POST", f.gh.URL+"/app/installations/9/access_tokens", nil)
		req.Header.Set("Authorization", "Bearer "+tc.jwt)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 401 || body.Message != tc.message {
			t.Errorf("%s: %d %q, want 401 %q", tc.name, resp.StatusCode, body.Message, tc.message)
		}
	}
	// A numeric iss and a string one are both fine.
	for _, iss := range []any{appID, "42"} {
		req, _ := http.NewRequest("POST", f.gh.URL+"/app/installations/9/access_tokens", nil)
		req.Header.Set("Authorization", "Bearer "+signJWT(t, key, map[string]any{"iss": iss, "iat": now - 30, "exp": now + 540}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Errorf("iss %v: %v %v", iss, resp.Status, err)
		}
		var tok github.InstallationToken
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if len(tok.GetToken()) != 40 || tok.GetToken()[:4] != "ghs_" || time.Until(tok.GetExpiresAt().Time) < 59*time.Minute {
			t.Errorf("token %q expiring %v", tok.GetToken(), tok.GetExpiresAt())
		}
	}
}
