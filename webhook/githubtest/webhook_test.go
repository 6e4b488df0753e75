package githubtest

import (
	"crypto/hmac"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// TestSign uses the example of GitHub's "Validating webhook deliveries".
func TestSign(t *testing.T) {
	got := Sign("It's a Secret to Everybody", []byte("Hello, World!"))
	if want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestDeliveryRequest(t *testing.T) {
	payload, err := os.ReadFile("../../../shared/corpus/webhooks/pull_request.synchronize.payload.json")
	if err != nil {
		payload = []byte(`{"action":"synchronize"}`)
	}
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	d := Delivery{Event: "pull_request", ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Payload: payload, Secret: "s3cret", InstallationTarget: appID}
	req, err := d.NewRequest(srv.URL + "/webhook")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if string(body) != string(payload) {
		t.Error("the body was changed")
	}
	h := got.Header
	for k, want := range map[string]string{
		"X-GitHub-Event":                         "pull_request",
		"X-GitHub-Delivery":                      d.ID,
		"X-GitHub-Hook-ID":                       "1",
		"Content-Type":                           "application/json",
		"X-GitHub-Hook-Installation-Target-ID":   "42",
		"X-GitHub-Hook-Installation-Target-Type": "integration",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	if ua := h.Get("User-Agent"); len(ua) < len("GitHub-Hookshot/") || ua[:16] != "GitHub-Hookshot/" {
		t.Errorf("User-Agent %q", ua)
	}
	if !hmac.Equal([]byte(h.Get("X-Hub-Signature-256")), []byte(Sign("s3cret", payload))) || h.Get("X-Hub-Signature") == "" {
		t.Errorf("signatures %q, %q", h.Get("X-Hub-Signature-256"), h.Get("X-Hub-Signature"))
	}
	// Without an ID a GUID is made; without a secret nothing is signed.
	req, _ = Delivery{Event: "ping", Payload: []byte("{}")}.NewRequest(srv.URL)
	if id := req.Header.Get("X-GitHub-Delivery"); len(id) != 36 || req.Header.Get("X-Hub-Signature-256") != "" {
		t.Errorf("delivery %q, signature %q", id, req.Header.Get("X-Hub-Signature-256"))
	}
}
