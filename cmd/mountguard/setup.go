package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
)

const setupUsage = `Usage: mountguard setup --webhook-url URL [flags]

Registers mountguard as a GitHub App in one step, from its manifest. It serves
a page on this machine (loopback only) that posts the manifest to GitHub; there
you confirm the App's name and click "Create GitHub App"; GitHub sends your
browser back here with a one-time code, which setup exchanges for the App's id,
private key and webhook secret, and stores them. The browser must run on this
machine: on a remote host, forward a fixed port (--listen 127.0.0.1:8765 and
ssh -L 8765:127.0.0.1:8765 HOST) and open the printed URL locally.

Flags:
  --webhook-url URL  where GitHub will deliver webhooks: the public address of
                     "mountguard serve" ending in /webhook (required)
  --org ORG          register the App under this organisation (default: your
                     own account); you must be an owner or App manager there
  --name NAME        the App's name, at most 34 characters and unique across
                     GitHub; you can change it on GitHub's page (default mountguard)
  --github-url URL   REST API base (default https://api.github.com/; GitHub
                     Enterprise Server: https://HOST/api/v3/)
  --web-url URL      GitHub's web address, when it is not the one derived from
                     --github-url (https://github.com/, https://HOST/)
  --out DIR          where to write app-id, private-key.pem and webhook-secret
                     (default ./mountguard-credentials; directory 0700, files 0600)
  --force            overwrite credential files that exist in --out
  --print-env        print the credentials as shell "export" lines on standard
                     output instead of writing files (everything else goes to
                     standard error); this prints the private key
  --listen ADDR      loopback address for the local page (default 127.0.0.1:0,
                     any free port)
  --no-browser       do not try to open a browser: open the printed URL yourself
  --timeout D        give up if GitHub has not sent the browser back after this
                     long (default 15m)

Exit status: 0 when the credentials are stored, 2 otherwise.
`

// Where the registration page takes the person: mountguard's homepage is
// the manifest's required "url".
const mountguardHomepage = "https://github.com/mountguard/mountguard"

// maxAppName is GitHub's limit: "The name cannot be longer than 34
// characters" (Registering a GitHub App).
const maxAppName = 34

// appPermissions and appEvents are what the App needs, and nothing more;
// they match deploy/app-manifest.json. issues: write is for labels (the
// exceptions workflow), members: read for team approvers.
var (
	appPermissions = map[string]string{
		"checks":        "write",
		"pull_requests": "write",
		"contents":      "read",
		"metadata":      "read",
		"issues":        "write",
		"members":       "read",
	}
	appEvents = []string{"pull_request", "check_run", "check_suite"}
)

// The files setup writes in --out, and the settings that read them.
const (
	fileAppID         = "app-id"
	filePrivateKey    = "private-key.pem"
	fileWebhookSecret = "webhook-secret"
)

var credentialFiles = []string{fileAppID, filePrivateKey, fileWebhookSecret}

type setupOptions struct {
	org, name               string
	apiURL, webURL          *url.URL
	webhookURL              string
	listen, out             string
	force, printEnv, noBrow bool
	timeout                 time.Duration
}

// openBrowser is a variable so that a test can see what would be opened.
var openBrowser = func(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	// Quietly: xdg-open's complaints would bury the URL printed for the
	// person to open themselves.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

func runSetup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, code, ok := parseSetupFlags(args, stderr)
	if !ok {
		return code
	}
	// Standard output carries the result: with --print-env the export
	// lines alone, so that it can be redirected to a file; the rest goes
	// to standard error then.
	info := stdout
	if opts.printEnv {
		info = stderr
	}
	if err := setup(ctx, opts, stdout, info); err != nil {
		fmt.Fprintln(stderr, "mountguard setup:", err)
		return exitUsage
	}
	return exitOK
}

var orgLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

