package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// Models names the files of a PP-OCR pipeline. ClsModel may be empty (no
// angle classifier).
type Models struct {
	DetModel, DetParams string
	RecModel, RecParams string
	ClsModel, ClsParams string
	Dict                string // LoadDictionary's input
}

// FetchScript is the script that fetches the models into DefaultModelDir.
const FetchScript = "scripts/fetch-ocr-models.sh"

// The directory names scripts/fetch-ocr-models.sh writes.
const (
	dirV4Det = "ppocrv4_det"
	dirV4Rec = "ppocrv4_rec"
	dirCls   = "ppocr_cls_v2"
	dirV5Det = "ppocrv5_mobile_det"
	dirV5Rec = "ppocrv5_mobile_rec"
)

// V4Models is PP-OCRv4 (Chinese and Latin, legacy .pdmodel) detection and
// recognition with the v2 angle classifier, in dir as the fetch script
// lays them out.
func V4Models(dir string) Models {
	j := func(a, b string) string { return filepath.Join(dir, a, b) }
	return Models{
		DetModel: j(dirV4Det, "inference.pdmodel"), DetParams: j(dirV4Det, "inference.pdiparams"),
		RecModel: j(dirV4Rec, "inference.pdmodel"), RecParams: j(dirV4Rec, "inference.pdiparams"),
		ClsModel: j(dirCls, "inference.pdmodel"), ClsParams: j(dirCls, "inference.pdiparams"),
		Dict: j(dirV4Rec, "ppocr_keys_v1.txt"),
	}
}

// V5Models is PP-OCRv5 mobile (PIR inference.json) detection and recognition
// with the v2 angle classifier, in dir as the fetch script lays them out.
func V5Models(dir string) Models {
	j := func(a, b string) string { return filepath.Join(dir, a, b) }
	return Models{
		DetModel: j(dirV5Det, "inference.json"), DetParams: j(dirV5Det, "inference.pdiparams"),
		RecModel: j(dirV5Rec, "inference.json"), RecParams: j(dirV5Rec, "inference.pdiparams"),
		ClsModel: j(dirCls, "inference.pdmodel"), ClsParams: j(dirCls, "inference.pdiparams"),
		Dict: j(dirV5Rec, "inference.yml"),
	}
}

// Options tunes an Engine; the zero value means PaddleOCR's defaults.
type Options struct {
	Workers     int     // predictors per model (runs at once); 0: runtime.NumCPU()
	Threads     int     // intra-op threads per run; 0: 1
	MaxSide     int     // detection input's longer side at most; 0: 960
	Thresh      float64 // probability over which a pixel is text; 0: 0.3
	BoxThresh   float64 // a box's mean probability at least; 0: 0.6
	UnclipRatio float64 // 0: 1.5
	Dilate      bool    // dilate the text mask by 2×2 before finding regions
	DropScore   float64 // lines recognised with a lower score are dropped; 0: 0.5
	ClsThresh   float64 // a crop is turned when the classifier says 180° above this; 0: 0.9
	NoCls       bool    // do not run the angle classifier even if Models has one
	RecBatch    int     // crops per recognition run (sorted by aspect ratio); 0: 6
	// Precision of the three models' convolutions and matrix products
	// (pdsafe.WithPrecision); 0: pdsafe.FP32.
	Precision pdsafe.Precision
	Limits    Limits // of RecognizeFile and RecognizeBytes
}

func (o Options) norm() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Threads <= 0 {
		o.Threads = 1
	}
	if o.MaxSide <= 0 {
		o.MaxSide = 960
	}
	if o.Thresh <= 0 {
		o.Thresh = 0.3
	}
	if o.BoxThresh <= 0 {
		o.BoxThresh = 0.6
	}
	if o.UnclipRatio <= 0 {
		o.UnclipRatio = 1.5
	}
	if o.DropScore <= 0 {
		o.DropScore = 0.5
	}
	if o.ClsThresh <= 0 {
		o.ClsThresh = 0.9
	}
	if o.RecBatch <= 0 {
		o.RecBatch = 6
	}
	return o
}

// Line is one recognised text line.
type Line struct {
	Text  string
	Score float64 // mean probability of the recognised characters
	// Box is the line's quadrilateral in image pixels: top-left, top-right,
	// bottom-right, bottom-left.
	Box [4]image.Point
	// DetScore is the detector's mean text probability inside the box.
	DetScore float64
	// Rotated is true when the angle classifier turned the crop half a turn.
	Rotated bool
}

// ErrModelsMissing matches New's error when a model file does not exist.
var ErrModelsMissing = errors.New("ocr: models missing")

