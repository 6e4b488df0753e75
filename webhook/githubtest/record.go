package githubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Call is one request the fake received, in arrival order.
type Call struct {
	Method string
	// Path is the unescaped URL path, e.g. "/repos/o/r/pulls/1/files".
	Path  string
	Query url.Values
	// Route is the endpoint's pattern, e.g. "GET
	// /repos/{owner}/{repo}/pulls/{pull_number}/files"; empty for a path
	// the fake does not serve.
	Route  string
	Status int
	// Body is the request body.
	Body []byte
	// Installation is the installation whose token made the call, 0 for
	// any other credentials.
	Installation int64
	// Faulted marks a response that came from InjectFault.
	Faulted bool
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCalls forgets the requests received so far, so that a test can
// count those of one step.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Count returns how many received requests match a pattern: "METHOD
// /path", where the method may be left out and the path may use "*" for
// one segment and "{name}" as Route does, e.g. "GET
// /repos/{owner}/{repo}/pulls/{pull_number}/files", "POST
// /repos/o/r/check-runs" or "PATCH". Faulted requests count.
func (s *Server) Count(pattern string) int {
	m := newMatcher(pattern)
	n := 0
	for _, c := range s.Calls() {
		if m.match(c.Method, c.Path) {
			n++
		}
	}
	return n
}

// Mutations returns how many POST, PATCH, PUT and DELETE requests were
// received, leaving out the App's token exchanges: the requests that
// count towards GitHub's secondary limit on content creation.
func (s *Server) Mutations() int {
	n := 0
	for _, c := range s.Calls() {
		switch c.Method {
		case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
			if !strings.HasPrefix(c.Path, "/app/") {
				n++
			}
		}
	}
	return n
}

// matcher is a compiled Count or InjectFault pattern.
type matcher struct {
	method string
	glob   string
}

var paramRE = regexp.MustCompile(`\{[^}/]*\}`)

func newMatcher(pattern string) matcher {
	var m matcher
	pattern = strings.TrimSpace(pattern)
	if pattern != "" && !strings.HasPrefix(pattern, "/") {
		m.method, pattern, _ = strings.Cut(pattern, " ")
		pattern = strings.TrimSpace(pattern)
	}
	m.glob = paramRE.ReplaceAllString(pattern, "*")
	return m
}

func (m matcher) match(method, p string) bool {
	if m.method != "" && !strings.EqualFold(m.method, method) {
		return false
	}
	if m.glob == "" {
		return true
	}
	ok, err := path.Match(m.glob, p)
	return ok && err == nil
}

// Response is a canned response for InjectFault.
type Response struct {
	Status int
	Header http.Header
	// Body is sent as is; when empty, GitHub's JSON error body for the
	// status is sent.
	Body string
}

type fault struct {
	m     matcher
	times int
	resp  Response
}

// InjectFault makes the next `times` requests that match pattern (as in
// Count) fail with resp instead of being served, before authentication.
// Faults are used in the order they were injected.
func (s *Server) InjectFault(pattern string, times int, resp Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{m: newMatcher(pattern), times: times, resp: resp})
}

// takeFault returns the fault that applies to a request, using it up.
func (s *Server) takeFault(method, p string) *fault {
	for i, f := range s.faults {
		if f.m.match(method, p) {
			f.times--
			if f.times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (f *fault) reply() *reply {
	status := f.resp.Status
	if status == 0 {
		status = http.StatusBadGateway
	}
	var rp *reply
	if f.resp.Body != "" {
		rp = &reply{status: status, body: []byte(f.resp.Body)}
		rp.setHeader("Content-Type", "application/json; charset=utf-8")
	} else {
		rp = errReply(status, http.StatusText(status), "")
	}
	for k, vs := range f.resp.Header {
		for i, v := range vs {
			if i == 0 {
				rp.setHeader(k, v)
			} else {
				rp.header.Add(k, v)
			}
		}
	}
	return rp
}

// SecondaryRateLimit is GitHub's answer when an App makes too many
// requests, or creates content too fast: 403 with Retry-After and the
// message go-github turns into an *AbuseRateLimitError.
func SecondaryRateLimit(retryAfter time.Duration) Response {
	return Response{
		Status: http.StatusForbidden,
		Header: http.Header{"Retry-After": {strconv.Itoa(int(retryAfter.Seconds()))}},
		Body:   fmt.Sprintf(`{"message":%q,"documentation_url":%q,"status":"403"}`, msgSecondaryRateLimit, docSecondaryRateLimit),
	}
}

// PrimaryRateLimit is GitHub's answer when an installation has used its
// hourly requests: 403 with x-ratelimit-remaining 0 and the reset time,
// which go-github turns into a *RateLimitError.
func PrimaryRateLimit(installationID int64, reset time.Time) Response {
	return Response{
		Status: http.StatusForbidden,
		Header: http.Header{
			"X-Ratelimit-Limit":     {strconv.Itoa(DefaultRateLimit)},
			"X-Ratelimit-Remaining": {"0"},
			"X-Ratelimit-Used":      {strconv.Itoa(DefaultRateLimit)},
			"X-Ratelimit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
			"X-Ratelimit-Resource":  {"core"},
		},
		Body: fmt.Sprintf(`{"message":%q,"documentation_url":%q,"status":"403"}`, fmt.Sprintf(msgRateLimitInstallation, installationID), docPrimaryRateLimit),
	}
}
