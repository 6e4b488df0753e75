package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// The App manifest flow ("Registering a GitHub App from a manifest" in
// GitHub's docs): the person's browser POSTs a form whose field
// "manifest" holds the App's JSON to github.com/settings/apps/new (or
// organizations/ORG/settings/apps/new); GitHub shows a page on which they
// may edit the name and click "Create GitHub App", registers the App, and
// redirects to the manifest's redirect_url with ?code=...&state=...; the
// client exchanges the code through POST /app-manifests/{code}/conversions
// for the App's id, private key and webhook secret. The web pages are not
// the API, so a test plays the browser's part with ManifestCode and the
// client under test makes the conversion.

// manifestCodeLifetime is how long a code may be exchanged: "You must
// complete all three steps in the GitHub App Manifest flow within one
// hour."
const manifestCodeLifetime = time.Hour

// docManifestConversion is the conversion's documentation URL.
const docManifestConversion = "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest"

// msgInvalidManifest is what GitHub's page says instead of showing the
// registration form when the posted manifest is not one, followed by the
// schema's reason, as in `Error: "url" wasn't supplied.` (quoted in
// alp82/curia#933; the second sentence alone in coollabsio/coolify#5122).
// GitHub names a missing hook_attributes.url just "url", without its
// parent (alp82/curia#933, vikasprogrammer/agentric#317).
const msgInvalidManifest = "Invalid GitHub App configuration. The configuration does not appear to be a valid GitHub App manifest."

// manifestGrant is a code GitHub handed to the redirect_url, and what its
// conversion returns. The private key is kept only until then: GitHub
// keeps the public half alone.
type manifestGrant struct {
	app                      *appInfo
	issued                   time.Time
	pem                      string
	clientID, clientSecret   string
	webhookSecret            *string
	description, externalURL string
	permissions              map[string]string
	events                   []string
	used                     bool
}

// grants returns the fake's manifest codes; s.mu must be held.
func (s *Server) grants() map[string]*manifestGrant {
	if s.manifestCodes == nil {
		s.manifestCodes = map[string]*manifestGrant{}
	}
	return s.manifestCodes
}

