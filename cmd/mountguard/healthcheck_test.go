package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func runHealth(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runHealthcheck(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	addr := ":" + port

	// 200 is healthy, quietly.
	for _, env := range []map[string]string{
		{"MOUNTGUARD_ADDR": addr},
		{"MOUNTGUARD_ADDR": "0.0.0.0" + addr},
		{"MOUNTGUARD_ADDR": "127.0.0.1" + addr},
	} {
		if code, out, errOut := runHealth(t, env); code != 0 || out != "" || errOut != "" {
			t.Errorf("%v: exit %d, %q %q", env, code, out, errOut)
		}
	}
	if code, _, errOut := runHealth(t, nil, "--url", srv.URL+"/healthz"); code != 0 {
		t.Errorf("--url: exit %d, %s", code, errOut)
	}

	// Anything else is unhealthy, with one line saying why.
	status = http.StatusServiceUnavailable
	code, _, errOut := runHealth(t, map[string]string{"MOUNTGUARD_ADDR": addr})
	if code != 1 || !strings.Contains(errOut, "503 Service Unavailable") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("503: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runHealth(t, nil, "--url", srv.URL+"/nothing"); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("404: exit %d, %q", code, errOut)
	}
}

func TestHealthcheckClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errOut := runHealth(t, map[string]string{"MOUNTGUARD_ADDR": addr})
	if code != 1 || !strings.Contains(errOut, "connection refused") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("closed port: exit %d, %q", code, errOut)
	}
}

func TestHealthcheckTimeout(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	start := time.Now()
	code, _, errOut := runHealth(t, nil, "--url", srv.URL+"/healthz", "--timeout", "100ms")
	if code != 1 || !strings.Contains(errOut, "no answer within 100ms") {
		t.Errorf("hanging server: exit %d, %q", code, errOut)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

// TestHealthcheckNeverExits2: Docker reserves exit 2, so even a usage
// error is 1.
func TestHealthcheckNeverExits2(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--bogus"}, "flag provided but not defined"},
		{nil, []string{"extra"}, "unexpected argument"},
		{nil, []string{"--url", "127.0.0.1:8080/healthz"}, "not an http(s) URL"},
		{map[string]string{"MOUNTGUARD_ADDR": "8080"}, nil, "not host:port"},
		{map[string]string{"MOUNTGUARD_ADDR": ":nosuchservice"}, nil, "unknown port"},
	} {
		code, _, errOut := runHealth(t, tc.env, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v %v: exit %d, %q; want 1 and %q", tc.env, tc.args, code, errOut, tc.want)
		}
	}
	if code, _, errOut := runHealth(t, nil, "-h"); code != 0 || !strings.Contains(errOut, "Usage: mountguard healthcheck") {
		t.Errorf("-h: exit %d, %q", code, errOut)
	}
}

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/healthz",
		":9090":          "http://127.0.0.1:9090/healthz",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/healthz",
		"[::]:9090":      "http://127.0.0.1:9090/healthz",
		"10.1.2.3:9090":  "http://10.1.2.3:9090/healthz",
		"[::1]:9090":     "http://[::1]:9090/healthz",
		"localhost:http": "http://localhost:80/healthz",
	} {
		got, err := healthURL(addr)
		if err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
		if _, err := url.Parse(got); err != nil {
			t.Errorf("%q: %v", got, err)
		}
	}
}
