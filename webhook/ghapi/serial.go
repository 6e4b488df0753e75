package ghapi

import "net/http"

// SerialTransport sends the mutations (every method but GET, HEAD and
// OPTIONS) of one installation one at a time, as GitHub asks of
// integrations to stay clear of its secondary rate limits; reads go
// through concurrently. Each installation's Client has its own, so one
// busy installation never slows another.
//
// It sits above RetryTransport: a mutation waiting out a rate limit keeps
// its turn, since the next one would hit the same limit.
type SerialTransport struct {
	next http.RoundTripper
	// turn holds a token while a mutation is in flight. A channel rather
	// than a mutex, so that a request whose context ends stops waiting.
	turn chan struct{}
}

// NewSerialTransport returns a SerialTransport sending through next.
func NewSerialTransport(next http.RoundTripper) *SerialTransport {
	return &SerialTransport{next: next, turn: make(chan struct{}, 1)}
}

// RoundTrip sends a read at once and a mutation when no other mutation of
// this installation is in flight. The turn ends when the response headers
// arrive: GitHub has done the mutation by then.
func (t *SerialTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return t.next.RoundTrip(req)
	}
	select {
	case t.turn <- struct{}{}:
	case <-req.Context().Done():
		// A RoundTripper closes the body even when it sends nothing.
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, req.Context().Err()
	}
	defer func() { <-t.turn }()
	return t.next.RoundTrip(req)
}
