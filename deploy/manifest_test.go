package deploy

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// App manifest

// appManifest is every field GitHub's App manifest accepts; decoding is
// strict so that a misspelt key fails.
type appManifest struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	Description    string `json:"description"`
	HookAttributes *struct {
		URL    string `json:"url"`
		Active *bool  `json:"active"`
	} `json:"hook_attributes"`
	RedirectURL           string            `json:"redirect_url"`
	CallbackURLs          []string          `json:"callback_urls"`
	SetupURL              string            `json:"setup_url"`
	SetupOnUpdate         *bool             `json:"setup_on_update"`
	RequestOAuthOnInstall *bool             `json:"request_oauth_on_install"`
	Public                *bool             `json:"public"`
	DefaultPermissions    map[string]string `json:"default_permissions"`
	DefaultEvents         []string          `json:"default_events"`
}

func TestAppManifest(t *testing.T) {
	data := readFile(t, "app-manifest.json")
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m appManifest
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("app-manifest.json: %v", err)
	}
	if dec.More() {
		t.Fatal("app-manifest.json: more than one JSON value")
	}

	wantPerms := map[string]string{
		"checks":        "write", // check runs
		"pull_requests": "write", // reviews and review comments
		"contents":      "read",  // compose files at head and base
		"metadata":      "read",  // every App has it
		"issues":        "write", // exception labels
		"members":       "read",  // team approvers of exceptions
	}
	for k, v := range m.DefaultPermissions {
		if w, ok := wantPerms[k]; !ok {
			t.Errorf("default_permissions grants %s: %s, which mountguard does not need", k, v)
		} else if v != w {
			t.Errorf("default_permissions %s is %q, want %q", k, v, w)
		}
	}
	for k, w := range wantPerms {
		if _, ok := m.DefaultPermissions[k]; !ok {
			t.Errorf("default_permissions lacks %s: %s", k, w)
		}
	}
	wantEvents := []string{"check_run", "check_suite", "pull_request"}
	if got := slices.Sorted(slices.Values(m.DefaultEvents)); !slices.Equal(got, wantEvents) {
		t.Errorf("default_events %v, want exactly %v", m.DefaultEvents, wantEvents)
	}

	if m.Name == "" || m.Description == "" {
		t.Errorf("name %q, description %q: both are shown on GitHub's registration page", m.Name, m.Description)
	}
	if m.Public == nil || *m.Public {
		t.Error("public is not false: the App should be installable only on the account that registers it")
	}
	if m.HookAttributes == nil {
		t.Fatal("no hook_attributes: GitHub would send no webhooks")
	}
	if m.HookAttributes.Active != nil && !*m.HookAttributes.Active {
		t.Error("hook_attributes.active is false")
	}
	for _, u := range []struct {
		field, value string
		https        bool
	}{
		{"url", m.URL, true},
		{"hook_attributes.url", m.HookAttributes.URL, true},
		{"redirect_url", m.RedirectURL, false},
		{"setup_url", m.SetupURL, true},
	} {
		p, err := url.Parse(u.value)
		switch {
		case u.value == "" || err != nil || p.Host == "":
			t.Errorf("%s %q is not an absolute URL", u.field, u.value)
		case u.https && p.Scheme != "https":
			t.Errorf("%s %q is not https", u.field, u.value)
		}
	}
	if !strings.HasSuffix(m.HookAttributes.URL, "/webhook") {
		t.Errorf("hook_attributes.url %q does not end in /webhook, where the App receives deliveries", m.HookAttributes.URL)
	}
}
