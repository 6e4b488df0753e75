package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// NewPrivateKey returns a fresh 2048-bit RSA key in the PEM form GitHub
// hands out for an App ("RSA PRIVATE KEY", PKCS #1), for SetApp and for
// the client under test (ghinstallation reads this form).
func NewPrivateKey() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), nil
}

// parsePrivateKey reads a PKCS #1 or PKCS #8 RSA key.
func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("githubtest: no PEM block in the App's private key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("githubtest: parsing the App's private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("githubtest: the App's private key is not an RSA key")
	}
	return rk, nil
}

// jwtClockSkew is how far in the past or future GitHub tolerates an App
// JWT's timestamps; its docs advise setting iat 60 s in the past.
const jwtClockSkew = 60 * time.Second

// maxJWTLifetime is GitHub's limit on exp: ten minutes from now.
const maxJWTLifetime = 10 * time.Minute

// verifyJWT checks an App JWT the way GitHub does: RS256 signed by the
// App's key, iss the App's ID (a number or its decimal string), exp in the
// future but at most ten minutes away. It returns GitHub's 401 message on
// failure.
func verifyJWT(token string, appID int64, pub *rsa.PublicKey, now time.Time) (ok bool, message string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || pub == nil {
		return false, msgJWTDecode
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if !decodeSegment(parts[0], &header) || header.Alg != "RS256" {
		return false, msgJWTDecode
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false, msgJWTDecode
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
		return false, msgJWTDecode
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Exp json.Number     `json:"exp"`
		Iat json.Number     `json:"iat"`
	}
	if !decodeSegment(parts[1], &claims) {
		return false, msgJWTDecode
	}
	if issuer(claims.Iss) != strconv.FormatInt(appID, 10) {
		return false, msgJWTDecode
	}
	exp, err := claims.Exp.Int64()
	if err != nil || time.Unix(exp, 0).Before(now.Add(-jwtClockSkew)) {
		return false, msgJWTExpired
	}
	if time.Unix(exp, 0).After(now.Add(maxJWTLifetime + jwtClockSkew)) {
		return false, msgJWTTooLong
	}
	return true, ""
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v) == nil
}

// issuer reads iss whether it was sent as a number or a string.
func issuer(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// newToken returns a token in GitHub's format: a prefix saying what it is
// ("ghs_" for an installation, "ghp_" for a person) and 36 random
// alphanumerics.
func newToken(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 36)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return prefix + string(b)
}

// newGUID returns a random UUID, the form of X-GitHub-Delivery.
func newGUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
