package ghapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mountguard/mountguard/checks"
)

func TestSerialTransportSendsMutationsOneAtATime(t *testing.T) {
	var inFlight, most, total atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		total.Add(1)
		time.Sleep(10 * time.Millisecond) // long enough for an overlap to show
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	client := &http.Client{Transport: NewSerialTransport(http.DefaultTransport)}

	var wg sync.WaitGroup
	for _, method := range []string{"POST", "PATCH", "POST", "DELETE", "PUT", "POST"} {
		wg.Go(func() {
			req, _ := http.NewRequest(method, srv.URL+"/repos/o/r/check-runs", strings.NewReader("{}"))
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if total.Load() != 6 || most.Load() != 1 {
		t.Errorf("%d requests, at most %d at once; want 6, one at a time", total.Load(), most.Load())
	}
}

func TestSerialTransportLetsReadsOverlap(t *testing.T) {
	// Each GET waits until both are in the handler: they can only finish
	// if they are sent concurrently.
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		select {
		case <-both:
		case <-time.After(5 * time.Second):
			http.Error(w, "the other read never came", http.StatusGatewayTimeout)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: NewSerialTransport(http.DefaultTransport)}

	// A mutation in flight does not hold the reads back either.
	serial := client.Transport.(*SerialTransport)
	serial.turn <- struct{}{}
	defer func() { <-serial.turn }()

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/repos/o/r/pulls/1/files")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d: the reads did not overlap", resp.StatusCode)
			}
		})
	}
	wg.Wait()
}

func TestSerialTransportStopsWaitingWhenTheContextEnds(t *testing.T) {
	called := false
	st := NewSerialTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		called = true
		return nil, errors.New("sent")
	}))
	st.turn <- struct{}{} // another mutation is in flight
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	body := &closeRecorder{Reader: strings.NewReader("{}"), closed: new(bool)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://example.invalid/x", body)
	_, err := st.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || called || !*body.closed {
		t.Errorf("err %v, sent %v, body closed %v; want DeadlineExceeded, nothing sent, body closed", err, called, *body.closed)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Through the Client: one installation's check-run mutations never meet
// on the server.
func TestClientMutationsAreSerial(t *testing.T) {
	f := newFakeGitHub(t, "")
	var inFlight, most atomic.Int32
	f.handle("POST /repos/octo/cat/check-runs", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		writeJSON(w, http.StatusCreated, map[string]any{"id": 1})
	})
	c, _ := f.client()
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := c.CreateCheckRun(context.Background(), checkRepo, checks.Run{Name: "mountguard", HeadSHA: "abc"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d mutations at once, want 1", most.Load())
	}
}
