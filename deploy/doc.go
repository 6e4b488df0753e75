// Package deploy holds mountguard's deployment files: the container image
// (Dockerfile), a single-host compose project (compose.yaml), a kustomize
// base for Kubernetes (kubernetes/) and the GitHub App manifest
// (app-manifest.json). It has no code; its tests hold the files to the
// security settings README.md promises, and to mountguard's own rules.
package deploy