type missingError struct{ path string }

func (e *missingError) Error() string {
	return fmt.Sprintf("ocr: could not load the models: %s does not exist (fetch them with: bash %s)", e.path, FetchScript)
}
func (e *missingError) Is(t error) bool { return t == ErrModelsMissing }

// Engine runs the pipeline. It is safe for concurrent use by many
// goroutines: each model has a Pool of Options.Workers predictors, and the
// crops of one image are recognised in parallel on it. Close waits for the
// calls in progress.
type Engine struct {
	opt           Options
	dict          *Dictionary
	det, rec, cls *pdsafe.Pool
	models        []*pdsafe.Model
	mu            sync.RWMutex
	closed        bool
	mean, std     [3]float32
	recClasses    int
	// Totals for Stats, in nanoseconds.
	nCalls, nTotal, nInfer atomic.Int64
}

// Stats are an Engine's totals since New: calls to Recognize that returned
// lines or no lines (not errors), their time end to end (decoding excluded),
// and the part of it spent in the models' runs (summed over the parallel
// runs of one call, so it can exceed the call's time).
type Stats struct {
	Calls     int64
	Total     time.Duration
	Inference time.Duration
}

// Stats returns the totals so far; it is safe for concurrent use.
func (e *Engine) Stats() Stats {
	return Stats{Calls: e.nCalls.Load(), Total: time.Duration(e.nTotal.Load()), Inference: time.Duration(e.nInfer.Load())}
}

// run runs a pool and counts its time as inference.
func (e *Engine) run(ctx context.Context, p *pdsafe.Pool, x pdsafe.AnyTensor) (*pdsafe.Result, error) {
	t := time.Now()
	res, err := p.Run(ctx, x)
	e.nInfer.Add(int64(time.Since(t)))
	return res, err
}

// New loads the models and makes their pools.
func New(m Models, opt Options) (*Engine, error) {
	opt = opt.norm()
	files := []string{m.DetModel, m.DetParams, m.RecModel, m.RecParams, m.Dict}
	if m.ClsModel != "" && !opt.NoCls {
		files = append(files, m.ClsModel, m.ClsParams)
	}
	for _, f := range files {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			return nil, &missingError{f}
		}
	}
	dict, err := LoadDictionary(m.Dict)
	if err != nil {
		return nil, err
	}
	e := &Engine{opt: opt, dict: dict,
		mean: [3]float32{0.485, 0.456, 0.406}, std: [3]float32{0.229, 0.224, 0.225}}
	load := func(model, params string) (*pdsafe.Pool, error) {
		md, err := pdsafe.LoadModel(model, params, pdsafe.WithPrecision(opt.Precision))
		if err != nil {
			return nil, err
		}
		e.models = append(e.models, md)
		return md.NewPool(opt.Workers, pdsafe.WithThreads(opt.Threads))
	}
	if e.det, err = load(m.DetModel, m.DetParams); err != nil {
		e.Close()
		return nil, err
	}
	if e.rec, err = load(m.RecModel, m.RecParams); err != nil {
		e.Close()
		return nil, err
	}
	outs := e.rec.Model().Outputs()
	if len(outs) != 1 || len(outs[0].Shape) != 3 {
		e.Close()
		return nil, fmt.Errorf("ocr: %s is not a CTC recognition model: its outputs are %v, expected one [N, T, classes]", m.RecModel, outs)
	}
	e.recClasses = int(outs[0].Shape[2])
	if e.recClasses > 0 && e.recClasses != len(dict.Chars)+1 {
		e.Close()
		return nil, fmt.Errorf("ocr: the dictionary %s has %d characters (with the space), the model %s has %d classes: expected one more (the blank)",
			m.Dict, len(dict.Chars), m.RecModel, e.recClasses)
	}
	if m.ClsModel != "" && !opt.NoCls {
		if e.cls, err = load(m.ClsModel, m.ClsParams); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// Close closes the pools and models after the calls in progress return. It
// is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for _, p := range []*pdsafe.Pool{e.det, e.rec, e.cls} {
		if p != nil {
			p.Close()
		}
	}
	for _, m := range e.models {
		m.Close()
	}
	return nil
}

var errClosed = errors.New("ocr: the engine is closed")

// RecognizeFile reads an image file (PNG or JPEG, within Options.Limits) and
// recognises its text.
func (e *Engine) RecognizeFile(ctx context.Context, path string) ([]Line, error) {
	img, err := ReadImageFile(path, e.opt.Limits)
	if err != nil {
		return nil, err
	}
	return e.Recognize(ctx, img)
}

