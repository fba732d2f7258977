package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pdsafe/pdsafe/go/internal/npy"
)

func fixture(name string) string {
	d := os.Getenv("PDSAFE_FIXTURES")
	if d == "" {
		d = filepath.Join("..", "..", "..", "tests", "fixtures")
	}
	return filepath.Join(d, name)
}

var line = regexp.MustCompile(`(?m)^  (\d+)\. class (\d+)  ([0-9.]+)$`)

// The top classes printed for pplcnet's fixture input are Paddle's.
func TestClassifyNPY(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"-model", fixture("pplcnet/inference.pdmodel"), "-input",
		fixture("pplcnet/case1.in0.npy"), "-k", "3"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := npy.ReadFile(fixture("pplcnet/case1.out0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want := ref.Data.([]float32)
	m := line.FindAllStringSubmatch(out.String(), -1)
	if len(m) != 6 || strings.Count(out.String(), "batch ") != 2 {
		t.Fatalf("output:\n%s\nwant 2 batches of 3 lines", out.String())
	}
	for b := 0; b < 2; b++ {
		row := want[b*10 : (b+1)*10]
		top := topK(row, 3)
		for r := 0; r < 3; r++ {
			got := m[b*3+r]
			c, _ := strconv.Atoi(got[2])
			p, _ := strconv.ParseFloat(got[3], 64)
			if c != top[r] || p-float64(row[c]) > 1e-4+1e-3*float64(row[c]) || float64(row[c])-p > 1e-4+1e-3*float64(row[c]) {
				t.Errorf("batch %d rank %d: class %d %.6f, Paddle's is class %d %.6f", b, r+1, c, p, top[r], row[top[r]])
			}
		}
	}
}

// An image goes through decoding, resizing and normalisation.
func TestClassifyImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 90, 70))
	for y := 0; y < 70; y++ {
		for x := 0; x < 90; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), uint8(x + y), 255})
		}
	}
	path := filepath.Join(t.TempDir(), "x.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-model", fixture("mobilenetv3/inference.pdmodel"), "-input", path}, &out); err != nil {
		t.Fatal(err)
	}
	m := line.FindAllStringSubmatch(out.String(), -1)
	if len(m) != 5 || !strings.Contains(out.String(), "softmax(logit)") {
		t.Fatalf("output:\n%s\nwant 5 classes from softmax(logits)", out.String())
	}
	prev := 2.0
	for _, l := range m {
		p, _ := strconv.ParseFloat(l[3], 64)
		if p > prev || p < 0 {
			t.Errorf("scores not in decreasing order:\n%s", out.String())
		}
		prev = p
	}
	// A 1x1 image resizes too.
	x, err := imageTensor(image.NewGray(image.Rect(0, 0, 1, 1)), 4, 4)
	if err != nil || len(x.Data) != 48 {
		t.Errorf("1x1 image: %v %v", x, err)
	}
}

func TestClassifyErrors(t *testing.T) {
	var out bytes.Buffer
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "-model and -input are required"},
		{[]string{"-model", "/nonexistent.pdmodel", "-input", "x.npy"}, "PDS_ERR_IO"},
		{[]string{"-model", fixture("pplcnet/inference.pdmodel"), "-input", fixture("op_cast_reduce/case0.in1.npy")}, "not a float array"},
		{[]string{"-model", fixture("pplcnet/inference.pdmodel"), "-input", fixture("op_dropout/case0.in0.npy")}, "PDS_ERR_SHAPE"},
		{[]string{"-model", fixture("pplcnet/inference.pdmodel"), "-input", fixture("README.md")}, "image: unknown format"},
	} {
		err := run(c.args, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run %v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
