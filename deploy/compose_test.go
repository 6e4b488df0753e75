package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/mountguard/mountguard/review/config"
	"github.com/mountguard/mountguard/review/engine"
	"github.com/mountguard/mountguard/review/rules"
)

// compose.yaml

// TestComposeLint reviews deploy/ as `mountguard lint deploy/` does and
// wants no finding at all, also with the rules that are off by default
// turned on.
func TestComposeLint(t *testing.T) {
	var enableAll strings.Builder
	enableAll.WriteString("rules:\n")
	for _, r := range rules.Catalog() {
		if r.Default == rules.Off {
			fmt.Fprintf(&enableAll, "  %s: notice\n", r.ID)
		}
	}
	strict, err := config.Parse([]byte(enableAll.String()))
	if err != nil {
		t.Fatalf("configuration enabling every rule: %v\n%s", err, enableAll.String())
	}
	for _, c := range []struct {
		name string
		cfg  *config.Config
	}{
		{"default rules", config.Default()},
		{"every rule enabled", strict},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			fsys, closeFS, err := engine.DirFS(".")
			if err != nil {
				t.Fatal(err)
			}
			defer closeFS()
			projects, err := engine.Discover(ctx, fsys, ".")
			if err != nil {
				t.Fatalf("discovering compose projects in deploy/: %v", err)
			}
			if !slices.ContainsFunc(projects, func(p []string) bool { return slices.Contains(p, "compose.yaml") }) {
				t.Fatalf("deploy/compose.yaml was not discovered; projects: %v", projects)
			}
			res, err := engine.Review(ctx, fsys, projects, c.cfg)
			if err != nil {
				t.Fatalf("reviewing deploy/: %v", err)
			}
			for _, f := range res.Findings {
				t.Errorf("deploy/%s:%d: %s %s: %s", f.Loc.File, f.Loc.Line, f.Severity, f.Rule, f.Message)
			}
		})
	}
}

