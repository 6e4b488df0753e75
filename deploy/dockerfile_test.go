package deploy

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Dockerfile

// dockerInstruction is one Dockerfile instruction, continuation lines
// joined and comments removed.
type dockerInstruction struct {
	line int    // where it starts
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// dockerStage is a FROM and what follows it.
type dockerStage struct {
	index  int
	image  string
	name   string // AS name, lower case
	instrs []dockerInstruction
}

// parseDockerfile splits a Dockerfile into stages. It handles what this
// repository's Dockerfile may use: comments, parser directives (which
// are comments too), backslash continuations and blank or comment lines
// inside a continuation. Heredocs are not supported and are reported.
func parseDockerfile(src string) ([]dockerStage, error) {
	var (
		instrs []dockerInstruction
		cur    strings.Builder
		start  int
	)
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		instrs = append(instrs, dockerInstruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
	}
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		continuing := cur.Len() > 0
		if line == "" || strings.HasPrefix(line, "#") {
			continue // a comment or a blank line, also inside a continuation
		}
		if !continuing {
			start = i + 1
		}
		if strings.Contains(line, "<<") && !continuing && regexp.MustCompile(`^(RUN|COPY)\b.*<<-?["']?[A-Za-z]`).MatchString(line) {
			return nil, fmt.Errorf("line %d: heredocs are not supported by this test's parser", i+1)
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(body)
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()

	var stages []dockerStage
	for _, in := range instrs {
		if in.cmd == "FROM" {
			var words []string
			for _, w := range strings.Fields(in.args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			if len(words) == 0 {
				return nil, fmt.Errorf("line %d: FROM without an image", in.line)
			}
			st := dockerStage{index: len(stages), image: words[0]}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.name = strings.ToLower(words[2])
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				continue // global build arguments
			}
			return nil, fmt.Errorf("line %d: %s before the first FROM", in.line, in.cmd)
		}
		s := &stages[len(stages)-1]
		s.instrs = append(s.instrs, in)
	}
	return stages, nil
}

func (s dockerStage) all(cmd string) []dockerInstruction {
	var out []dockerInstruction
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// last is the instruction that takes effect when several are given.
func (s dockerStage) last(cmd string) (dockerInstruction, bool) {
	all := s.all(cmd)
	if len(all) == 0 {
		return dockerInstruction{}, false
	}
	return all[len(all)-1], true
}

// execForm parses the JSON array of an exec-form instruction.
func execForm(args string) ([]string, bool) {
	if !strings.HasPrefix(args, "[") {
		return nil, false
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil || len(argv) == 0 {
		return nil, false
	}
	return argv, true
}

// cutFlags removes leading --flag=value words.
func cutFlags(s string) (flags []string, rest string) {
	rest = strings.TrimSpace(s)
	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		flags = append(flags, flag)
		rest = strings.TrimSpace(after)
	}
	return flags, rest
}

var shells = []string{"sh", "bash", "ash", "dash", "zsh", "busybox", "/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/bin/busybox"}

var goBuildOutput = regexp.MustCompile(`(?:^|\s)-o[ =](\S+)`)

// checkDockerfile returns every way src falls short of what the image
// must be; none for a good Dockerfile.
func checkDockerfile(src string) []string {
	stages, err := parseDockerfile(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if len(stages) < 2 {
		fail("not a multi-stage build: %d FROM (want a build stage with the Go toolchain and a minimal runtime stage)", len(stages))
		if len(stages) == 0 {
			return problems
		}
	}
	final := stages[len(stages)-1]
	builders := stages[:len(stages)-1]

	// The runtime base: nothing but the binary and CA certificates.
	base := strings.ToLower(final.image)
	switch {
	case strings.HasPrefix(base, "gcr.io/distroless/static"):
	case base == "scratch":
		copiesCAs := false
		for _, c := range final.all("COPY") {
			if strings.Contains(c.args, "ca-certificates") || strings.Contains(c.args, "/etc/ssl/certs") {
				copiesCAs = true
			}
		}
		if !copiesCAs {
			fail("the final stage is FROM scratch but copies no CA certificates: the App cannot verify api.github.com")
		}
	default:
		fail("the final stage is FROM %s: want gcr.io/distroless/static (or scratch with CA certificates), which has no shell or package manager", final.image)
	}
	if len(final.all("RUN")) > 0 {
		fail("the final stage has RUN instructions: the runtime image has no shell to run them")
	}

	// USER: explicit, numeric and not root.
	if user, ok := final.last("USER"); !ok {
		fail("the final stage has no USER: the container would run as the base image's default user; say USER %d:%d", nonrootID, nonrootID)
	} else {
		uid, gid, hasGroup := strings.Cut(strings.TrimSpace(user.args), ":")
		switch {
		case uid == "" || uid == "0" || strings.EqualFold(uid, "root"):
			fail("line %d: USER %s runs the App as root", user.line, user.args)
		case hasGroup && (gid == "0" || strings.EqualFold(gid, "root")):
			fail("line %d: USER %s runs the App in the root group", user.line, user.args)
		default:
			if _, err := strconv.Atoi(uid); err != nil {
				fail("line %d: USER %s is a name: Kubernetes' runAsNonRoot can only verify a numeric uid (USER %d:%d)", user.line, user.args, nonrootID, nonrootID)
			}
		}
	}

	// ENTRYPOINT and CMD in exec form: there is no shell.
	var binary string
	if ep, ok := final.last("ENTRYPOINT"); !ok {
		fail("the final stage has no ENTRYPOINT")
	} else if argv, ok := execForm(ep.args); !ok {
		fail("line %d: ENTRYPOINT %s is not in exec form (a JSON array): the shell form needs /bin/sh", ep.line, ep.args)
	} else {
		binary = argv[0]
	}
	if cmd, ok := final.last("CMD"); !ok {
		fail("the final stage has no CMD: want CMD [\"serve\"]")
	} else if argv, ok := execForm(cmd.args); !ok || !slices.Equal(argv, []string{"serve"}) {
		fail("line %d: CMD %s: want CMD [\"serve\"] (exec form)", cmd.line, cmd.args)
	}

	// HEALTHCHECK: the binary's own subcommand, exec form.
	if hc, ok := final.last("HEALTHCHECK"); !ok {
		fail("the final stage has no HEALTHCHECK: want HEALTHCHECK CMD [%q, \"healthcheck\"]", binary)
	} else {
		_, rest := cutFlags(hc.args)
		word, argsText, _ := strings.Cut(rest, " ")
		argsText = strings.TrimSpace(argsText)
		switch {
		case strings.EqualFold(word, "NONE"):
			fail("line %d: HEALTHCHECK NONE disables the health check", hc.line)
		case !strings.EqualFold(word, "CMD"):
			fail("line %d: HEALTHCHECK %s: want HEALTHCHECK [OPTIONS] CMD [...]", hc.line, hc.args)
		default:
			argv, ok := execForm(argsText)
			if !ok {
				fail("line %d: HEALTHCHECK CMD %s is in shell form, which runs /bin/sh -c: the image has no shell; use the exec form [%q, \"healthcheck\"]", hc.line, argsText, binary)
				break
			}
			if argv[0] == "CMD-SHELL" {
				fail("line %d: HEALTHCHECK runs CMD-SHELL, which needs a shell", hc.line)
				break
			}
			for i, a := range argv {
				if slices.Contains(shells, a) || (i > 0 && a == "-c" && slices.Contains(shells, argv[i-1])) {
					fail("line %d: HEALTHCHECK runs a shell (%s): the image has none; run %q healthcheck directly", hc.line, strings.Join(argv, " "), binary)
					break
				}
			}
			if binary != "" && argv[0] != binary {
				fail("line %d: HEALTHCHECK runs %s, not the image's binary %s", hc.line, argv[0], binary)
			}
			if len(argv) < 2 || argv[1] != "healthcheck" {
				fail("line %d: HEALTHCHECK %s does not run the healthcheck subcommand", hc.line, strings.Join(argv, " "))
			}
		}
	}

	// EXPOSE the App's port.
	exposed := false
	for _, e := range final.all("EXPOSE") {
		for _, p := range strings.Fields(e.args) {
			if p == strconv.Itoa(appPort) || p == strconv.Itoa(appPort)+"/tcp" {
				exposed = true
			}
		}
	}
	if !exposed {
		fail("the final stage does not EXPOSE %d", appPort)
	}

	// The build: a static binary from ./cmd/mountguard, copied to the
	// path the ENTRYPOINT runs.
	built := false
	for _, st := range builders {
		cgoOff := false
		for _, env := range st.all("ENV") {
			if regexp.MustCompile(`(^|\s)CGO_ENABLED[= ]0\b`).MatchString(env.args) {
				cgoOff = true
			}
		}
		for _, run := range st.all("RUN") {
			if !strings.Contains(run.args, "go build") {
				continue
			}
			built = true
			if !cgoOff && !regexp.MustCompile(`(^|\s)CGO_ENABLED=0\b`).MatchString(run.args) {
				fail("line %d: go build without CGO_ENABLED=0: the binary may link libc, which distroless/static does not have", run.line)
			}
			if !strings.Contains(run.args, "./cmd/mountguard") {
				fail("line %d: go build does not build ./cmd/mountguard", run.line)
			}
			m := goBuildOutput.FindStringSubmatch(run.args)
			if m == nil {
				fail("line %d: go build has no -o: the final stage cannot know where the binary is", run.line)
				continue
			}
			out := m[1]
			copied := false
			for _, c := range final.all("COPY") {
				flags, rest := cutFlags(c.args)
				from := ""
				for _, f := range flags {
					if v, ok := strings.CutPrefix(f, "--from="); ok {
						from = strings.ToLower(v)
					}
				}
				if from != st.name && from != strconv.Itoa(st.index) {
					continue
				}
				paths := strings.Fields(rest)
				if len(paths) == 2 && paths[0] == out && (paths[1] == binary || strings.TrimSuffix(paths[1], "/")+"/"+filepath.Base(out) == binary) {
					copied = true
				}
			}
			if !copied {
				fail("the final stage does not COPY --from=%s %s to %s, the ENTRYPOINT", orElse(st.name, strconv.Itoa(st.index)), out, binary)
			}
		}
	}
	if !built {
		fail("no build stage runs go build")
	}
	return problems
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestDockerfile(t *testing.T) {
	src := string(readFile(t, "Dockerfile"))
	for _, p := range checkDockerfile(src) {
		t.Error("Dockerfile: " + p)
	}
}

// TestDockerfileChecks shows that checkDockerfile catches what it is for:
// each case changes the real Dockerfile in one way.
func TestDockerfileChecks(t *testing.T) {
	good := string(readFile(t, "Dockerfile"))
	stages, err := parseDockerfile(good)
	if err != nil || len(stages) < 2 {
		t.Fatalf("Dockerfile: %v, %d stages", err, len(stages))
	}
	final := stages[len(stages)-1]
	hc, _ := final.last("HEALTHCHECK")
	user, _ := final.last("USER")
	var goBuild dockerInstruction
	for _, in := range stages[0].all("RUN") {
		if strings.Contains(in.args, "go build") {
			goBuild = in
		}
	}
	lines := strings.Split(good, "\n")
	// replaceInstruction swaps the whole (possibly continued) instruction
	// starting at line in for text.
	replaceInstruction := func(in dockerInstruction, text string) string {
		end := in.line - 1
		for end < len(lines) && strings.HasSuffix(strings.TrimSpace(lines[end]), `\`) {
			end++
		}
		out := slices.Concat(lines[:in.line-1], []string{text}, lines[end+1:])
		return strings.Join(out, "\n")
	}
	cases := []struct {
		name   string
		src    string
		wanted string // a substring of the expected problem
	}{
		{"single stage", "FROM golang:1.26\nRUN CGO_ENABLED=0 go build -o /mountguard ./cmd/mountguard\nUSER 65532:65532\nEXPOSE 8080\nHEALTHCHECK CMD [\"/mountguard\", \"healthcheck\"]\nENTRYPOINT [\"/mountguard\"]\nCMD [\"serve\"]\n", "multi-stage"},
		{"full base image", strings.Replace(good, "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:12-slim", 1), "want gcr.io/distroless/static"},
		{"scratch without CA certificates", strings.Replace(good, "FROM gcr.io/distroless/static-debian12:nonroot", "FROM scratch", 1), "CA certificates"},
		{"no USER", replaceInstruction(user, ""), "no USER"},
		{"USER root", replaceInstruction(user, "USER root"), "as root"},
		{"USER 0", replaceInstruction(user, "USER 0:0"), "as root"},
		{"root group", replaceInstruction(user, "USER 65532:0"), "root group"},
		{"USER by name", replaceInstruction(user, "USER nonroot:nonroot"), "numeric"},
		{"no HEALTHCHECK", replaceInstruction(hc, ""), "no HEALTHCHECK"},
		{"HEALTHCHECK NONE", replaceInstruction(hc, "HEALTHCHECK NONE"), "disables"},
		{"shell-form HEALTHCHECK", replaceInstruction(hc, "HEALTHCHECK --interval=30s CMD /mountguard healthcheck"), "shell form"},
		{"HEALTHCHECK through sh -c", replaceInstruction(hc, `HEALTHCHECK CMD ["/bin/sh", "-c", "/mountguard healthcheck"]`), "runs a shell"},
		{"HEALTHCHECK CMD-SHELL", replaceInstruction(hc, `HEALTHCHECK CMD ["CMD-SHELL", "/mountguard healthcheck"]`), "CMD-SHELL"},
		{"HEALTHCHECK with wget", replaceInstruction(hc, `HEALTHCHECK CMD ["/busybox/wget", "-q", "http://127.0.0.1:8080/healthz"]`), "not the image's binary"},
		{"cgo left on", replaceInstruction(goBuild, "RUN go build -trimpath -o /out/mountguard ./cmd/mountguard"), "CGO_ENABLED=0"},
		{"binary not copied", strings.Replace(good, "COPY --from=build /out/mountguard /mountguard", "COPY --from=build /out/other /mountguard", 1), "does not COPY"},
		{"shell-form ENTRYPOINT", strings.Replace(good, `ENTRYPOINT ["/mountguard"]`, "ENTRYPOINT /mountguard", 1), "exec form"},
		{"no EXPOSE", strings.Replace(good, "EXPOSE 8080", "EXPOSE 9090", 1), "EXPOSE 8080"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.src == good {
				t.Fatal("the case does not change the Dockerfile: update it to the Dockerfile's current text")
			}
			problems := checkDockerfile(c.src)
			for _, p := range problems {
				if strings.Contains(p, c.wanted) {
					return
				}
			}
			t.Errorf("want a problem containing %q, got %q", c.wanted, problems)
		})
	}
}

// TestDockerfileGoVersion keeps the build image's Go in step with go.mod.
func TestDockerfileGoVersion(t *testing.T) {
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readFile(t, "../go.mod"))
	if m == nil {
		t.Fatal("../go.mod has no go directive")
	}
	want := string(m[1])
	stages, err := parseDockerfile(string(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stages {
		if tag, ok := strings.CutPrefix(st.image, "golang:"); ok {
			if tag != want && !strings.HasPrefix(tag, want+".") && !strings.HasPrefix(tag, want+"-") && !strings.HasPrefix(tag, want+"@") {
				t.Errorf("build stage FROM %s, but go.mod says go %s", st.image, want)
			}
			return
		}
	}
	t.Errorf("no stage is FROM golang:%s", want)
}

// The binary

// TestStaticBinary builds ./cmd/mountguard as the Dockerfile does, for
// Linux on this machine's architecture, and checks that it is statically
// linked: distroless/static has no dynamic loader and no libc.
func TestStaticBinary(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot build the binary (the Dockerfile's build stage does it with golang:1.26)")
	}
	bin := filepath.Join(t.TempDir(), "mountguard")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/mountguard")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 GOOS=linux go build ./cmd/mountguard: %v\n%s", err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the binary is not an ELF file: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP program header: it needs a dynamic loader, which distroless/static and scratch do not have")
		}
		if p.Type == elf.PT_DYNAMIC {
			t.Error("the binary has a PT_DYNAMIC program header: it is dynamically linked")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Errorf("reading DT_NEEDED: %v", err)
	}
	if len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v (DT_NEEDED): it cannot run on distroless/static", libs)
	}

	if runtime.GOOS != "linux" {
		return // cannot run a Linux binary here
	}
	out, err := exec.CommandContext(ctx, bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "mountguard ") {
		t.Errorf("the static binary does not run: mountguard version: %v, %q", err, out)
	}

	// The image's HEALTHCHECK runs `mountguard healthcheck` with no
	// arguments: it must GET /healthz on MOUNTGUARD_ADDR's port on the
	// loopback interface and exit 0 for 200, 1 otherwise (Docker reads 0
	// as healthy, 1 as unhealthy and reserves 2).
	t.Run("healthcheck", func(t *testing.T) {
		healthz := func(status int) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/healthz" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(status)
			}
		}
		for _, c := range []struct {
			name     string
			handler  http.Handler // nil: nothing listens
			wantExit int
		}{
			{"healthy", healthz(http.StatusOK), 0},
			{"unhealthy", healthz(http.StatusServiceUnavailable), 1},
			{"not listening", nil, 1},
		} {
			srv := httptest.NewServer(c.handler)
			if c.handler == nil {
				srv.Close() // its port is now free: the connection is refused
			}
			u, _ := url.Parse(srv.URL)
			hc := exec.CommandContext(ctx, bin, "healthcheck")
			hc.Env = append(os.Environ(), "MOUNTGUARD_ADDR=:"+u.Port())
			out, err := hc.CombinedOutput()
			if c.handler != nil {
				srv.Close()
			}
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatalf("running mountguard healthcheck: %v", err)
			}
			if strings.Contains(string(out), "unknown command") {
				t.Fatalf("the image's HEALTHCHECK runs `mountguard healthcheck`, which this build does not have:\n%s", out)
			}
			if code != c.wantExit {
				t.Errorf("%s: mountguard healthcheck exited %d, want %d\n%s", c.name, code, c.wantExit, out)
			}
		}
	})
}
