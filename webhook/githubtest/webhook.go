package githubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
)

// Sign returns the X-Hub-Signature-256 value GitHub sends with a webhook
// body: "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the
// webhook secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// signSHA1 is the legacy X-Hub-Signature, which GitHub still sends and
// receivers should ignore.
func signSHA1(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// Delivery is one webhook delivery, for NewRequest.
type Delivery struct {
	// Event is X-GitHub-Event: "pull_request", "check_run", ...
	Event string
	// ID is X-GitHub-Delivery, a GUID (random when empty); a redelivery
	// keeps its ID.
	ID string
	// HookID is X-GitHub-Hook-ID (1 when zero).
	HookID int64
	// InstallationTarget is the App's ID for
	// X-GitHub-Hook-Installation-Target-ID (0 leaves it out).
	InstallationTarget int64
	// Payload is the JSON body, sent byte for byte as signed.
	Payload []byte
	// Secret is the webhook secret; without one no signature is sent, as
	// GitHub does for a hook without a secret.
	Secret string
}

// NewRequest builds the POST GitHub makes to a webhook URL: the body and
// GitHub's headers, signature included.
func (d Delivery) NewRequest(url string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.Payload))
	if err != nil {
		return nil, err
	}
	id := d.ID
	if id == "" {
		id = newGUID()
	}
	hook := d.HookID
	if hook == 0 {
		hook = 1
	}
	h := req.Header
	h.Set("User-Agent", "GitHub-Hookshot/8e4ef52")
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "*/*")
	h.Set("X-GitHub-Event", d.Event)
	h.Set("X-GitHub-Delivery", id)
	h.Set("X-GitHub-Hook-ID", strconv.FormatInt(hook, 10))
	if d.InstallationTarget != 0 {
		h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(d.InstallationTarget, 10))
		h.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	}
	if d.Secret != "" {
		h.Set("X-Hub-Signature", signSHA1(d.Secret, d.Payload))
		h.Set("X-Hub-Signature-256", Sign(d.Secret, d.Payload))
	}
	return req, nil
}
