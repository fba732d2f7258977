package pdsafe_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// TestQuantizedModel runs fixture quant_conv (PaddleSlim's QDQ convolutions)
// in its default form (int8 where the CPU has VNNI) and WithoutInt8 (float32
// fake quantisation) against Paddle's outputs, within 1e-5 + 1e-6 |ref|: the
// integer products are exact, so only the float rounding of the scales
// differs (tests/test_int8.c checks which kernels ran).
func TestQuantizedModel(t *testing.T) {
	for _, opts := range [][]pdsafe.ModelOption{nil, {pdsafe.WithoutInt8()}} {
		m := load(t, "quant_conv", opts...)
		p := newPredictor(t, m)
		for k := 0; k < 2; k++ {
			res, err := p.Run(context.Background(), caseInputs(t, m, "quant_conv", k)...)
			if err != nil {
				t.Fatalf("run (%d options): %v", len(opts), err)
			}
			for j := 0; j < 7; j++ {
				want := readF32(t, "quant_conv", fmt.Sprintf("case%d.out%d.npy", k, j))
				got, err := pdsafe.OutputAt[float32](res, j)
				if err != nil {
					t.Fatalf("output %d: %v", j, err)
				}
				if len(got.Data) != len(want.Data) {
					t.Fatalf("output %d: %d values, want %d", j, len(got.Data), len(want.Data))
				}
				for i, w := range want.Data {
					d := math.Abs(float64(got.Data[i]) - float64(w))
					if d > 1e-5+1e-6*math.Abs(float64(w)) {
						t.Fatalf("case %d output %d [%d] (%d options): %g, want %g", k, j, i,
							len(opts), got.Data[i], w)
					}
				}
			}
		}
	}
}