// RecognizeBytes decodes an image (PNG or JPEG, within Options.Limits) and
// recognises its text.
func (e *Engine) RecognizeBytes(ctx context.Context, data []byte) ([]Line, error) {
	img, err := DecodeImage(data, e.opt.Limits)
	if err != nil {
		return nil, err
	}
	return e.Recognize(ctx, img)
}

// Recognize finds the text lines of img and reads them, in reading order.
func (e *Engine) Recognize(ctx context.Context, img image.Image) (_ []Line, err error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, errClosed
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, imageErr("could not recognise the image: its size is %dx%d, expected at least 1x1", b.Dx(), b.Dy())
	}
	if px := int64(b.Dx()) * int64(b.Dy()); px > e.opt.Limits.norm().MaxPixels {
		return nil, imageErr("could not recognise the image: %dx%d is %d pixels, the limit is %d", b.Dx(), b.Dy(), px, e.opt.Limits.norm().MaxPixels)
	}
	start := time.Now()
	defer func() {
		if err == nil {
			e.nCalls.Add(1)
			e.nTotal.Add(int64(time.Since(start)))
		}
	}()
	src := toBGR(img)
	// A very flat or very wide image gets black bands above and below, as
	// PaddleOCR's pipeline adds, so that the detector sees text of a usual
	// proportion; boxes are moved back afterwards.
	work, top := src, 0
	if src.h <= 30 || float64(src.w)/float64(src.h) > 8 {
		newH := max(int(float64(src.w)/8), 30) * 2
		top = int(absf(float64(newH-src.h)) / 2)
		work = padTopBottom(src, top)
	}
	boxes, scores, err := e.detect(ctx, work)
	if err != nil {
		return nil, err
	}
	if len(boxes) == 0 {
		return nil, nil
	}
	crops := make([]*bgr, len(boxes))
	for i, bx := range boxes {
		c, ok := crop(work, bx)
		if !ok {
			c = newBGR(1, 1)
		}
		crops[i] = c
	}
	rotated := make([]bool, len(crops))
	if e.cls != nil {
		if err := e.classify(ctx, crops, rotated); err != nil {
			return nil, err
		}
	}
	texts, tscores, err := e.recognize(ctx, crops)
	if err != nil {
		return nil, err
	}
	var out []Line
	for i, bx := range boxes {
		if tscores[i] < e.opt.DropScore {
			continue
		}
		var q [4]image.Point
		for k, p := range bx {
			y := p.y - float64(top)
			q[k] = image.Pt(int(clampf(p.x, 0, float64(src.w)))+b.Min.X, int(clampf(y, 0, float64(src.h)))+b.Min.Y)
		}
		out = append(out, Line{Text: texts[i], Score: tscores[i], Box: q, DetScore: scores[i], Rotated: rotated[i]})
	}
	return out, nil
}

