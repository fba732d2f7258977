// Command classify runs an image classifier exported from PaddlePaddle on one
// input and prints the top-k classes.
//
//	classify -model m/inference.pdmodel -input x.npy
//	classify -model m/inference.pdmodel -input cat.png -k 3
//
// The input is a .npy file holding the model's input tensor (float32,
// NCHW), or an image (PNG, JPEG or GIF) that is resized to the model's input
// size with bilinear interpolation and normalised with the ImageNet mean and
// standard deviation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/npy"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "classify:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	modelPath := fs.String("model", "", "model program (inference.pdmodel or inference.json) or a directory holding one")
	paramsPath := fs.String("params", "", "parameters (default: found by the library beside the program)")
	input := fs.String("input", "", "input: a .npy file, or a PNG, JPEG or GIF image")
	k := fs.Int("k", 5, "how many classes to print")
	size := fs.Int("size", 224, "image size when the model's input size is dynamic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" || *input == "" {
		fs.Usage()
		return errors.New("-model and -input are required")
	}
	// An empty -params lets the library find the parameters (LoadModel).
	model, err := pdsafe.LoadModel(*modelPath, *paramsPath)
	if err != nil {
		return err
	}
	defer model.Close()
	info := model.Inputs()[0]
	var x *pdsafe.Tensor[float32]
	if strings.HasSuffix(*input, ".npy") {
		x, err = readNPY(*input)
	} else {
		x, err = readImage(*input, info, *size)
	}
	if err != nil {
		return err
	}
	pred, err := model.NewPredictor()
	if err != nil {
		return err
	}
	defer pred.Close()
	res, err := pred.Run(context.Background(), x)
	if err != nil {
		return err
	}
	scores, err := pdsafe.OutputAt[float32](res, 0)
	if err != nil {
		return err
	}
	if len(scores.Shape) != 2 {
		return fmt.Errorf("output %s has shape %v, expected [batch, classes]", res.Info(0).Name, scores.Shape)
	}
	classes := int(scores.Shape[1])
	for b := 0; b < int(scores.Shape[0]); b++ {
		row := scores.Data[b*classes : (b+1)*classes]
		probs, applied := probabilities(row)
		kind := "probability"
		if applied {
			kind = "softmax(logit)"
		}
		fmt.Fprintf(stdout, "batch %d: top %d of %d classes (%s)\n", b, min(*k, classes), classes, kind)
		for rank, c := range topK(probs, *k) {
			fmt.Fprintf(stdout, "  %d. class %d  %.6f\n", rank+1, c, probs[c])
		}
	}
	return nil
}

func readNPY(path string) (*pdsafe.Tensor[float32], error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data, err := a.Float32()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pdsafe.NewTensor(a.Shape, data)
}

// readImage decodes an image and turns it into a 1x3xHxW float32 tensor:
// bilinear resize, RGB in [0, 1], ImageNet mean and standard deviation.
func readImage(path string, info pdsafe.TensorInfo, size int) (*pdsafe.Tensor[float32], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(info.Shape) != 4 || (info.Shape[1] != 3 && info.Shape[1] != -1) {
		return nil, fmt.Errorf("the model's input %v is not an NCHW RGB image", info)
	}
	h, w := int(info.Shape[2]), int(info.Shape[3])
	if h < 0 {
		h = size
	}
	if w < 0 {
		w = size
	}
	return imageTensor(img, h, w)
}

var (
	mean = [3]float32{0.485, 0.456, 0.406}
	std  = [3]float32{0.229, 0.224, 0.225}
)

func imageTensor(img image.Image, h, w int) (*pdsafe.Tensor[float32], error) {
	b := img.Bounds()
	sh, sw := b.Dy(), b.Dx()
	if sh == 0 || sw == 0 {
		return nil, errors.New("the image is empty")
	}
	x, err := pdsafe.NewZeroTensor[float32](1, 3, int64(h), int64(w))
	if err != nil {
		return nil, err
	}
	at := func(yy, xx int) [3]float32 {
		r, g, bl, _ := img.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
		return [3]float32{float32(r) / 65535, float32(g) / 65535, float32(bl) / 65535}
	}
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)*float64(sh)/float64(h) - 0.5
		y0 := int(math.Max(0, math.Floor(fy)))
		y1 := min(y0+1, sh-1)
		wy := float32(math.Max(0, fy-float64(y0)))
		for xx := 0; xx < w; xx++ {
			fx := (float64(xx)+0.5)*float64(sw)/float64(w) - 0.5
			x0 := int(math.Max(0, math.Floor(fx)))
			x1 := min(x0+1, sw-1)
			wx := float32(math.Max(0, fx-float64(x0)))
			p00, p01, p10, p11 := at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1)
			for c := 0; c < 3; c++ {
				v := (p00[c]*(1-wx)+p01[c]*wx)*(1-wy) + (p10[c]*(1-wx)+p11[c]*wx)*wy
				x.Data[(c*h+y)*w+xx] = (v - mean[c]) / std[c]
			}
		}
	}
	return x, nil
}

// probabilities returns the row as probabilities: itself if it already is a
// distribution, its softmax otherwise (and true).
func probabilities(row []float32) ([]float32, bool) {
	sum, ok := float32(0), true
	for _, v := range row {
		if v < 0 || v > 1 {
			ok = false
		}
		sum += v
	}
	if ok && math.Abs(float64(sum)-1) < 1e-3 {
		return row, false
	}
	maxv := row[0]
	for _, v := range row {
		maxv = max(maxv, v)
	}
	out := make([]float32, len(row))
	var total float64
	for i, v := range row {
		e := math.Exp(float64(v - maxv))
		out[i] = float32(e)
		total += e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / total)
	}
	return out, true
}

// topK returns the indices of the k largest values, largest first (ties by
// index).
func topK(v []float32, k int) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	return idx[:min(k, len(idx))]
}