// loadCompose loads compose.yaml as docker compose would, with env as the
// only variables (not this machine's environment, nor a local .env).
func loadCompose(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."),
		cli.WithEnv(env),
		cli.WithName("mountguard"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// TestComposeModel checks the effective model docker compose runs.
func TestComposeModel(t *testing.T) {
	if _, err := loadCompose(t); err == nil || !strings.Contains(err.Error(), "MOUNTGUARD_APP_ID") {
		t.Errorf("without MOUNTGUARD_APP_ID, docker compose should stop with a message naming it; got %v", err)
	}
	p, err := loadCompose(t, "MOUNTGUARD_APP_ID=12345")
	if err != nil {
		t.Fatalf("loading compose.yaml: %v", err)
	}
	svc, err := p.GetService("mountguard")
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	env := func(name string) string {
		if v := svc.Environment[name]; v != nil {
			return *v
		}
		return ""
	}

	if svc.User != fmt.Sprintf("%d:%d", nonrootID, nonrootID) {
		t.Errorf("user is %q, want \"%d:%d\"", svc.User, nonrootID, nonrootID)
	}
	if !svc.ReadOnly {
		t.Error("read_only is not true")
	}
	if !slices.ContainsFunc(svc.Tmpfs, func(s string) bool { return s == "/tmp" || strings.HasPrefix(s, "/tmp:") }) {
		t.Errorf("tmpfs %v has no /tmp: the App writes included files there, and the root file system is read-only", svc.Tmpfs)
	}
	if !slices.Equal(svc.CapDrop, []string{"ALL"}) {
		t.Errorf("cap_drop is %v, want [ALL]", svc.CapDrop)
	}
	if len(svc.CapAdd) > 0 {
		t.Errorf("cap_add %v: the App needs no capability", svc.CapAdd)
	}
	if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("security_opt %v lacks no-new-privileges:true", svc.SecurityOpt)
	}
	if svc.Privileged {
		t.Error("privileged is true")
	}
	if len(svc.Volumes) > 0 {
		t.Errorf("volumes %v: the App keeps no state; no bind mount and no volume is needed", svc.Volumes)
	}
	if len(p.Volumes) > 0 {
		t.Errorf("top-level volumes %v: none is needed", p.Volumes)
	}
	if svc.Restart != "unless-stopped" {
		t.Errorf("restart is %q, want unless-stopped", svc.Restart)
	}
	if !slices.ContainsFunc(svc.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == appPort }) {
		t.Errorf("ports %v do not publish %d", svc.Ports, appPort)
	}
	if svc.Build == nil && svc.Image == "" {
		t.Error("neither build nor image")
	}
	if svc.Build != nil && filepath.ToSlash(svc.Build.Dockerfile) != "deploy/Dockerfile" {
		t.Errorf("build.dockerfile is %q, want deploy/Dockerfile (context: the repository root)", svc.Build.Dockerfile)
	}

	// Credentials: compose secrets from files inside the project, their
	// paths passed to the App.
	if v := env("MOUNTGUARD_APP_ID"); v != "12345" {
		t.Errorf("MOUNTGUARD_APP_ID is %q, want it from the environment (12345)", v)
	}
	targets := map[string]string{} // secret name → path in the container
	for _, s := range svc.Secrets {
		target := s.Target
		switch {
		case target == "":
			target = "/run/secrets/" + s.Source
		case !strings.HasPrefix(target, "/"):
			target = "/run/secrets/" + target
		}
		targets[s.Source] = target
	}
	for _, c := range []struct{ setting, file string }{
		{"MOUNTGUARD_PRIVATE_KEY_PATH", "secrets/private-key.pem"},
		{"MOUNTGUARD_WEBHOOK_SECRET_PATH", "secrets/webhook-secret"},
	} {
		path := env(c.setting)
		found := false
		for name, target := range targets {
			if target != path {
				continue
			}
			found = true
			sc, ok := p.Secrets[name]
			if !ok {
				t.Errorf("secret %q is not defined at the top level", name)
				continue
			}
			abs, _ := filepath.Abs(c.file)
			if sc.File != abs {
				t.Errorf("secret %q comes from %q, want ./%s (inside the project)", name, sc.File, c.file)
			}
		}
		if !found {
			t.Errorf("%s=%q is not where any of the service's secrets %v is mounted", c.setting, path, targets)
		}
	}
	for _, name := range []string{"MOUNTGUARD_PRIVATE_KEY", "MOUNTGUARD_WEBHOOK_SECRET"} {
		if env(name) != "" {
			t.Errorf("%s is set in the environment: credentials go in compose secrets", name)
		}
	}

	// Health check in exec form, through the binary.
	if hc := svc.HealthCheck; hc == nil || hc.Disable {
		t.Error("no healthcheck")
	} else if want := []string{"CMD", "/mountguard", "healthcheck"}; !slices.Equal(hc.Test, want) {
		t.Errorf("healthcheck test %q, want %q (exec form: the image has no shell)", hc.Test, want)
	}

	// Stopping: longer than the App's drain.
	drain := 30 * time.Second
	if v := env("MOUNTGUARD_SHUTDOWN_TIMEOUT"); v != "" {
		if drain, err = time.ParseDuration(v); err != nil {
			t.Fatalf("MOUNTGUARD_SHUTDOWN_TIMEOUT=%q: %v", v, err)
		}
	}
	if svc.StopGracePeriod == nil || time.Duration(*svc.StopGracePeriod) <= drain {
		t.Errorf("stop_grace_period %v must be longer than MOUNTGUARD_SHUTDOWN_TIMEOUT (%v), or docker kills queued reviews", svc.StopGracePeriod, drain)
	}

	// Resource limits.
	if svc.Deploy == nil || svc.Deploy.Resources.Limits == nil {
		t.Fatal("no deploy.resources.limits")
	}
	lim := svc.Deploy.Resources.Limits
	if lim.MemoryBytes <= 0 || lim.NanoCPUs.Value() <= 0 || lim.Pids <= 0 {
		t.Errorf("deploy.resources.limits: memory %d, cpus %v, pids %d: want all three", lim.MemoryBytes, lim.NanoCPUs.Value(), lim.Pids)
	}
}