func absf(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// detect runs the detector and returns the boxes in reading order, in the
// coordinates of img.
func (e *Engine) detect(ctx context.Context, img *bgr) ([][4]pt, []float64, error) {
	rw, rh, ok := detSize(img.w, img.h, e.opt.MaxSide)
	if !ok {
		return nil, nil, nil
	}
	x, err := pdsafe.NewTensor([]int64{1, 3, int64(rh), int64(rw)}, detInput(img, rw, rh, e.mean, e.std))
	if err != nil {
		return nil, nil, err
	}
	res, err := e.run(ctx, e.det, x)
	if err != nil {
		return nil, nil, fmt.Errorf("ocr: detection: %w", err)
	}
	prob, err := pdsafe.OutputAt[float32](res, 0)
	if err != nil {
		return nil, nil, err
	}
	if len(prob.Shape) != 4 || prob.Shape[2] != int64(rh) || prob.Shape[3] != int64(rw) {
		return nil, nil, fmt.Errorf("ocr: detection: the map is %v, expected [1 1 %d %d]", prob.Shape, rh, rw)
	}
	raw, rawScores := dbBoxes(prob.Data[:rw*rh], rw, rh, img.w, img.h, dbParams{
		thresh: e.opt.Thresh, boxThresh: e.opt.BoxThresh, unclip: e.opt.UnclipRatio,
		dilate: e.opt.Dilate, maxCandidates: 1000})
	var boxes [][4]pt
	var scores []float64
	for i, bx := range raw {
		bx = orderClockwise(bx)
		for k := range bx {
			bx[k].x = math.Trunc(clampf(bx[k].x, 0, float64(img.w-1)))
			bx[k].y = math.Trunc(clampf(bx[k].y, 0, float64(img.h-1)))
		}
		if int(math.Hypot(bx[0].x-bx[1].x, bx[0].y-bx[1].y)) <= 3 || int(math.Hypot(bx[0].x-bx[3].x, bx[0].y-bx[3].y)) <= 3 {
			continue
		}
		boxes = append(boxes, bx)
		scores = append(scores, rawScores[i])
	}
	idx := make([]int, len(boxes))
	for i := range idx {
		idx[i] = i
	}
	sortReading(idx, boxes)
	sb := make([][4]pt, len(idx))
	ss := make([]float64, len(idx))
	for i, j := range idx {
		sb[i], ss[i] = boxes[j], scores[j]
	}
	return sb, ss, nil
}

// batches groups crop indices by aspect ratio (narrowest first), n at a time.
func batches(crops []*bgr, n int) [][]int {
	idx := make([]int, len(crops))
	for i := range idx {
		idx[i] = i
	}
	ratio := func(c *bgr) float64 { return float64(c.w) / float64(c.h) }
	sort.SliceStable(idx, func(a, b int) bool { return ratio(crops[idx[a]]) < ratio(crops[idx[b]]) })
	var out [][]int
	for i := 0; i < len(idx); i += n {
		out = append(out, idx[i:min(i+n, len(idx))])
	}
	return out
}

// parallel runs f on the batches, at most n at once (the pool's size: a
// batch's input is made only when a predictor could take it), and returns
// their errors joined.
func parallel(bs [][]int, n int, f func([]int) error) error {
	errs := make([]error, len(bs))
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(b)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

const lineH = 48

func (e *Engine) classify(ctx context.Context, crops []*bgr, rotated []bool) error {
	const w = 192
	return parallel(batches(crops, e.opt.RecBatch), e.opt.Workers, func(b []int) error {
		plane := 3 * lineH * w
		data := make([]float32, len(b)*plane)
		for k, i := range b {
			lineInput(data[k*plane:(k+1)*plane], crops[i], lineH, w)
		}
		x, err := pdsafe.NewTensor([]int64{int64(len(b)), 3, lineH, w}, data)
		if err != nil {
			return err
		}
		res, err := e.run(ctx, e.cls, x)
		if err != nil {
			return fmt.Errorf("ocr: angle classifier: %w", err)
		}
		p, err := pdsafe.OutputAt[float32](res, 0)
		if err != nil {
			return err
		}
		if len(p.Shape) != 2 || p.Shape[0] != int64(len(b)) || p.Shape[1] != 2 {
			return fmt.Errorf("ocr: angle classifier: the output is %v, expected [%d 2]", p.Shape, len(b))
		}
		for k, i := range b {
			if p.Data[2*k+1] > p.Data[2*k] && float64(p.Data[2*k+1]) > e.opt.ClsThresh {
				crops[i] = rot180(crops[i])
				rotated[i] = true
			}
		}
		return nil
	})
}

func (e *Engine) recognize(ctx context.Context, crops []*bgr) ([]string, []float64, error) {
	texts := make([]string, len(crops))
	scores := make([]float64, len(crops))
	err := parallel(batches(crops, e.opt.RecBatch), e.opt.Workers, func(b []int) error {
		maxRatio := 320.0 / lineH
		for _, i := range b {
			maxRatio = math.Max(maxRatio, float64(crops[i].w)/float64(crops[i].h))
		}
		w := int(lineH * maxRatio)
		plane := 3 * lineH * w
		data := make([]float32, len(b)*plane)
		for k, i := range b {
			lineInput(data[k*plane:(k+1)*plane], crops[i], lineH, w)
		}
		x, err := pdsafe.NewTensor([]int64{int64(len(b)), 3, lineH, int64(w)}, data)
		if err != nil {
			return err
		}
		res, err := e.run(ctx, e.rec, x)
		if err != nil {
			return fmt.Errorf("ocr: recognition: %w", err)
		}
		p, err := pdsafe.OutputAt[float32](res, 0)
		if err != nil {
			return err
		}
		if len(p.Shape) != 3 || p.Shape[0] != int64(len(b)) || p.Shape[2] != int64(len(e.dict.Chars)+1) {
			return fmt.Errorf("ocr: recognition: the output is %v, expected [%d T %d]", p.Shape, len(b), len(e.dict.Chars)+1)
		}
		steps, classes := int(p.Shape[1]), int(p.Shape[2])
		for k, i := range b {
			texts[i], scores[i] = ctcDecode(p.Data[k*steps*classes:(k+1)*steps*classes], steps, classes, e.dict)
		}
		return nil
	})
	return texts, scores, err
}
