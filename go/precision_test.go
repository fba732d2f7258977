package pdsafe_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// cpuHasBF16 reports whether /proc/cpuinfo lists AVX512_BF16 or AMX-BF16,
// independently of the library.
func cpuHasBF16(t *testing.T) bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Logf("cannot read /proc/cpuinfo: %v", err)
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			for _, f := range strings.Fields(line) {
				if f == "avx512_bf16" || f == "amx_bf16" {
					return true
				}
			}
			return false
		}
	}
	return false
}

func TestPrecisionString(t *testing.T) {
	for p, want := range map[pdsafe.Precision]string{
		pdsafe.FP32: "fp32", pdsafe.BF16: "bf16", pdsafe.Precision(9): "Precision(9)",
	} {
		if got := p.String(); got != want {
			t.Errorf("Precision(%d).String() = %q, want %q", uint32(p), got, want)
		}
	}
}

func TestWithPrecisionUnknown(t *testing.T) {
	mp, pp := fixturePaths("op_dropout")
	_, err := pdsafe.LoadModel(mp, pp, pdsafe.WithPrecision(pdsafe.Precision(7)))
	var e *pdsafe.Error
	if !errors.Is(err, pdsafe.ErrInvalidArgument) || !errors.As(err, &e) {
		t.Fatalf("LoadModel with Precision(7): %v, want ErrInvalidArgument", err)
	}
	const want = "pds_model_options.precision is 7, expected PDS_PRECISION_FP32 (0) or " +
		"PDS_PRECISION_BF16 (1)"
	if e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
}

// relErrors returns max |a-b| / max |b| and mean |a-b| / mean |b|.
func relErrors(a, b []float32) (maxRel, meanRel float64) {
	var maxd, maxr, sumd, sumr float64
	for i := range b {
		d, r := math.Abs(float64(a[i])-float64(b[i])), math.Abs(float64(b[i]))
		maxd, maxr = math.Max(maxd, d), math.Max(maxr, r)
		sumd += d
		sumr += r
	}
	return maxd / maxr, sumd / sumr
}

// TestWithPrecisionBF16 runs the resnet fixture in bf16 against Paddle's
// float32 outputs where the CPU has bf16, and checks the refusal elsewhere.
func TestWithPrecisionBF16(t *testing.T) {
	mp, pp := fixturePaths("resnet")
	m, err := pdsafe.LoadModel(mp, pp, pdsafe.WithPrecision(pdsafe.BF16))
	if pdsafe.BuildInfo() == "reference kernels only" || !cpuHasBF16(t) {
		var e *pdsafe.Error
		if !errors.Is(err, pdsafe.ErrInvalidArgument) || !errors.As(err, &e) ||
			!strings.HasPrefix(e.Message, "precision bf16: ") {
			t.Fatalf("LoadModel with BF16 here: %v, want ErrInvalidArgument \"precision bf16: ...\"", err)
		}
		t.Skipf("no bf16 run here (%s); the refusal was: %s", pdsafe.BuildInfo(), e.Message)
	}
	if err != nil {
		t.Fatalf("LoadModel with BF16: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	m32 := load(t, "resnet", pdsafe.WithPrecision(pdsafe.FP32))
	p16, p32 := newPredictor(t, m), newPredictor(t, m32)
	for k := 0; k < 2; k++ {
		in := caseInputs(t, m, "resnet", k)
		want := readF32(t, "resnet", fmt.Sprintf("case%d.out0.npy", k))
		r16, err := p16.Run(context.Background(), in...)
		if err != nil {
			t.Fatalf("bf16 run: %v", err)
		}
		r32, err := p32.Run(context.Background(), in...)
		if err != nil {
			t.Fatalf("fp32 run: %v", err)
		}
		// The user-facing dtype stays the model's float32.
		o16, err := pdsafe.OutputAt[float32](r16, 0)
		if err != nil {
			t.Fatalf("bf16 output: %v", err)
		}
		o32, err := pdsafe.OutputAt[float32](r32, 0)
		if err != nil {
			t.Fatalf("fp32 output: %v", err)
		}
		mx, mean := relErrors(o16.Data, want.Data)
		t.Logf("case %d: bf16 vs Paddle fp32: max rel %.2e, mean rel %.2e", k, mx, mean)
		// test_bf16.c's bounds for this network.
		if mx > 0.03 || mean > 0.03 {
			t.Errorf("case %d: bf16 relative error max %.3g, mean %.3g; want <= 0.03", k, mx, mean)
		}
		if d, _ := relErrors(o16.Data, o32.Data); d == 0 {
			t.Errorf("case %d: the bf16 output equals the fp32 one bit for bit: bf16 did not run", k)
		}
		if d, _ := relErrors(o32.Data, want.Data); d > 1e-3 {
			t.Errorf("case %d: fp32 output off Paddle's by %.3g", k, d)
		}
	}
}
