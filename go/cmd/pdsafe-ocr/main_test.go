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
	if err := run([]string{"-models", d, "-workers", "2", sample}, &out, &errb); err != nil {
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
	if err := run([]string{"-models", d, "-version", "v4", "-json", "-annotate", ann, sample}, &out, &errb); err != nil {
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
	err := run([]string{"-models", t.TempDir(), sample}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "fetch them with: bash scripts/fetch-ocr-models.sh") {
		t.Fatalf("without models: %v", err)
	}
	d := models(t)
	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	out.Reset()
	errb.Reset()
	err = run([]string{"-models", d, bad, sample}, &out, &errb)
	if err == nil || err.Error() != "1 of 2 images could not be read" ||
		!strings.Contains(errb.String(), "notes.txt: ocr: could not decode the image: not a PNG or JPEG file") ||
		!strings.Contains(out.String(), "pdsafe reads text from images") {
		t.Fatalf("a bad and a good image: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if err := run([]string{"-models", d}, &out, &errb); err == nil || err.Error() != "no image given" {
		t.Fatalf("no image: %v", err)
	}
	if err := run([]string{"-models", d, "-version", "v3", sample}, &out, &errb); err == nil || !strings.Contains(err.Error(), "expected v4 or v5") {
		t.Fatalf("-version v3: %v", err)
	}
}
