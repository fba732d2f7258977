package pdsafe_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"path/filepath"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/npy"
)

var exampleDir = filepath.Join("..", "tests", "fixtures", "pplcnet")

func examplePixels() ([]int64, []float32) {
	a, err := npy.ReadFile(filepath.Join(exampleDir, "case0.in0.npy"))
	if err != nil {
		log.Fatal(err)
	}
	return a.Shape, a.Data.([]float32)
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Load a model, run it once, read the output.
func Example() {
	model, err := pdsafe.LoadModel(filepath.Join(exampleDir, "inference.pdmodel"),
		filepath.Join(exampleDir, "inference.pdiparams"))
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	fmt.Println("input:", model.Inputs()[0])

	pred, err := model.NewPredictor()
	if err != nil {
		log.Fatal(err)
	}
	defer pred.Close()

	shape, pixels := examplePixels()
	x, err := pdsafe.NewTensor(shape, pixels)
	if err != nil {
		log.Fatal(err)
	}
	res, err := pred.Run(context.Background(), x)
	if err != nil {
		log.Fatal(err)
	}
	probs, err := pdsafe.OutputAt[float32](res, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("output shape:", probs.Shape, "class:", argmax(probs.Data))
	// Output:
	// input: x float32[-1 3 64 64]
	// output shape: [1 10] class: 5
}

// RunInto writes into caller buffers and allocates nothing; a buffer that is
// too small is reported with the shape it needs, and Fetch gets the result
// without running again.
func ExamplePredictor_RunInto() {
	model, err := pdsafe.LoadModel(filepath.Join(exampleDir, "inference.pdmodel"),
		filepath.Join(exampleDir, "inference.pdiparams"))
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	pred, err := model.NewPredictor()
	if err != nil {
		log.Fatal(err)
	}
	defer pred.Close()

	shape, pixels := examplePixels()
	x := &pdsafe.Tensor[float32]{Shape: shape, Data: pixels}
	out := pdsafe.NewBuffer[float32](4)
	err = pred.RunInto(context.Background(), []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{out})
	if errors.Is(err, pdsafe.ErrBufferSize) {
		fmt.Println("needs", out.Shape)
		out = pdsafe.NewBuffer[float32](int(out.Shape[0] * out.Shape[1]))
		err = pred.Fetch([]pdsafe.AnyTensor{out})
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("got", out.Shape, "class:", argmax(out.Data))
	// Output:
	// needs [1 10]
	// got [1 10] class: 5
}

// A pool serves many goroutines with a bounded number of runs in C; a
// context bounds each call, waiting included.
func ExamplePool() {
	model, err := pdsafe.LoadModel(filepath.Join(exampleDir, "inference.pdmodel"),
		filepath.Join(exampleDir, "inference.pdiparams"))
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	pool, err := model.NewPool(2)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	shape, pixels := examplePixels()
	x, _ := pdsafe.NewTensor(shape, pixels)
	classes := make(chan int, 8)
	for i := 0; i < 8; i++ {
		go func() {
			res, err := pool.Run(context.Background(), x)
			if err != nil {
				log.Fatal(err)
			}
			probs, _ := pdsafe.OutputAt[float32](res, 0)
			classes <- argmax(probs.Data)
		}()
	}
	for i := 0; i < 8; i++ {
		fmt.Print(<-classes, " ")
	}
	fmt.Println()
	// Output: 5 5 5 5 5 5 5 5
}

// Errors carry a code for errors.Is and the library's message for people.
func ExampleError() {
	model, err := pdsafe.LoadModel(filepath.Join(exampleDir, "inference.pdmodel"),
		filepath.Join(exampleDir, "inference.pdiparams"))
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	pred, _ := model.NewPredictor()
	defer pred.Close()

	x, _ := pdsafe.NewZeroTensor[float32](1, 3, 32, 32)
	_, err = pred.Run(context.Background(), x)
	var e *pdsafe.Error
	if errors.Is(err, pdsafe.ErrShape) && errors.As(err, &e) {
		fmt.Println(e.Code)
		fmt.Println(err)
	}
	// Output:
	// PDS_ERR_SHAPE
	// pdsafe: Predictor.Run: input 0 ('x') has shape [1,3,32,32], the model expects [-1,3,64,64] (-1 = any) (PDS_ERR_SHAPE)
}
