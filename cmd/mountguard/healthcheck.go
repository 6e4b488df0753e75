package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const healthcheckUsage = `Usage: mountguard healthcheck [--url URL] [--timeout D]

Asks the running App whether it is alive (GET /healthz), for a container's
HEALTHCHECK in an image without a shell or curl:

  HEALTHCHECK CMD ["/mountguard", "healthcheck"]

By default it asks http://127.0.0.1:PORT/healthz, PORT being that of
MOUNTGUARD_ADDR (default :8080); when MOUNTGUARD_ADDR names a particular host
address, that address is asked instead. Set --url when serve's address comes
from a settings file.

Flags:
  --url URL     the URL to GET instead
  --timeout D   how long to wait for the answer (default 3s)

Exit status: 0 when the answer is 200 OK, 1 otherwise (Docker reserves 2).
`

// Docker's HEALTHCHECK reads 0 as healthy and 1 as unhealthy, and reserves
// 2: every failure, a wrong flag included, is 1.
const exitUnhealthy = 1

func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	target := fset.String("url", "", "")
	timeout := fset.Duration("timeout", 3*time.Second, "")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, healthcheckUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "mountguard healthcheck: %v (see mountguard healthcheck -h)\n", err)
		return exitUnhealthy
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mountguard healthcheck: "+format+"\n", a...)
		return exitUnhealthy
	}
	if fset.NArg() > 0 {
		return fail("unexpected argument %q", fset.Arg(0))
	}
	if *timeout <= 0 {
		return fail("--timeout must be positive")
	}
	u := *target
	if u == "" {
		var err error
		if u, err = healthURL(getenv("MOUNTGUARD_ADDR")); err != nil {
			return fail("%v", err)
		}
	} else if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fail("--url %q is not an http(s) URL", u)
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fail("%v", err)
	}
	req.Header.Set("User-Agent", "mountguard-healthcheck")
	client := &http.Client{
		// The check is about this process: no proxy from the
		// environment stands between, and a redirect is an answer, not
		// a place to go.
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail("GET %s: no answer within %s", u, *timeout)
		}
		return fail("GET %s: %v", u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fail("GET %s: %s", u, resp.Status)
	}
	return exitOK
}

// healthURL is /healthz at serve's listen address as MOUNTGUARD_ADDR gives
// it: on the loopback interface when serve listens on every address (":8080",
// "0.0.0.0:8080", "[::]:8080"), at the host when it names one.
func healthURL(addr string) (string, error) {
	if addr == "" {
		addr = defaultSettings().Addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("MOUNTGUARD_ADDR %q is not host:port such as :8080", addr)
	}
	// serve accepts a service name ("http") as net.Listen does.
	n, err := net.LookupPort("tcp", port)
	if err != nil {
		return "", fmt.Errorf("MOUNTGUARD_ADDR %q: unknown port %q", addr, port)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(n)) + "/healthz", nil
}

// unwrapURLError drops the "Get URL:" prefix the message already has.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