// appManifest is the part of a manifest the fake reads.
type appManifest struct {
	Name           *string `json:"name"`
	URL            *string `json:"url"`
	Description    string  `json:"description"`
	HookAttributes *struct {
		URL    *string `json:"url"`
		Active *bool   `json:"active"`
	} `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

// ManifestCode plays the person's part of the manifest flow: their
// browser posts manifest (the form's JSON) and they click "Create GitHub
// App". The fake registers the App, which from then on is the App it
// knows (it replaces one SetApp registered), and returns the code GitHub
// would append to the manifest's redirect_url. POST
// /app-manifests/{code}/conversions accepts the code once, within an hour,
// and returns the App's id, slug, private key and webhook secret; App JWTs
// signed with that key then authenticate.
//
// owner is the account the App is registered under: the signed-in user
// for /settings/apps/new, the organisation for
// /organizations/ORG/settings/apps/new. An account the fake already knows
// keeps its type; a new one is a User.
//
// A manifest GitHub would not show the form for fails with GitHub's page
// text: no JSON object, no "url" (the App's homepage, required), or
// hook_attributes without its "url". The fake does not check the
// permission and event names, whose error texts are not known.
func (s *Server) ManifestCode(owner string, manifest []byte) (string, error) {
	var m appManifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return "", fmt.Errorf("%s", msgInvalidManifest) // GitHub's own text, kept as it is
	}
	switch {
	case m.URL == nil || strings.TrimSpace(*m.URL) == "":
		return "", fmt.Errorf("%s Error: %s", msgInvalidManifest, supplied([]string{"url"}))
	case m.HookAttributes != nil && (m.HookAttributes.URL == nil || strings.TrimSpace(*m.HookAttributes.URL) == ""):
		return "", fmt.Errorf("%s Error: %s", msgInvalidManifest, supplied([]string{"url"}))
	}
	if owner == "" {
		return "", errors.New("githubtest: ManifestCode needs the owner's login")
	}
	name := ""
	if m.Name != nil {
		name = *m.Name
	}
	slug := slugify(name)
	if slug == "" {
		// On GitHub the person types a name when the manifest has none.
		return "", errors.New("githubtest: the manifest has no name, which the person would have typed on GitHub's page")
	}
	keyPEM, err := NewPrivateKey()
	if err != nil {
		return "", err
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return "", err
	}
	g := &manifestGrant{
		pem:          string(keyPEM),
		clientID:     "Iv1." + randomHex(8),
		clientSecret: randomHex(20),
		description:  m.Description,
		externalURL:  *m.URL,
		permissions:  map[string]string{},
		events:       append([]string{}, m.DefaultEvents...),
	}
	for k, v := range m.DefaultPermissions {
		g.permissions[k] = v
	}
	// Every App can read metadata, whether or not the manifest says so.
	if g.permissions["metadata"] == "" {
		g.permissions["metadata"] = "read"
	}
	// GitHub makes up the webhook secret; an App without a webhook has
	// none (null).
	if m.HookAttributes != nil {
		secret := randomHex(20)
		g.webhookSecret = &secret
	}
	code := randomHex(20)

	s.mu.Lock()
	defer s.mu.Unlock()
	kind := "User"
	if a := s.accounts[strings.ToLower(owner)]; a != nil {
		kind = a.kind
	}
	g.app = &appInfo{
		id:    s.newID(),
		slug:  slug,
		name:  name,
		key:   &key.PublicKey,
		bot:   s.accountFor(slug+"[bot]", "Bot"),
		owner: s.accountFor(owner, kind),
	}
	g.issued = s.now()
	s.app = g.app
	s.grants()[code] = g
	return code, nil
}

// convertManifest is POST /app-manifests/{code}/conversions, which needs
// no credentials: the code is the secret. An unknown, used or expired
// code is GitHub's 404.
func (s *Server) convertManifest(rq *request) *reply {
	grants := s.grants()
	code := rq.param("code")
	g := grants[code]
	if g == nil || g.used || s.now().Sub(g.issued) > manifestCodeLifetime {
		return notFound(docManifestConversion)
	}
	g.used = true
	pem := g.pem
	g.pem = ""
	a := g.app
	created := ts(g.issued)
	out := manifestConversion{
		App: &github.App{
			ID:          github.Int64(a.id),
			Slug:        github.String(a.slug),
			NodeID:      nodeID("Integration", a.id),
			Owner:       s.userJSON(a.owner),
			Name:        github.String(a.name),
			Description: github.String(g.description),
			ExternalURL: github.String(g.externalURL),
			HTMLURL:     github.String(webURL + "/apps/" + a.slug),
			CreatedAt:   created,
			UpdatedAt:   created,
		},
		Permissions:   g.permissions,
		Events:        g.events,
		ClientID:      g.clientID,
		ClientSecret:  g.clientSecret,
		WebhookSecret: g.webhookSecret,
		PEM:           pem,
	}
	return jsonReply(http.StatusCreated, out)
}

// manifestConversion is the conversion's 201 body: the App (GitHub's
// "integration") with its credentials. Permissions and events are sent as
// the manifest asked, events as [] rather than left out.
type manifestConversion struct {
	*github.App
	Permissions   map[string]string `json:"permissions"`
	Events        []string          `json:"events"`
	ClientID      string            `json:"client_id"`
	ClientSecret  string            `json:"client_secret"`
	WebhookSecret *string           `json:"webhook_secret"`
	PEM           string            `json:"pem"`
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// slugify derives an App's slug as GitHub's docs describe it: the name
// "converted to lowercase, with spaces replaced by -, and with special
// characters replaced" ("My APp Näme" becomes "my-app-name"). The fake
// knows a few accented letters; any other special character becomes "-".
func slugify(name string) string {
	repl := strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "é", "e", "è", "e", "à", "a", "ß", "ss")
	return strings.Trim(slugUnsafe.ReplaceAllString(repl.Replace(strings.ToLower(name)), "-"), "-")
}

// randomHex returns n random bytes in hex, the form of GitHub's manifest
// codes and secrets (40 hex digits for 20 bytes).
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func init() {
	// The endpoint is in this file rather than in routes' literal; its
	// pattern overlaps no other.
	routes = append(routes, anonymousRoute(ep("POST", "/app-manifests/{code}/conversions", (*Server).convertManifest)))
}
