package a

import (
	"context"
	"sync"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

var models []*pdsafe.Model

// --- true positives ---

func useAfterClose(ctx context.Context, m *pdsafe.Model) error {
	p, err := m.NewPredictor()
	if err != nil {
		return err
	}
	p.Close()
	_, err = p.Run(ctx) // want `p.Run is used after p.Close\(\)`
	return err
}

func neverClosed(ctx context.Context) error {
	m, err := pdsafe.LoadModel("m.json", "m.pdiparams") // want `m \(\*pdsafe.Model\) is created here but never closed`
	if err != nil {
		return err
	}
	p, err := m.NewPredictor() // want `p \(\*pdsafe.Predictor\) is created here but never closed`
	if err != nil {
		return err
	}
	_, err = p.Run(ctx)
	return err
}

func sharedPredictor(ctx context.Context, p *pdsafe.Predictor) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { // want `p \(\*pdsafe.Predictor\) is used by a go statement inside a loop`
			defer wg.Done()
			p.Run(ctx)
		}()
	}
	wg.Wait()
}

// --- false positives that must stay quiet ---

func closedDeferred(ctx context.Context) error {
	m, err := pdsafe.LoadModel("m.json", "m.pdiparams")
	if err != nil {
		return err
	}
	defer m.Close()
	pool, err := m.NewPool(4)
	if err != nil {
		return err
	}
	defer pool.Close()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { // a Pool is made for this
			defer wg.Done()
			pool.Run(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func returned() (*pdsafe.Model, error) {
	m, err := pdsafe.LoadModel("m.json", "m.pdiparams")
	return m, err
}

func stored() error {
	m, err := pdsafe.LoadModel("m.json", "m.pdiparams")
	if err != nil {
		return err
	}
	models = append(models, m)
	return nil
}

func passedOn(register func(*pdsafe.Model)) {
	m, _ := pdsafe.LoadModel("m.json", "m.pdiparams")
	register(m)
}

func closeThenReassign(m *pdsafe.Model) {
	p, _ := m.NewPredictor()
	p.Close()
	p, _ = m.NewPredictor()
	defer p.Close()
	p.Run(context.Background())
}

func tensorsNeedNoClose() {
	x, _ := pdsafe.NewTensor([]int64{1, 2}, []float32{1, 2})
	_ = x
}

func onePredictorPerGoroutine(ctx context.Context, m *pdsafe.Model) {
	for i := 0; i < 4; i++ {
		p, err := m.NewPredictor()
		if err != nil {
			return
		}
		go func() {
			defer p.Close()
			p.Run(ctx)
		}()
	}
}

func newPredictor(m *pdsafe.Model, cleanup func(func() error)) *pdsafe.Predictor {
	p, _ := m.NewPredictor()
	cleanup(p.Close)
	return p
}

func helperCreated(ctx context.Context, m *pdsafe.Model) {
	p := newPredictor(m, nil) // created (and closed) by the helper
	p.Run(ctx)
}
