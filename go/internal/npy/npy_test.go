package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixtures = "../../../tests/fixtures"

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		shape []int64
		data  any
	}{
		{[]int64{2, 3}, []float32{1, -2.5, 3, float32(math.Inf(1)), 0, 1e-30}},
		{[]int64{3}, []float64{1, 2, math.Pi}},
		{[]int64{2, 1}, []int64{-1 << 62, 7}},
		{[]int64{1, 2, 2}, []int32{-5, 0, 5, math.MaxInt32}},
		{[]int64{4}, []uint8{0, 1, 254, 255}},
		{[]int64{2}, []bool{true, false}},
		{[]int64{}, []float32{42}},   // 0-D
		{[]int64{0, 5}, []float32{}}, // empty
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := Write(&buf, c.shape, c.data); err != nil {
			t.Fatalf("Write(%v, %T): %v", c.shape, c.data, err)
		}
		if reflect.ValueOf(c.data).Len() == 0 && buf.Len()%64 != 0 {
			t.Errorf("header of an empty %T is %d bytes, want a multiple of 64", c.data, buf.Len())
		}
		a, err := Read(&buf)
		if err != nil {
			t.Fatalf("Read back %v %T: %v", c.shape, c.data, err)
		}
		if !reflect.DeepEqual(a.Shape, c.shape) || !reflect.DeepEqual(a.Data, c.data) {
			t.Errorf("round trip of %v %T: got shape %v data %v", c.shape, c.data, a.Shape, a.Data)
		}
	}
}

func TestWriteRejectsMismatch(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []int64{2, 2}, []float32{1, 2, 3}); err == nil ||
		!strings.Contains(err.Error(), "needs 4 elements, data has 3") {
		t.Errorf("Write with a short slice: err = %v, want 'needs 4 elements, data has 3'", err)
	}
	if err := Write(&buf, []int64{1}, []string{"x"}); err == nil {
		t.Error("Write([]string) succeeded")
	}
}

// The committed fixtures were written by NumPy itself.
func TestReadFixtures(t *testing.T) {
	a, err := ReadFile(filepath.Join(fixtures, "pplcnet", "case0.in0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 3, 64, 64}; !reflect.DeepEqual(a.Shape, want) || a.Descr != "<f4" {
		t.Fatalf("pplcnet input: shape %v descr %s, want %v <f4", a.Shape, a.Descr, want)
	}
	if n := len(a.Data.([]float32)); n != 3*64*64 {
		t.Fatalf("pplcnet input has %d elements", n)
	}
	ids, err := ReadFile(filepath.Join(fixtures, "op_cast_reduce", "case1.in1.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if ids.Descr != "<i8" || !reflect.DeepEqual(ids.Shape, []int64{2, 5}) {
		t.Fatalf("op_cast_reduce ids: %s %v, want <i8 [2 5]", ids.Descr, ids.Shape)
	}
	out, err := ReadFile(filepath.Join(fixtures, "pplcnet", "case0.out0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	sum := float32(0)
	for _, p := range out.Data.([]float32) {
		sum += p
	}
	if math.Abs(float64(sum)-1) > 1e-4 {
		t.Errorf("pplcnet softmax output sums to %v, want 1", sum)
	}
}

func header(version byte, h string) []byte {
	b := append([]byte{}, magic...)
	b = append(b, version, 0)
	if version == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	return append(b, h...)
}

func TestReadVersions(t *testing.T) {
	for _, v := range []byte{2, 3} {
		b := header(v, "{'descr': '>i4', 'fortran_order': False, 'shape': (2L,), }\n")
		b = append(b, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe)
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		if !reflect.DeepEqual(a.Data, []int32{1, -2}) {
			t.Errorf("version %d big-endian: got %v, want [1 -2]", v, a.Data)
		}
	}
}

// Hostile or broken files give errors saying what is wrong, never a panic or
// a huge allocation.
func TestReadMalformed(t *testing.T) {
	good := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "preamble"},
		{"magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), "bad magic"},
		{"version", header(9, good), "format version 9.0"},
		{"short header", header(1, good)[:20], "header"},
		{"truncated data", append(header(1, good), 1, 2, 3), "truncated"},
		{"fortran", header(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }"), "fortran_order"},
		{"descr", header(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), "unsupported descr"},
		{"negative", header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }"), "negative dim"},
		{"huge", header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }"), "over"},
		{"claims a lot, holds little", header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000,), }"), "truncated"},
		{"no shape", header(1, "{'descr': '<f4', 'fortran_order': False}"), "no \"shape\""},
		{"garbage", header(1, "{'descr' '<f4'"), "bad header"},
		{"unknown key", header(1, "{'descr': '<f4', 'x': 1}"), "unknown key"},
		{"bad tuple", header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1 2), }"), "shape"},
		{"big v2 header", append(append([]byte{}, magic...), 2, 0, 0xff, 0xff, 0xff, 0x7f), "over 1 MiB"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	_ = Write(&buf, []int64{2, 2}, []float32{1, 2, 3, 4})
	f.Add(buf.Bytes())
	f.Add(header(2, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := int64(1)
		for _, d := range a.Shape {
			n *= d
		}
		if int64(reflect.ValueOf(a.Data).Len()) != n {
			t.Fatalf("shape %v but %d elements", a.Shape, reflect.ValueOf(a.Data).Len())
		}
	})
}
