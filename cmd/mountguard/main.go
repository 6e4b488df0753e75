// Command mountguard reviews Docker Compose files for volume security.
//
//	mountguard lint [flags] PATH...    review compose files locally or in CI
//	mountguard demo                    the GitHub App on a sample pull request, offline
//	mountguard serve                   run the GitHub App
//	mountguard exceptions TARGET...    list granted exceptions (security leads)
//	mountguard setup                   register the GitHub App from its manifest
//	mountguard healthcheck             container health check of a running server
//	mountguard rules                   list the rules
//	mountguard version                 print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/sirupsen/logrus"
)

// Exit codes shared by the subcommands.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

func main() {
	// compose-go reports deprecations through logrus' global logger; the
	// review states everything that matters as findings instead.
	logrus.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `mountguard reviews Docker Compose files for volume security.

Usage:
  mountguard lint [flags] PATH...   review compose files (run "mountguard lint -h" for flags)
  mountguard demo                   run the GitHub App against a built-in fake GitHub and show its review
  mountguard serve [--config FILE]  run the GitHub App (run "mountguard serve -h" for its settings)
  mountguard setup [flags]          register the GitHub App on GitHub in one step (run "mountguard setup -h")
  mountguard healthcheck            exit 0 if the running App answers /healthz (for container health checks)
  mountguard exceptions TARGET...   list the exceptions security leads granted (run "mountguard exceptions -h")
  mountguard rules                  list the rules with their default severities
  mountguard version                print the version

Documentation: https://github.com/mountguard/mountguard
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "lint":
		return runLint(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "setup":
		return runSetup(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr, os.Getenv)
	case "exceptions":
		return runExceptions(ctx, args[1:], stdout, stderr, os.Getenv)
	case "rules":
		return runRules(stdout)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "mountguard", version())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "mountguard: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
