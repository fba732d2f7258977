// Package pdsafeobj reports lifetime mistakes with the objects of pdsafe's
// Go package (github.com/pdsafe/pdsafe/go).
package pdsafeobj

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/cfg"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/flow"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/share"
)

// PkgPath is the import path of pdsafe's Go package.
const PkgPath = "github.com/pdsafe/pdsafe/go"

const doc = `report misuse of pdsafe's Go objects

For the types of pdsafe's Go package that have a Close method (Model,
Predictor, Pool):
  - a use after Close in the same function (ErrClosed, M1);
  - an object created in a function that neither closes it, returns it,
    stores it nor passes it on (its C memory is freed only by the GC's
    cleanup, late: M15);
  - one *pdsafe.Predictor used by several goroutines (ErrBusy, M6): use a
    Pool.
The package itself and its tests, which misuse objects on purpose, are not
checked.`

// Analyzer is the pdsafeobj pass.
var Analyzer = &analysis.Analyzer{
	Name:     "pdsafeobj",
	Doc:      doc,
	Requires: []*analysis.Analyzer{ctrlflow.Analyzer},
	Run:      run,
}

// closable returns the pdsafe type name of t when it has a Close method.
func closable(t types.Type) string {
	if t == nil {
		return ""
	}
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return ""
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != PkgPath {
		return ""
	}
	obj, _, _ := types.LookupFieldOrMethod(t, false, n.Obj().Pkg(), "Close")
	if _, ok := obj.(*types.Func); !ok {
		return ""
	}
	return n.Obj().Name()
}

func run(pass *analysis.Pass) (any, error) {
	if pass.Pkg.Path() == PkgPath || pass.Pkg.Path() == PkgPath+"_test" {
		return nil, nil
	}
	info := pass.TypesInfo
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	for _, file := range pass.Files {
		cgoast.FuncBodies(file, func(fn ast.Node, body *ast.BlockStmt) {
			var g *cfg.CFG
			switch f := fn.(type) {
			case *ast.FuncDecl:
				g = cfgs.FuncDecl(f)
			case *ast.FuncLit:
				g = cfgs.FuncLit(f)
			}
			checkClose(pass, g, fn, body)
			checkCreated(pass, fn, body)
			for _, s := range share.Find(info, body, func(t types.Type) bool { return closable(t) == "Predictor" }) {
				how := "by two go statements"
				if s.Loop {
					how = "by a go statement inside a loop"
				}
				pass.Reportf(s.Go.Pos(), "%s (*pdsafe.Predictor) is used %s: a predictor runs one call at a time, concurrent Run calls get ErrBusy (M6); use a pdsafe.Pool (model.NewPool(n)) for parallel work, or WithSerialize to wait", s.Var.Name(), how)
			}
		})
	}
	return nil, nil
}

// checkClose reports a use of x reachable from x.Close().
func checkClose(pass *analysis.Pass, g *cfg.CFG, fn ast.Node, body *ast.BlockStmt) {
	if g == nil {
		return
	}
	info := pass.TypesInfo
	ast.Inspect(body, func(n ast.Node) bool {
		if fl, ok := n.(*ast.FuncLit); ok && fl != fn {
			return false
		}
		if _, ok := n.(*ast.DeferStmt); ok {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := cgoast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Close" {
			return true
		}
		id, ok := cgoast.Unparen(sel.X).(*ast.Ident)
		if !ok {
			return true
		}
		obj := cgoast.ObjOf(info, id)
		kind := closable(info.TypeOf(id))
		if obj == nil || kind == "" {
			return true
		}
		b, i := flow.Locate(g, call.Pos())
		if b == nil {
			return true
		}
		done := false
		flow.Walk(b, i, func(n ast.Node) flow.Action {
			if done {
				return flow.Stop
			}
			for _, part := range flow.Parts(n) {
				if as, ok := part.(*ast.AssignStmt); ok {
					for _, l := range as.Lhs {
						if lid, ok := l.(*ast.Ident); ok && cgoast.ObjOf(info, lid) == obj {
							return flow.Stop
						}
					}
				}
				var use *ast.SelectorExpr
				ast.Inspect(part, func(m ast.Node) bool {
					if s, ok := m.(*ast.SelectorExpr); ok && use == nil {
						if x, ok := cgoast.Unparen(s.X).(*ast.Ident); ok && cgoast.ObjOf(info, x) == obj && s.Sel.Name != "Close" {
							use = s
						}
					}
					return use == nil
				})
				if use != nil {
					pass.Reportf(use.Pos(), "%s is used after %s.Close(): every call returns ErrClosed (M1); close it after its last use (defer %s.Close() where it was created)", types.ExprString(use), id.Name, id.Name)
					done = true
					return flow.Stop
				}
			}
			return flow.Continue
		}, nil, func(*cfg.Block, bool) {})
		return true
	})
}

// checkCreated reports objects created in fn that never leave it and are
// never closed.
func checkCreated(pass *analysis.Pass, fn ast.Node, body *ast.BlockStmt) {
	info := pass.TypesInfo
	ast.Inspect(body, func(n ast.Node) bool {
		if fl, ok := n.(*ast.FuncLit); ok && fl != fn {
			return false
		}
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return true
		}
		call, ok := cgoast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok {
			return true
		}
		// Created here: by pdsafe itself. A helper that returns an object
		// created it (and may have registered its Close).
		if f := cgoast.Callee(info, call); f == nil || f.Pkg() == nil || f.Pkg().Path() != PkgPath {
			return true
		}
		for _, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			obj := cgoast.ObjOf(info, id)
			kind := closable(info.TypeOf(id))
			if obj == nil || kind == "" || !cgoast.IsLocal(obj, fn) || id.Name == "_" {
				continue
			}
			if !escapesOrCloses(info, body, obj) {
				pass.Reportf(call.Pos(), "%s (*pdsafe.%s) is created here but never closed, returned, stored or passed on: its C memory stays allocated until the GC's cleanup runs, late or never under load (M15); add `defer %s.Close()` after the error check", id.Name, kind, id.Name)
			}
		}
		return true
	})
}

func escapesOrCloses(info *types.Info, body *ast.BlockStmt, obj types.Object) bool {
	is := func(e ast.Expr) bool {
		id, ok := cgoast.Unparen(e).(*ast.Ident)
		return ok && cgoast.ObjOf(info, id) == obj
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if is(x.X) && x.Sel.Name == "Close" {
				found = true // called, deferred or handed over as a method value
			}
		case *ast.ReturnStmt:
			for _, r := range x.Results {
				if is(r) {
					found = true
				}
			}
		case *ast.AssignStmt:
			for i, r := range x.Rhs {
				if is(r) && i < len(x.Lhs) {
					if _, local := x.Lhs[i].(*ast.Ident); !local || !cgoast.IsLocal(cgoast.ObjOf(info, x.Lhs[i].(*ast.Ident)), body) {
						found = true
					} else {
						found = true // an alias: followed no further
					}
				}
			}
		case *ast.CallExpr:
			for _, a := range x.Args {
				if is(a) {
					found = true
				}
			}
		case *ast.CompositeLit:
			for _, el := range x.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					el = kv.Value
				}
				if is(el) {
					found = true
				}
			}
		case *ast.SendStmt:
			if is(x.Value) {
				found = true
			}
		}
		return !found
	})
	return found
}
