// Package paddlecapi reports misuse of Paddle Inference's C API (PD_*)
// from Go: length-less copies, use after destroy, shared predictors.
package paddlecapi

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/cfg"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/flow"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/share"
)

const doc = `report misuse of Paddle's PD_* C API from Go

  - PD_TensorCopyFromCpu*/PD_TensorCopyToCpu* take no length: after a
    PD_TensorReshape in the same function, the slice's length must be
    provably the product of the dims (make([]T, n) with n that product, a
    constant length equal to it, or an explicit len check), else the copy
    over-reads (M8) or overflows (M9).
  - a handle used after PD_*Destroy on some path (M1).
  - one *C.PD_Predictor (or a Go type holding one) used by several
    goroutines: Paddle predictors are not thread-safe (M6).`

// Analyzer is the paddlecapi pass.
var Analyzer = &analysis.Analyzer{
	Name:     "paddlecapi",
	Doc:      doc,
	Requires: []*analysis.Analyzer{ctrlflow.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		temps := cgoast.CollectTemps(info, file)
		cgoast.FuncBodies(file, func(fn ast.Node, body *ast.BlockStmt) {
			c := &checker{pass: pass, temps: temps, defs: cgoast.CollectDefs(info, body), body: body}
			switch f := fn.(type) {
			case *ast.FuncDecl:
				c.g = cfgs.FuncDecl(f)
			case *ast.FuncLit:
				c.g = cfgs.FuncLit(f)
			}
			c.copies()
			c.destroys()
			for _, s := range share.Find(info, body, holdsPredictor) {
				how := "by two go statements"
				if s.Loop {
					how = "by a go statement inside a loop"
				}
				pass.Reportf(s.Go.Pos(), "%s (a Paddle predictor) is used %s: PD_Predictor is not thread-safe, concurrent runs race and crash or mix outputs (M6); give each goroutine its own predictor (PD_PredictorClone) or serialise the calls with a mutex", s.Var.Name(), how)
			}
		})
	}
	return nil, nil
}

type checker struct {
	pass  *analysis.Pass
	temps cgoast.Temps
	defs  cgoast.Defs
	body  *ast.BlockStmt
	g     *cfg.CFG
}