func parseSetupFlags(args []string, stderr io.Writer) (setupOptions, int, bool) {
	fset := flag.NewFlagSet("setup", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, setupUsage) }
	var o setupOptions
	var apiURL, webURL string
	fset.StringVar(&o.org, "org", "", "")
	fset.StringVar(&o.name, "name", "mountguard", "")
	fset.StringVar(&apiURL, "github-url", "https://api.github.com/", "")
	fset.StringVar(&webURL, "web-url", "", "")
	fset.StringVar(&o.webhookURL, "webhook-url", "", "")
	fset.StringVar(&o.listen, "listen", "127.0.0.1:0", "")
	fset.StringVar(&o.out, "out", "mountguard-credentials", "")
	fset.BoolVar(&o.force, "force", false, "")
	fset.BoolVar(&o.printEnv, "print-env", false, "")
	fset.BoolVar(&o.noBrow, "no-browser", false, "")
	fset.DurationVar(&o.timeout, "timeout", 15*time.Minute, "")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, exitOK, false
		}
		return o, exitUsage, false
	}
	fail := func(format string, a ...any) (setupOptions, int, bool) {
		fmt.Fprintf(stderr, "mountguard setup: "+format+"\n", a...)
		return o, exitUsage, false
	}
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fset.NArg() > 0:
		return fail("unexpected argument %q (see mountguard setup -h)", fset.Arg(0))
	case o.webhookURL == "":
		return fail("--webhook-url is required: the public URL GitHub will POST webhooks to, such as https://mountguard.example.com/webhook")
	case o.org != "" && !orgLogin.MatchString(o.org):
		return fail("--org %q is not an organisation login", o.org)
	case strings.TrimSpace(o.name) == "" || len([]rune(o.name)) > maxAppName:
		return fail("--name must be 1 to %d characters (GitHub's limit)", maxAppName)
	case o.timeout <= 0:
		return fail("--timeout must be positive")
	case o.printEnv && (set["out"] || o.force):
		return fail("--print-env prints the credentials instead of writing them: leave out --out and --force")
	}
	hook, err := url.Parse(o.webhookURL)
	if err != nil || (hook.Scheme != "https" && hook.Scheme != "http") || hook.Host == "" {
		return fail("--webhook-url %q is not an absolute http(s) URL", o.webhookURL)
	}
	if o.apiURL, err = baseURL(apiURL); err != nil {
		return fail("--github-url: %v", err)
	}
	if webURL != "" {
		if o.webURL, err = baseURL(webURL); err != nil {
			return fail("--web-url: %v", err)
		}
	} else {
		o.webURL = webBase(o.apiURL)
	}
	if err := checkLoopback(o.listen); err != nil {
		return fail("--listen: %v", err)
	}
	if !o.printEnv {
		if err := checkOut(o.out, o.force); err != nil {
			return fail("%v", err)
		}
	}
	if hook.Scheme == "http" {
		// GitHub delivers to http URLs, but the payloads (code, names)
		// then cross the network in clear.
		fmt.Fprintf(stderr, "mountguard setup: warning: --webhook-url is not https: deliveries will not be encrypted\n")
	}
	return o, exitOK, true
}

// baseURL checks an http(s) root and gives it the trailing slash go-github
// needs.
func baseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q is not an http(s) base URL", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// webBase is GitHub's web address for a REST API base: api.github.com
// (and GHE.com's api.SUBDOMAIN.ghe.com) serve the API on a host of their
// own, GitHub Enterprise Server under /api/v3/ of its host; anything else
// (a test server, a proxy) is taken to serve both.
func webBase(api *url.URL) *url.URL {
	w := *api
	switch {
	case strings.HasPrefix(strings.ToLower(w.Host), "api."):
		w.Host, w.Path = w.Host[len("api."):], "/"
	case strings.HasSuffix(w.Path, "/api/v3/"):
		w.Path = strings.TrimSuffix(w.Path, "api/v3/")
	}
	w.RawPath = ""
	return &w
}

