// Package pdsafe is a stand-in with the shapes of the real package's API.
package pdsafe

import "context"

type Model struct{ h uint64 }
type Predictor struct{ h uint64 }
type Pool struct{ n int }
type Tensor[T any] struct{ data []T }
type Result struct{ outs [][]float32 }

func LoadModel(model, params string) (*Model, error)                     { return &Model{}, nil }
func (m *Model) NewPredictor() (*Predictor, error)                       { return &Predictor{}, nil }
func (m *Model) NewPool(n int) (*Pool, error)                            { return &Pool{n: n}, nil }
func (m *Model) Close() error                                            { return nil }
func (p *Predictor) Run(ctx context.Context, in ...any) (*Result, error) { return &Result{}, nil }
func (p *Predictor) Close() error                                        { return nil }
func (p *Pool) Run(ctx context.Context, in ...any) (*Result, error)      { return &Result{}, nil }
func (p *Pool) Close() error                                             { return nil }
func NewTensor[T any](shape []int64, data []T) (*Tensor[T], error) {
	return &Tensor[T]{data: data}, nil
}
