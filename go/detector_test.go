package pdsafe_test

import (
	"context"
	"fmt"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// The detector fixture ends in multiclass_nms3, whose row count the library
// knows only once the kernel ran (it plans an upper bound). Run and RunInto
// must hand back the rows kept, with Paddle's values: none in case 1, the
// most the NMS can keep in case 2, on one predictor in an order that puts
// full after empty and empty after full; on the fast path and with the
// reference kernels (PDSAFE_KERNELS=ref, read at load).
func TestDetectorNMSRows(t *testing.T) {
	for _, kernels := range []string{"fast", "ref"} {
		t.Run(kernels, func(t *testing.T) {
			t.Setenv("PDSAFE_KERNELS", kernels)
			m := load(t, "detector")
			p := newPredictor(t, m)
			wantRows := map[int]int64{1: 0, 2: 20}
			for _, k := range []int{0, 1, 2, 1, 3} {
				res, err := p.Run(context.Background(), caseInputs(t, m, "detector", k)...)
				if err != nil {
					t.Fatalf("case %d: %v", k, err)
				}
				checkCase(t, "detector", k, res)
				if want, ok := wantRows[k]; ok {
					if d := res.Tensor(0).Dims(); len(d) != 2 || d[0] != want || d[1] != 6 {
						t.Errorf("case %d: Out is %v, want [%d 6]", k, d, want)
					}
				}
				// RunInto with room for the bound and more: the shape
				// and len(Data) are the rows kept, not the room.
				outs := make([]pdsafe.AnyTensor, len(m.Outputs()))
				for i, o := range m.Outputs() {
					if o.DType == pdsafe.Int32 {
						outs[i] = pdsafe.NewBuffer[int32](4096)
					} else {
						outs[i] = pdsafe.NewBuffer[float32](4096)
					}
				}
				if err := p.RunInto(context.Background(), caseInputs(t, m, "detector", k), outs); err != nil {
					t.Fatalf("case %d RunInto: %v", k, err)
				}
				atol, rtol := tolerance("detector")
				for j, o := range outs {
					compare(t, fmt.Sprintf("case %d RunInto output %d", k, j), o,
						readNPY(t, "detector", fmt.Sprintf("case%d.out%d.npy", k, j)), atol, rtol)
				}
				out0 := outs[0].(*pdsafe.Tensor[float32])
				if int64(len(out0.Data)) != out0.Shape[0]*6 {
					t.Errorf("case %d RunInto: Out has %d values for shape %v", k, len(out0.Data), out0.Shape)
				}
			}
		})
	}
}