// checkLoopback refuses addresses other hosts could reach: the callback
// turns a code into the App's private key.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address such as 127.0.0.1:0: the page must not be reachable from other hosts", addr)
}

// checkOut fails early, before anything is registered on GitHub, when the
// credentials could not be stored: the private key is handed out once.
func checkOut(dir string, force bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(filepath.Clean(dir))
		if pfi, err := os.Stat(parent); err != nil || !pfi.IsDir() {
			return fmt.Errorf("--out %s: its parent directory %s does not exist", dir, parent)
		}
		return nil
	case err != nil:
		return fmt.Errorf("--out: %v", err)
	case !fi.IsDir():
		return fmt.Errorf("--out %s is not a directory", dir)
	}
	if force {
		return nil
	}
	for _, name := range credentialFiles {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: pass --force to replace the credentials in %s, or choose another --out", p, dir)
		}
	}
	return nil
}

// appManifest is GitHub's App manifest, in the order its docs list the
// fields.
type appManifest struct {
	Name               string            `json:"name"`
	URL                string            `json:"url"`
	Description        string            `json:"description"`
	HookAttributes     hookAttributes    `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	SetupURL           string            `json:"setup_url"`
	SetupOnUpdate      bool              `json:"setup_on_update"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

type hookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

func newManifest(name, webhookURL, redirectURL string) appManifest {
	return appManifest{
		Name:           name,
		URL:            mountguardHomepage,
		Description:    "Reviews Docker Compose volume security on pull requests: inline comments and a check run you can require.",
		HookAttributes: hookAttributes{URL: webhookURL, Active: true},
		RedirectURL:    redirectURL,
		// Whoever installs the App lands on the installation guide, which
		// goes on with requiring the check.
		SetupURL:           mountguardHomepage + "/blob/main/docs/install.md",
		Public:             false, // installable only by its owner's account
		DefaultPermissions: appPermissions,
		DefaultEvents:      appEvents,
	}
}

// newAppURL is GitHub's "new App" page that takes the manifest: the
// person's own, or an organisation's.
func newAppURL(web *url.URL, org, state string) string {
	u := *web
	if org != "" {
		u.Path += "organizations/" + url.PathEscape(org) + "/settings/apps/new"
	} else {
		u.Path += "settings/apps/new"
	}
	u.RawPath = ""
	u.RawQuery = url.Values{"state": {state}}.Encode()
	return u.String()
}

// appSettingsURL is where an owner manages the App (and makes a new
// private key).
func appSettingsURL(web *url.URL, org, slug string) string {
	if org != "" {
		return web.String() + "organizations/" + url.PathEscape(org) + "/settings/apps/" + url.PathEscape(slug)
	}
	return web.String() + "settings/apps/" + url.PathEscape(slug)
}

// registration is one run of the flow: the local page and its callback.
type registration struct {
	opts     setupOptions
	state    string
	manifest []byte
	action   string
	// hosts are the Host headers the page answers: its own address. A
	// page of another site that a browser reaches through DNS rebinding
	// carries that site's name and gets nothing.
	hosts map[string]bool
	// exchange turns a code into the App's credentials.
	exchange func(ctx context.Context, code string) (*github.AppConfig, error)
	// ctx is the run's: the exchange goes on if the browser gives up on
	// its request, since GitHub spends the code whether or not the answer
	// is read, and the key comes only once.
	ctx context.Context

	mu   sync.Mutex
	done bool
	// result gets the outcome of the first callback with the right state.
	result chan setupResult
}

type setupResult struct {
	app *github.AppConfig
	err error
}

func setup(ctx context.Context, o setupOptions, stdout, info io.Writer) error {
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err // without "listen tcp ADDR:", which would repeat the address
		}
		return fmt.Errorf("--listen %s: %v", o.listen, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	local := "http://" + ln.Addr().String() + "/"
	r := &registration{
		opts:   o,
		state:  randomToken(),
		result: make(chan setupResult, 1),
		hosts: map[string]bool{
			ln.Addr().String(): true,
			net.JoinHostPort("localhost", strconv.Itoa(addr.Port)): true,
		},
	}
	r.action = newAppURL(o.webURL, o.org, r.state)
	if r.manifest, err = json.Marshal(newManifest(o.name, o.webhookURL, local+"callback")); err != nil {
		ln.Close()
		return err
	}
	client := github.NewClient(&http.Client{Timeout: 30 * time.Second})
	client.BaseURL = o.apiURL
	client.UserAgent = "mountguard"
	r.exchange = func(ctx context.Context, code string) (*github.AppConfig, error) {
		cfg, _, err := client.Apps.CompleteAppManifest(ctx, code)
		return cfg, err
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	r.ctx = ctx
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		// Let the last page reach the browser before exiting.
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(stop)
	}()

	where := "your account"
	if o.org != "" {
		where = "the organisation " + o.org
	}
	fmt.Fprintf(info, "mountguard setup: open this page to register the GitHub App %q under %s:\n\n  %s\n\n", o.name, where, local)
	fmt.Fprintf(info, "The page sends the App's manifest to %s;\n", strings.SplitN(r.action, "?", 2)[0])
	fmt.Fprintf(info, "there, check the name (App names are unique across GitHub: change it if it is\n")
	fmt.Fprintf(info, "taken) and click \"Create GitHub App\". Waiting up to %s.\n", o.timeout)
	if !o.noBrow {
		if err := openBrowser(local); err != nil {
			fmt.Fprintf(info, "(Could not open a browser: open the page yourself.)\n")
		}
	}

	var res setupResult
	select {
	case res = <-r.result:
	case err := <-served:
		return fmt.Errorf("serving the local page: %v", err)
	case <-ctx.Done():
		// A callback may be under way: wait for it, and refuse later
		// ones. Its outcome, sent while it holds the lock, wins over the
		// deadline, so that credentials it stored are reported.
		r.mu.Lock()
		r.done = true
		r.mu.Unlock()
		select {
		case res = <-r.result:
		default:
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("GitHub did not send the browser back within %s (--timeout); nothing was written", o.timeout)
			}
			return errors.New("interrupted before GitHub sent the browser back; nothing was written")
		}
	}
	if res.err != nil {
		return res.err
	}
	r.report(stdout, info, res.app)
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// codePattern is what a code may look like before it goes into the
// conversion's path: GitHub's are 40 hex digits.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

func (r *registration) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if !r.hosts[req.Host] {
		page(w, http.StatusForbidden, "Wrong address", "Open the address mountguard setup printed.", nil)
		return
	}
	switch req.URL.Path {
	case "/":
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.start(w)
	case "/callback":
		r.callback(w, req)
	default:
		http.NotFound(w, req)
	}
}

