package pdsafe

import "testing"

// Test hooks of cmem.go, for the tests in package pdsafe_test.

// CMemoryCollections returns how many collections checkCMemory has started.
func CMemoryCollections() uint64 { return cmem.started.Load() }

// CMemoryChecks returns how many times C memory was checked.
func CMemoryChecks() uint64 { return cmem.checks.Load() }

// M15: the memo of input shapes that spares steady runs a C memory check
// remembers eight signatures (rank and dims of every input), forgets the
// oldest first, and tells signatures apart by rank as well as by dims.
func TestM15_ShapeMemo(t *testing.T) {
	r := &predRes{}
	infos := []TensorInfo{{Name: "a", DType: Float32}, {Name: "b", DType: Float32}}
	s := r.acquire(len(infos), 0)
	seen := func(a, b []int64) bool {
		t.Helper()
		in := []AnyTensor{
			&Tensor[float32]{Shape: a, Data: make([]float32, numel(a))},
			&Tensor[float32]{Shape: b, Data: make([]float32, numel(b))},
		}
		if err := s.bindInputs("test", infos, in); err != nil {
			t.Fatal(err)
		}
		s.unbind()
		return r.shapes.seen(s.in)
	}
	if seen([]int64{1, 3}, []int64{2}) {
		t.Fatal("the first signature was reported as seen")
	}
	if !seen([]int64{1, 3}, []int64{2}) {
		t.Fatal("a repeated signature was reported as new")
	}
	for _, c := range []struct{ a, b []int64 }{
		{[]int64{1, 3}, []int64{3}},    // another dim
		{[]int64{3, 1}, []int64{2}},    // dims swapped
		{[]int64{1, 3, 1}, []int64{2}}, // another rank
		{[]int64{1}, []int64{3, 2}},    // the same numbers split differently
	} {
		if seen(c.a, c.b) {
			t.Errorf("%v %v was reported as seen", c.a, c.b)
		}
	}
	// Five signatures are remembered now; as many more as the memo holds,
	// less four, push the first out.
	keep := int64(len(r.shapes.sigs))
	last := 10 + keep - 5
	for i := int64(10); i <= last; i++ {
		if seen([]int64{i}, []int64{i}) {
			t.Errorf("[%d] [%d] was reported as seen", i, i)
		}
	}
	if seen([]int64{1, 3}, []int64{2}) {
		t.Errorf("the oldest of %d signatures is still remembered (%d are kept)", keep+1, keep)
	}
	if !seen([]int64{last}, []int64{last}) {
		t.Error("the newest signature was forgotten")
	}
}
