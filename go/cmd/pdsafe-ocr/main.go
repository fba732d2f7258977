// Command pdsafe-ocr reads the text of images with the PP-OCR models on
// pdsafe.
//
//	pdsafe-ocr [flags] IMAGE...
//
// It prints, per image, one line per text line found: its score, its box
// (four corners, clockwise from the top-left) and its text; or, with -json,
// one JSON document for all images. -annotate writes a PNG of the (single)
// image with the boxes drawn. The models come from
// scripts/fetch-ocr-models.sh (-models names their directory, default
// models/ocr of the repository or $PDSAFE_OCR_MODELS).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/ocr"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pdsafe-ocr:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// defaultModels is $PDSAFE_OCR_MODELS, else models/ocr in the repository
// that holds the working directory or the executable (build/pdsafe-ocr),
// found by walking up to the directory with scripts/fetch-ocr-models.sh,
// else models/ocr.
func defaultModels() string {
	if d := os.Getenv("PDSAFE_OCR_MODELS"); d != "" {
		return d
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			if _, e := os.Stat(filepath.Join(dir, "scripts", "fetch-ocr-models.sh")); e == nil {
				return filepath.Join(dir, "models", "ocr")
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return filepath.Join("models", "ocr")
}

type jsonLine struct {
	Text     string    `json:"text"`
	Score    float64   `json:"score"`
	Box      [4][2]int `json:"box"`
	DetScore float64   `json:"det_score"`
	Rotated  bool      `json:"rotated,omitempty"`
}

type jsonImage struct {
	Image string     `json:"image"`
	Lines []jsonLine `json:"lines"`
	Error string     `json:"error,omitempty"`
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pdsafe-ocr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	models := fs.String("models", defaultModels(), "directory of the models (scripts/fetch-ocr-models.sh)")
	version := fs.String("version", "v5", "model set: v5 (PP-OCRv5 mobile, PIR) or v4 (PP-OCRv4, legacy)")
	asJSON := fs.Bool("json", false, "print JSON")
	annotate := fs.String("annotate", "", "write a PNG of the image with the boxes drawn (one image only)")
	noCls := fs.Bool("no-cls", false, "do not run the angle classifier")
	workers := fs.Int("workers", runtime.NumCPU(), "predictors per model")
	threads := fs.Int("threads", 1, "intra-op threads per run")
	maxSide := fs.Int("max-side", 960, "longer side of the detection input at most")
	precision := fs.String("precision", "fp32", "fp32, or bf16 (convolutions and matmuls in bfloat16; needs a CPU with AVX512_BF16 or AMX)")
	bench := fs.Int("bench", 0, "time N rounds over the images instead of printing text (JSON times)")
	callers := fs.Int("callers", 1, "with -bench or -bench-serve: goroutines calling the one engine at once")
	benchServe := fs.Bool("bench-serve", false, "after a warm-up round over the images, time the images named on each line of stdin (one JSON line each)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pdsafe-ocr [flags] IMAGE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"no image given"}
	}
	if *annotate != "" && fs.NArg() != 1 {
		return usageError{fmt.Sprintf("-annotate takes one image, %d were given", fs.NArg())}
	}
	var m ocr.Models
	switch *version {
	case "v5":
		m = ocr.V5Models(*models)
	case "v4":
		m = ocr.V4Models(*models)
	default:
		return usageError{fmt.Sprintf("-version is %q, expected v4 or v5", *version)}
	}
	var prec pdsafe.Precision
	switch *precision {
	case "fp32":
		prec = pdsafe.FP32
	case "bf16":
		prec = pdsafe.BF16
	default:
		return usageError{fmt.Sprintf("-precision is %q, expected fp32 or bf16", *precision)}
	}
	eng, err := ocr.New(m, ocr.Options{Workers: *workers, Threads: *threads, MaxSide: *maxSide,
		NoCls: *noCls, Precision: prec})
	if err != nil {
		return err
	}
	defer eng.Close()
	ctx := context.Background()
	if *callers < 1 {
		return usageError{fmt.Sprintf("-callers is %d, expected at least 1", *callers)}
	}
	if *benchServe {
		return serveBench(ctx, eng, fs.Args(), *callers, stdin, stdout)
	}
	if *bench > 0 {
		return runBench(ctx, eng, fs.Args(), *bench, *callers, stdout)
	}
	var docs []jsonImage
	failed := 0
	for _, path := range fs.Args() {
		img, err := ocr.ReadImageFile(path, ocr.Limits{})
		var lines []ocr.Line
		if err == nil {
			lines, err = eng.Recognize(ctx, img)
		}
		doc := jsonImage{Image: path, Lines: []jsonLine{}}
		if err != nil {
			failed++
			doc.Error = err.Error()
			if !*asJSON {
				fmt.Fprintf(stderr, "pdsafe-ocr: %v\n", err)
			}
			docs = append(docs, doc)
			continue
		}
		if !*asJSON {
			if fs.NArg() > 1 {
				fmt.Fprintf(stdout, "== %s\n", path)
			}
			for _, l := range lines {
				fmt.Fprintf(stdout, "%.3f  [%d,%d %d,%d %d,%d %d,%d]  %s\n", l.Score,
					l.Box[0].X, l.Box[0].Y, l.Box[1].X, l.Box[1].Y, l.Box[2].X, l.Box[2].Y, l.Box[3].X, l.Box[3].Y, l.Text)
			}
		}
		for _, l := range lines {
			var b [4][2]int
			for k, p := range l.Box {
				b[k] = [2]int{p.X, p.Y}
			}
			doc.Lines = append(doc.Lines, jsonLine{Text: l.Text, Score: l.Score, Box: b, DetScore: l.DetScore, Rotated: l.Rotated})
		}
		docs = append(docs, doc)
		if *annotate != "" {
			if err := writeAnnotated(*annotate, img, lines); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(docs); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, fs.NArg())
	}
	return nil
}

// runBench recognises every image rounds times (after one warm-up round),
// from callers goroutines at once, each call timed from the file to the
// text, and prints the times as JSON.
func runBench(ctx context.Context, eng *ocr.Engine, paths []string, rounds, callers int, stdout io.Writer) error {
	if err := warmUp(ctx, eng, paths); err != nil {
		return err
	}
	var work []string
	for r := 0; r < rounds; r++ {
		work = append(work, paths...)
	}
	res, err := timePass(ctx, eng, work, callers)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// serveBench is the timing side of bench/ocr.sh's interleaved comparison:
// after a warm-up round over the images it prints {"ready": true}, then for
// each line of stdin (image paths separated by spaces) recognises those
// images from callers goroutines and prints one JSON line of times, as
// runBench does; it returns at the end of stdin. The driver alternates its
// requests with the other side's, so both run under the same load.
func serveBench(ctx context.Context, eng *ocr.Engine, paths []string, callers int, stdin io.Reader, stdout io.Writer) error {
	if err := warmUp(ctx, eng, paths); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(map[string]bool{"ready": true}); err != nil {
		return err
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		work := strings.Fields(sc.Text())
		if len(work) == 0 {
			continue
		}
		res, err := timePass(ctx, eng, work, callers)
		if err != nil {
			return err
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return sc.Err()
}

func warmUp(ctx context.Context, eng *ocr.Engine, paths []string) error {
	for _, p := range paths {
		if _, err := eng.RecognizeFile(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// timePass recognises work from callers goroutines, each taking every
// callers-th image, and returns each image's time from the file to the text
// (seconds), the wall time, and the share of the engine's time spent in the
// models' runs during the pass.
func timePass(ctx context.Context, eng *ocr.Engine, work []string, callers int) (map[string]any, error) {
	times := make([]float64, len(work))
	errs := make([]error, callers)
	var wg sync.WaitGroup
	st0 := eng.Stats()
	t0 := time.Now()
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < len(work); i += callers {
				s := time.Now()
				if _, err := eng.RecognizeFile(ctx, work[i]); err != nil {
					errs[c] = err
					return
				}
				times[i] = time.Since(s).Seconds()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0).Seconds()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	st := eng.Stats()
	share := 0.0
	if d := st.Total - st0.Total; d > 0 {
		share = float64(st.Inference-st0.Inference) / float64(d)
	}
	return map[string]any{"times": times, "wall": wall, "images": len(work), "inference_share": share}, nil
}

// writeAnnotated draws each line's box in red on a copy of img.
func writeAnnotated(path string, img image.Image, lines []ocr.Line) error {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	red := color.RGBA{230, 20, 20, 255}
	for _, l := range lines {
		for k := 0; k < 4; k++ {
			p, q := l.Box[k], l.Box[(k+1)%4]
			line(out, p, q, red)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// line draws a 2-pixel-wide segment (DDA).
func line(img *image.RGBA, p, q image.Point, c color.RGBA) {
	dx, dy := q.X-p.X, q.Y-p.Y
	n := max(abs(dx), abs(dy), 1)
	for i := 0; i <= n; i++ {
		x := p.X + dx*i/n
		y := p.Y + dy*i/n
		for _, o := range []image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			if (image.Point{x + o.X, y + o.Y}).In(img.Rect) {
				img.SetRGBA(x+o.X, y+o.Y, c)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