var startPage = template.Must(template.New("start").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register mountguard</title></head>
<body>
<h1>Register the mountguard GitHub App</h1>
<p>This sends the App's manifest to GitHub, where you confirm its name and click “Create GitHub App”.</p>
<form id="register" action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit">Continue to GitHub</button>
</form>
<script>document.getElementById("register").submit();</script>
</body></html>
`))

func (r *registration) start(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = startPage.Execute(w, map[string]any{"Action": template.URL(r.action), "Manifest": string(r.manifest)})
}

func (r *registration) callback(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	// The state proves that the redirect comes from GitHub for this run's
	// page: without it, any site could send the browser here with a code
	// of an App its author registered, and mountguard would run with
	// credentials someone else holds.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(r.state)) != 1 {
		page(w, http.StatusBadRequest, "Not this registration", "The link does not come from the page of this mountguard setup run (its state does not match). Nothing was stored. Start again from the address mountguard setup printed.", nil)
		return
	}
	code := q.Get("code")
	if !codePattern.MatchString(code) {
		page(w, http.StatusBadRequest, "No registration code", "GitHub's redirect has no code. Nothing was stored.", nil)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		page(w, http.StatusGone, "Already done", "This run of mountguard setup has finished; see its output.", nil)
		return
	}
	r.done = true
	res := r.complete(r.ctx, code)
	if res.err != nil {
		page(w, http.StatusBadGateway, "Registration not completed", "mountguard setup: "+res.err.Error(), nil)
	} else {
		links := []link{{"The App on GitHub", res.app.GetHTMLURL()}, {"Install it on your repositories", installURL(res.app)}}
		page(w, http.StatusOK, "mountguard is registered", fmt.Sprintf("The GitHub App %q (id %d) is registered. %s Next, install it, then start mountguard serve as the terminal says. You can close this page.", res.app.GetName(), res.app.GetID(), r.storedWhere()), links)
	}
	r.result <- res
}

func (r *registration) storedWhere() string {
	if r.opts.printEnv {
		return "Its credentials are printed in the terminal."
	}
	return "Its credentials are in " + absPath(r.opts.out) + "."
}

// complete exchanges the code and stores the credentials.
func (r *registration) complete(ctx context.Context, code string) setupResult {
	app, err := r.exchange(ctx, code)
	if err != nil {
		return setupResult{err: exchangeError(err)}
	}
	if app.GetID() <= 0 || app.GetPEM() == "" {
		return setupResult{err: errors.New("GitHub's answer lacks the App's id or private key")}
	}
	if r.opts.printEnv {
		return setupResult{app: app}
	}
	if err := writeCredentials(r.opts.out, r.opts.force, app); err != nil {
		return setupResult{err: fmt.Errorf("the App %q (id %d) is registered, but storing its credentials failed: %v; make a new private key at %s and write it to %s yourself", app.GetName(), app.GetID(), err, appSettingsURL(r.opts.webURL, r.opts.org, app.GetSlug()), filepath.Join(absPath(r.opts.out), filePrivateKey))}
	}
	if app.GetWebhookSecret() == "" {
		return setupResult{err: fmt.Errorf("the App %q (id %d) is registered and its key stored, but GitHub returned no webhook secret: set one at %s and write it to %s", app.GetName(), app.GetID(), appSettingsURL(r.opts.webURL, r.opts.org, app.GetSlug()), filepath.Join(absPath(r.opts.out), fileWebhookSecret))}
	}
	return setupResult{app: app}
}

// exchangeError says in one line what went wrong with the code.
func exchangeError(err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusNotFound:
			return errors.New("GitHub does not know the registration code (404): it was used already or is over an hour old (codes expire after one hour); if the App was created, delete it in its settings, then run mountguard setup again")
		case http.StatusUnprocessableEntity:
			return fmt.Errorf("GitHub refused the registration code (422 %s); run mountguard setup again", er.Message)
		}
		return fmt.Errorf("exchanging the registration code: GitHub answered %d %s", er.Response.StatusCode, er.Message)
	}
	return fmt.Errorf("exchanging the registration code: %v", err)
}

// writeCredentials stores the three files, readable by the owner alone.
// Without force an existing file is never replaced (O_EXCL, which also
// refuses to follow a symbolic link planted there); with force each file
// is written beside its target and renamed over it, so that a reader never
// sees half a key and an old file's looser mode does not survive.
func writeCredentials(dir string, force bool, app *github.AppConfig) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		// The umask could have taken bits off; the directory is ours.
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	contents := map[string]string{
		fileAppID:         strconv.FormatInt(app.GetID(), 10) + "\n",
		filePrivateKey:    app.GetPEM(),
		fileWebhookSecret: app.GetWebhookSecret() + "\n",
	}
	if app.GetWebhookSecret() == "" {
		delete(contents, fileWebhookSecret)
	}
	for _, name := range credentialFiles {
		data, ok := contents[name]
		if !ok {
			continue
		}
		if err := writeSecretFile(filepath.Join(dir, name), []byte(data), force); err != nil {
			return err
		}
	}
	return nil
}

func writeSecretFile(path string, data []byte, replace bool) error {
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		return finish(f, data)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if err := finish(f, data); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

func finish(f *os.File, data []byte) error {
	_, err := f.Write(data)
	err = errors.Join(err, f.Chmod(0o600), f.Sync())
	return errors.Join(err, f.Close())
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func installURL(app *github.AppConfig) string {
	return strings.TrimSuffix(app.GetHTMLURL(), "/") + "/installations/new"
}

// report prints what was registered and what to do next.
func (r *registration) report(stdout, info io.Writer, app *github.AppConfig) {
	o := r.opts
	var env [][2]string
	if o.printEnv {
		env = append(env,
			[2]string{"MOUNTGUARD_APP_ID", strconv.FormatInt(app.GetID(), 10)},
			[2]string{"MOUNTGUARD_PRIVATE_KEY", app.GetPEM()},
			[2]string{"MOUNTGUARD_WEBHOOK_SECRET", app.GetWebhookSecret()})
	} else {
		dir := absPath(o.out)
		env = append(env,
			[2]string{"MOUNTGUARD_APP_ID", strconv.FormatInt(app.GetID(), 10)},
			[2]string{"MOUNTGUARD_PRIVATE_KEY_PATH", filepath.Join(dir, filePrivateKey)},
			[2]string{"MOUNTGUARD_WEBHOOK_SECRET_PATH", filepath.Join(dir, fileWebhookSecret)})
	}
	// serve needs the API base too unless it is github.com's.
	if api := o.apiURL.String(); api != defaultSettings().GitHubURL {
		env = append(env, [2]string{"MOUNTGUARD_GITHUB_URL", api})
	}

	fmt.Fprintf(info, "\nRegistered the GitHub App %q (id %d, owner %s): %s\n", app.GetName(), app.GetID(), app.GetOwner().GetLogin(), app.GetHTMLURL())
	if o.printEnv {
		for _, kv := range env {
			fmt.Fprintf(stdout, "export %s=%s\n", kv[0], shellQuote(kv[1]))
		}
		fmt.Fprintf(info, "Its credentials are on standard output as shell export lines; keep them secret.\n")
	} else {
		fmt.Fprintf(info, "Its credentials are in %s (%s; only you can read them).\n", absPath(o.out), strings.Join(credentialFiles, ", "))
	}
	fmt.Fprintf(info, "\nNext steps:\n")
	fmt.Fprintf(info, "  1. Install the App on the repositories it should review:\n       %s\n", installURL(app))
	fmt.Fprintf(info, "  2. Start it where GitHub reaches %s:\n", o.webhookURL)
	if o.printEnv {
		fmt.Fprintf(info, "       (with the export lines from standard output in its environment)\n")
	} else {
		for _, kv := range env {
			fmt.Fprintf(info, "       export %s=%s\n", kv[0], shellQuote(kv[1]))
		}
	}
	fmt.Fprintf(info, "       mountguard serve\n")
	fmt.Fprintf(info, "  3. Require its %q check in branch protection or a ruleset once it has reported on a pull request.\n", defaultSettings().CheckName)
}

// shellQuote quotes a value for POSIX shells when it needs it: inside
// single quotes everything, newlines of a PEM included, is literal; a
// single quote closes the quotes, is escaped with a backslash, and opens
// them again.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

type link struct{ Text, URL string }

var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{if .Links}}<ul>{{range .Links}}<li><a href="{{.URL}}">{{.Text}}</a></li>{{end}}</ul>{{end}}
</body></html>
`))

func page(w http.ResponseWriter, status int, title, text string, links []link) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = resultPage.Execute(w, map[string]any{"Title": title, "Text": text, "Links": links})
}
