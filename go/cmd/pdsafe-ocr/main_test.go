package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func models(t *testing.T) string {
	d := os.Getenv("PDSAFE_OCR_MODELS")
	if d == "" {
		d = filepath.Join("..", "..", "..", "models", "ocr")
	}
	if _, err := os.Stat(filepath.Join(d, "ppocrv5_mobile_det")); err != nil {
		if os.Getenv("PDSAFE_REQUIRE_OCR_MODELS") == "1" {
			t.Fatalf("the OCR models are not in %s", d)
		}
		t.Skipf("the OCR models are not in %s (bash scripts/fetch-ocr-models.sh)", d)
	}
	return d
}

var sample = filepath.Join("..", "..", "ocr", "testdata", "images", "sample.png")

var lineRE = regexp.MustCompile(`^(0\.\d{3}|1\.000)  \[(\d+,\d+ ){3}\d+,\d+\]  (.+)$`)

// The text of the bundled sample, one line each with its score and box.
func TestPrintsText(t *testing.T) {
	d := models(t)
	var out, errb bytes.Buffer
	if err := run([]string{"-models", d, "-workers", "2", sample}, nil, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	want := []string{"pdsafe reads text from images", "PP-OCR detection and recognition", "飞桨文字识别2026"}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s\nwant %d lines", out.String(), len(want))
	}
	for i, l := range lines {
		m := lineRE.FindStringSubmatch(l)
		if m == nil || m[3] != want[i] {
			t.Errorf("line %d: %q, want score, box and %q", i, l, want[i])
		}
	}
}

// -json gives the same lines, with boxes as numbers; -annotate draws them.
func TestJSONAndAnnotate(t *testing.T) {
	d := models(t)
	ann := filepath.Join(t.TempDir(), "out.png")
	var out, errb bytes.Buffer
	if err := run([]string{"-models", d, "-version", "v4", "-json", "-annotate", ann, sample}, nil, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var docs []jsonImage
	if err := json.Unmarshal(out.Bytes(), &docs); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(docs) != 1 || len(docs[0].Lines) != 3 || docs[0].Lines[2].Text != "飞桨文字识别2026" {
		t.Fatalf("json: %s", out.String())
	}
	b := docs[0].Lines[0].Box
	if b[0][0] >= b[1][0] || b[0][1] >= b[3][1] || docs[0].Lines[0].Score < 0.9 {
		t.Errorf("first line's box %v score %v: want top-left, top-right, bottom-right, bottom-left and a high score", b, docs[0].Lines[0].Score)
	}
	f, err := os.Open(ann)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := img.At(b[0][0], b[0][1]).RGBA()
	if r>>8 != 230 || g>>8 != 20 || bl>>8 != 20 {
		t.Errorf("annotated image at the first box's corner: %d %d %d, want the box's red", r>>8, g>>8, bl>>8)
	}
}

// Missing models: the error names the fetch script. Bad images: each is
// reported, the others still read, and the exit is an error.
func TestErrors(t *testing.T) {
	var out, errb bytes.Buffer
	err := run([]string{"-models", t.TempDir(), sample}, nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "fetch them with: bash scripts/fetch-ocr-models.sh") {
		t.Fatalf("without models: %v", err)
	}
	d := models(t)
	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	out.Reset()
	errb.Reset()
	err = run([]string{"-models", d, bad, sample}, nil, &out, &errb)
	if err == nil || err.Error() != "1 of 2 images could not be read" ||
		!strings.Contains(errb.String(), "notes.txt: ocr: could not decode the image: not a PNG or JPEG file") ||
		!strings.Contains(out.String(), "pdsafe reads text from images") {
		t.Fatalf("a bad and a good image: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if err := run([]string{"-models", d}, nil, &out, &errb); err == nil || err.Error() != "no image given" {
		t.Fatalf("no image: %v", err)
	}
	if err := run([]string{"-models", d, "-version", "v3", sample}, nil, &out, &errb); err == nil || !strings.Contains(err.Error(), "expected v4 or v5") {
		t.Fatalf("-version v3: %v", err)
	}
	if err := run([]string{"-models", d, "-precision", "fp16", sample}, nil, &out, &errb); err == nil ||
		err.Error() != `-precision is "fp16", expected fp32 or bf16` {
		t.Fatalf("-precision fp16: %v", err)
	}
}

// -bench-serve (bench/ocr.sh's interleaved timing): ready after the warm-up,
// then one JSON line of times per request line, blank lines skipped; a
// request naming a missing image ends it with that image's error.
func TestBenchServe(t *testing.T) {
	d := models(t)
	in := strings.NewReader(sample + " " + sample + "\n\n" + sample + "\n")
	var out, errb bytes.Buffer
	if err := run([]string{"-models", d, "-workers", "2", "-callers", "2", "-bench-serve", sample}, in, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != `{"ready":true}` {
		t.Fatalf("output:\n%s\nwant the ready line and two results", out.String())
	}
	for i, want := range []int{2, 1} {
		var r struct {
			Times          []float64 `json:"times"`
			Wall           float64   `json:"wall"`
			Images         int       `json:"images"`
			InferenceShare float64   `json:"inference_share"`
		}
		if err := json.Unmarshal([]byte(lines[i+1]), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, lines[i+1])
		}
		if r.Images != want || len(r.Times) != want || r.Wall <= 0 || r.InferenceShare <= 0 || r.InferenceShare > 1 {
			t.Errorf("line %d: %+v, want %d images, their times, a wall time and a share of inference in (0, 1]", i+1, r, want)
		}
		for _, x := range r.Times {
			if x <= 0 || x > r.Wall {
				t.Errorf("line %d: a time of %v s with a wall time of %v s", i+1, x, r.Wall)
			}
		}
	}
	missing := filepath.Join(t.TempDir(), "none.png")
	out.Reset()
	err := run([]string{"-models", d, "-workers", "1", "-bench-serve", sample}, strings.NewReader(missing+"\n"), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "none.png") || strings.TrimSpace(out.String()) != `{"ready":true}` {
		t.Errorf("missing image: err %v, output %q; want an error naming it after the ready line", err, out.String())
	}
	if err := run([]string{"-models", d, "-callers", "0", "-bench", "1", sample}, nil, &out, &errb); err == nil || err.Error() != "-callers is 0, expected at least 1" {
		t.Errorf("-callers 0: %v", err)
	}
}
