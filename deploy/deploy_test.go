// The tests in this package hold the deployment files to what README.md
// promises: deploy_test.go (shared helpers), dockerfile_test.go (the image
// and the static binary), compose_test.go (the single-host compose file,
// linted by mountguard itself), kubernetes_test.go (the kustomize base)
// and manifest_test.go (the GitHub App manifest).

package deploy

import (
	"fmt"
	"os"
	"testing"
)

// The container runs as this uid and gid everywhere: the image's USER,
// compose's user, the pod's runAsUser.
const nonrootID = 65532

// The App's port (MOUNTGUARD_ADDR defaults to :8080).
const appPort = 8080

// show prints what a pointer field holds, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return data
}