// cCalls lists the calls into C under body (not the cgo wrappers).
func (c *checker) cCalls() []*ast.CallExpr {
	var out []*ast.CallExpr
	ast.Inspect(c.body, func(n ast.Node) bool {
		if fl, ok := n.(*ast.FuncLit); ok && !cgoast.IsCGenerated(fl) {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok {
			if _, wrap := cgoast.Unparen(call.Fun).(*ast.FuncLit); !wrap && cgoast.CFuncName(call) != "" {
				out = append(out, call)
			}
		}
		return true
	})
	return out
}

func (c *checker) key(e ast.Expr) string {
	return types.ExprString(cgoast.StripConv(c.pass.TypesInfo, c.temps.Resolve(c.pass.TypesInfo, e)))
}

func (c *checker) copies() {
	info := c.pass.TypesInfo
	type reshape struct {
		pos  token.Pos
		dims ast.Expr
	}
	reshapes := map[string][]reshape{}
	for _, call := range c.cCalls() {
		name := cgoast.CFuncName(call)
		args := c.temps.Args(info, call)
		switch {
		case name == "PD_TensorReshape" && len(args) == 3:
			k := c.key(args[0])
			reshapes[k] = append(reshapes[k], reshape{call.Pos(), args[2]})
		case (strings.HasPrefix(name, "PD_TensorCopyFromCpu") || strings.HasPrefix(name, "PD_TensorCopyToCpu")) && len(args) == 2:
			var last *reshape
			for i, r := range reshapes[c.key(args[0])] {
				if r.pos < call.Pos() {
					last = &reshapes[c.key(args[0])][i]
				}
			}
			if last == nil {
				continue // a wrapper: the length belongs to its caller
			}
			x := c.temps.RootObj(info, args[1])
			dims := c.temps.RootObj(info, last.dims)
			if x == nil || dims == nil || !c.provable(x, dims) {
				what := "the slice"
				if x != nil {
					what = x.Name()
				}
				pass := c.pass
				pass.Reportf(call.Pos(), "C.%s takes no length and copies as many elements as the dims given to PD_TensorReshape, but the length of %s is not provably their product: a short slice is a heap over-read (M8) or overflow (M9); make it with make([]T, n) where n is the product of the dims, or check len(%s) against it first", name, what, what)
			}
		}
	}
}

// provable reports whether the slice x has the product of dims elements.
func (c *checker) provable(x, dims types.Object) bool {
	info := c.pass.TypesInfo
	// An explicit length check anywhere in the function.
	checked := false
	ast.Inspect(c.body, func(n ast.Node) bool {
		if be, ok := n.(*ast.BinaryExpr); ok && be.Op.IsOperator() {
			for _, side := range []ast.Expr{be.X, be.Y} {
				if call, ok := cgoast.Unparen(side).(*ast.CallExpr); ok {
					if id, ok := cgoast.Unparen(call.Fun).(*ast.Ident); ok && id.Name == "len" && len(call.Args) == 1 {
						if a, ok := cgoast.Unparen(call.Args[0]).(*ast.Ident); ok && cgoast.ObjOf(info, a) == x {
							switch be.Op {
							case token.EQL, token.NEQ, token.LSS, token.GTR, token.LEQ, token.GEQ:
								checked = true
							}
						}
					}
				}
			}
		}
		return !checked
	})
	if checked {
		return true
	}
	def, ok := c.defs[x]
	if !ok {
		return false
	}
	dimsDef := c.defs[dims]
	ndims, dimVals := -1, []int64(nil)
	if cl, ok := cgoast.Unparen(dimsDef).(*ast.CompositeLit); ok {
		ndims = len(cl.Elts)
		for _, e := range cl.Elts {
			if v := info.Types[e].Value; v != nil {
				if i, ok := constant.Int64Val(constant.ToInt(v)); ok {
					dimVals = append(dimVals, i)
				}
			}
		}
	}
	prod := int64(-1)
	if ndims >= 0 && len(dimVals) == ndims {
		prod = 1
		for _, v := range dimVals {
			prod *= v
		}
	}
	switch d := cgoast.Unparen(def).(type) {
	case *ast.CompositeLit:
		return prod >= 0 && int64(len(d.Elts)) == prod
	case *ast.CallExpr:
		id, ok := cgoast.Unparen(d.Fun).(*ast.Ident)
		if !ok || id.Name != "make" || len(d.Args) < 2 {
			return false
		}
		n := d.Args[1]
		if v := info.Types[n].Value; v != nil {
			i, ok := constant.Int64Val(constant.ToInt(v))
			return ok && prod >= 0 && i == prod
		}
		return c.isProduct(n, dims, ndims, 0)
	}
	return false
}

// isProduct reports whether n is dims[0]*dims[1]*...*dims[k-1] (in any
// order, conversions allowed), or a variable that a range loop over dims
// multiplies by each element.
func (c *checker) isProduct(n ast.Expr, dims types.Object, ndims, depth int) bool {
	info := c.pass.TypesInfo
	if depth > 4 {
		return false
	}
	n = cgoast.StripConv(info, n)
	if id, ok := n.(*ast.Ident); ok {
		obj := cgoast.ObjOf(info, id)
		if c.rangeProduct(obj, dims) {
			return true
		}
		if d, ok := c.defs[obj]; ok {
			return c.isProduct(d, dims, ndims, depth+1)
		}
		return false
	}
	idx := map[int64]bool{}
	var walk func(e ast.Expr) bool
	walk = func(e ast.Expr) bool {
		e = cgoast.StripConv(info, e)
		switch x := e.(type) {
		case *ast.BinaryExpr:
			return x.Op == token.MUL && walk(x.X) && walk(x.Y)
		case *ast.IndexExpr:
			id, ok := cgoast.Unparen(x.X).(*ast.Ident)
			if !ok || cgoast.ObjOf(info, id) != dims {
				return false
			}
			v := info.Types[x.Index].Value
			if v == nil {
				return false
			}
			i, _ := constant.Int64Val(constant.ToInt(v))
			idx[i] = true
			return true
		}
		return false
	}
	if !walk(n) {
		return false
	}
	if ndims < 0 {
		return len(idx) > 0 // the dims slice's length is not known here
	}
	return len(idx) == ndims
}

// rangeProduct reports whether v *= d happens in a range loop over dims.
func (c *checker) rangeProduct(v, dims types.Object) bool {
	found := false
	ast.Inspect(c.body, func(n ast.Node) bool {
		r, ok := n.(*ast.RangeStmt)
		if !ok {
			return !found
		}
		if id, ok := cgoast.Unparen(r.X).(*ast.Ident); !ok || cgoast.ObjOf(c.pass.TypesInfo, id) != dims {
			return true
		}
		ast.Inspect(r.Body, func(m ast.Node) bool {
			if as, ok := m.(*ast.AssignStmt); ok && as.Tok == token.MUL_ASSIGN {
				if id, ok := as.Lhs[0].(*ast.Ident); ok && cgoast.ObjOf(c.pass.TypesInfo, id) == v {
					found = true
				}
			}
			return !found
		})
		return !found
	})
	return found
}

func (c *checker) destroys() {
	if c.g == nil {
		return
	}
	info := c.pass.TypesInfo
	for _, call := range c.cCalls() {
		name := cgoast.CFuncName(call)
		if !strings.HasPrefix(name, "PD_") || !strings.HasSuffix(name, "Destroy") || len(call.Args) != 1 {
			continue
		}
		arg := c.temps.Resolve(info, call.Args[0])
		k := c.key(arg)
		b, i := flow.Locate(c.g, call.Pos())
		if b == nil {
			continue
		}
		if _, deferred := b.Nodes[i].(*ast.DeferStmt); deferred {
			continue
		}
		reported := false
		flow.Walk(b, i, func(n ast.Node) flow.Action {
			if reported {
				return flow.Stop
			}
			for _, part := range flow.Parts(n) {
				if as, ok := part.(*ast.AssignStmt); ok {
					for _, l := range as.Lhs {
						if types.ExprString(l) == k {
							return flow.Stop // a new handle
						}
					}
				}
				var use ast.Node
				ast.Inspect(part, func(m ast.Node) bool {
					if e, ok := m.(ast.Expr); ok && use == nil && (isIdentOrSel(e)) && c.key(e) == k {
						use = e
					}
					return use == nil
				})
				if use != nil {
					if _, deferred := n.(*ast.DeferStmt); deferred {
						continue
					}
					c.pass.Reportf(use.Pos(), "%s is used after C.%s destroyed it: the handle points into freed memory, a use-after-free (M1); do not use it after destroying it, or set it to nil and check", k, name)
					reported = true
					return flow.Stop
				}
			}
			return flow.Continue
		}, nil, func(*cfg.Block, bool) {})
	}
}

func isIdentOrSel(e ast.Expr) bool {
	switch e.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		return true
	}
	return false
}

// holdsPredictor accepts *C.PD_Predictor and Go types with such a field.
func holdsPredictor(t types.Type) bool {
	isPred := func(t types.Type) bool {
		p, ok := types.Unalias(t).Underlying().(*types.Pointer)
		return ok && cgoast.CTypeName(p.Elem()) == "PD_Predictor"
	}
	if isPred(t) {
		return true
	}
	p, ok := types.Unalias(t).Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	st, ok := types.Unalias(p.Elem()).Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if isPred(st.Field(i).Type()) {
			return true
		}
	}
	return false
}
