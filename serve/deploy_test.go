package serve

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeployManifests validates deploy/deployment.yaml and deploy/kserve.yaml
// against the Kubernetes schemas of the pinned kubernetes-validate package
// (deploy/validate.py), and checks that the validation is real: a manifest
// with a misspelt field fails it.
func TestDeployManifests(t *testing.T) {
	py := servePython(t, "kubernetes-validate")
	run := func(files ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, py, append([]string{"deploy/validate.py"}, files...)...).CombinedOutput()
		return string(out), err
	}
	out, err := run("deploy/deployment.yaml", "deploy/kserve.yaml")
	if err != nil || !strings.Contains(out, "4 passed, 0 failed") {
		t.Fatalf("validate.py: %v\n%s", err, out)
	}
	b, err := os.ReadFile("deploy/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "periodSeconds: 5", "periodSecond: 5", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(bad)
	if err == nil || !strings.Contains(out, "1 passed, 1 failed") || !strings.Contains(out, "periodSecond") {
		t.Fatalf("a misspelt field passed validation: %v\n%s", err, out)
	}
	// The probes are on the protocol's health endpoints.
	for _, want := range []string{"path: /v2/health/ready", "path: /v2/health/live"} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("deployment.yaml lacks %q", want)
		}
	}
}
