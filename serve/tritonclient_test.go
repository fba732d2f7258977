package serve

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTritonClient drives the server with Triton's own Python clients
// (tritonclient.http and tritonclient.grpc, pinned in
// tests/requirements.txt): JSON and binary, sync and async infer calls,
// compared with Paddle's outputs. PDSAFE_SERVE_PYTHON is the venv's python
// (scripts/setup-serve-python.sh prints it); without it the test is skipped,
// unless PDSAFE_REQUIRE_TRITONCLIENT=1 (scripts/go-test.sh sets both).
func TestTritonClient(t *testing.T) {
	py := servePython(t, "tritonclient")
	ts := mathServer(t, mathConfig, Options{})
	script, err := filepath.Abs("tests/tritonclient_check.py")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script, strings.TrimPrefix(ts.base, "http://"), ts.grpcAddr,
		filepath.Join(fixtures(t), "op_math"), "math")
	out, err := cmd.CombinedOutput()
	t.Logf("tritonclient_check.py:\n%s", out)
	if err != nil {
		t.Fatalf("tritonclient_check.py: %v", err)
	}
	if !strings.Contains(string(out), "2 passed, 0 failed") {
		t.Fatal("tritonclient_check.py did not report 2 passed, 0 failed")
	}
}
