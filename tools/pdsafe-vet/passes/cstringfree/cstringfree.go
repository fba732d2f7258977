// Package cstringfree reports C memory from C.CString, C.CBytes, C.malloc
// and C.calloc that is not freed on every path of the function that
// allocated it.
package cstringfree

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/cfg"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/flow"
)

const doc = `report C allocations not freed on every path

C.CString, C.CBytes, C.malloc and C.calloc return memory the Go garbage
collector does not see: unless it is freed (C.free, directly or deferred) on
every path out of the function, returned, stored in a field, a global or a
slice, or passed to a function that takes ownership (-cstringfree.owners, or
a C function of the package's own preamble whose body frees the pointer or
hands it over with free as its destructor), it leaks (M15 of docs/DESIGN.md).`

// Analyzer is the cstringfree pass.
var Analyzer = &analysis.Analyzer{
	Name:     "cstringfree",
	Doc:      doc,
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      run,
}

var owners string

func init() {
	Analyzer.Flags.StringVar(&owners, "owners", "",
		"comma-separated functions that take ownership of C memory passed to them: "+
			"pkg.Func or pkg.Type.Method (pkg is the last element of the import path), or C.func")
}

var allocs = map[string]string{"CString": "C.CString", "CBytes": "C.CBytes", "malloc": "C.malloc", "calloc": "C.calloc"}

func ownerSet() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Split(owners, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

func run(pass *analysis.Pass) (any, error) {
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	own := ownerSet()
	for fn := range preambleOwners(pass) {
		own[fn] = true
	}
	freers := paramFreers(pass)
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		temps := cgoast.CollectTemps(pass.TypesInfo, file)
		cgoast.FuncBodies(file, func(fn ast.Node, body *ast.BlockStmt) {
			var g *cfg.CFG
			switch f := fn.(type) {
			case *ast.FuncDecl:
				g = cfgs.FuncDecl(f)
			case *ast.FuncLit:
				g = cfgs.FuncLit(f)
			}
			if g == nil {
				return
			}
			c := &checker{pass: pass, temps: temps, owners: own, freers: freers, fn: fn, g: g}
			c.checkBody(body)
		})
	}
	return nil, nil
}

type checker struct {
	pass   *analysis.Pass
	temps  cgoast.Temps
	owners map[string]bool
	freers map[*types.Func][]bool
	fn     ast.Node
	g      *cfg.CFG
}

// allocName returns "C.CString" etc. when e (conversions aside) allocates.
func (c *checker) allocName(e ast.Expr) (string, *ast.CallExpr) {
	e = cgoast.StripConv(c.pass.TypesInfo, e)
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return "", nil
	}
	return allocs[cgoast.CFuncName(call)], call
}

func (c *checker) checkBody(body *ast.BlockStmt) {
	info := c.pass.TypesInfo
	ast.Inspect(body, func(n ast.Node) bool {
		if fl, ok := n.(*ast.FuncLit); ok && !cgoast.IsCGenerated(fl) {
			return false // checked on its own
		}
		switch s := n.(type) {
		case *ast.AssignStmt:
			if len(s.Lhs) != len(s.Rhs) {
				return true
			}
			for i, r := range s.Rhs {
				name, _ := c.allocName(r)
				if name == "" {
					continue
				}
				id, ok := s.Lhs[i].(*ast.Ident)
				if !ok || strings.HasPrefix(id.Name, "_cgo") {
					continue // stored in a field, an element, through a pointer; or cgo's own temporary
				}
				obj := cgoast.ObjOf(info, id)
				if obj == nil || id.Name == "_" {
					c.pass.Reportf(r.Pos(), "%s result is discarded: the C memory leaks at once (M15); keep it and C.free it", name)
					continue
				}
				if !cgoast.IsLocal(obj, c.fn) {
					continue // a global or a captured variable owns it
				}
				c.checkVar(name, obj, s)
			}
		case *ast.CallExpr:
			// An allocation passed straight to a call nobody frees.
			cname := cgoast.CFuncName(s)
			for _, a := range c.temps.Args(info, s) {
				name, inner := c.allocName(a)
				if name == "" || inner == s {
					continue
				}
				if cname != "" && cname != "free" && !c.owners["C."+cname] {
					c.pass.Reportf(inner.Pos(), "%s result passed straight to C.%s is never freed (M15): assign it to a variable and defer C.free on it, or list C.%s in -cstringfree.owners if it takes ownership", name, cname, cname)
				}
			}
		case *ast.ExprStmt:
			if name, inner := c.allocName(s.X); name != "" {
				c.pass.Reportf(inner.Pos(), "%s result is discarded: the C memory leaks at once (M15); keep it and C.free it", name)
			}
		}
		return true
	})
}

// checkVar follows every path from the allocation in stmt and reports one
// that leaves the function (or allocates again) with obj still owned.
func (c *checker) checkVar(name string, obj types.Object, stmt *ast.AssignStmt) {
	b, i := flow.Locate(c.g, stmt.Pos())
	if b == nil {
		return
	}
	vars := map[types.Object]bool{obj: true}
	leak, again := false, false
	flow.Walk(b, i, func(n ast.Node) flow.Action {
		if c.releases(n, vars) {
			return flow.Stop
		}
		return flow.Continue
	}, func(from *cfg.Block, k int) bool {
		return c.feasible(from, k, vars)
	}, func(last *cfg.Block, a bool) {
		if a {
			again = true
			return
		}
		if !flow.EndsInPanic(last) {
			leak = true
		}
	})
	switch {
	case leak:
		c.pass.Reportf(stmt.Pos(), "%s result %s is not freed on every path out of the function: the C memory leaks, unseen by the Go GC (M15); add `defer C.free(unsafe.Pointer(%s))` after the allocation, or list the callee that takes ownership in -cstringfree.owners", name, obj.Name(), obj.Name())
	case again:
		c.pass.Reportf(stmt.Pos(), "%s result %s is overwritten by the next loop iteration before it is freed: every iteration but the last leaks (M15); free it inside the loop", name, obj.Name())
	}
}

// feasible drops the branch where a tracked variable is nil (if p == nil {
// return err } after a malloc owns nothing).
func (c *checker) feasible(from *cfg.Block, k int, vars map[types.Object]bool) bool {
	if len(from.Nodes) == 0 || len(from.Succs) != 2 {
		return true
	}
	be, ok := cgoast.Unparen(exprOf(from.Nodes[len(from.Nodes)-1])).(*ast.BinaryExpr)
	if !ok || (be.Op != token.EQL && be.Op != token.NEQ) {
		return true
	}
	isNil := func(e ast.Expr) bool {
		id, ok := cgoast.Unparen(e).(*ast.Ident)
		return ok && id.Name == "nil"
	}
	var other ast.Expr
	switch {
	case isNil(be.Y):
		other = be.X
	case isNil(be.X):
		other = be.Y
	default:
		return true
	}
	id, ok := cgoast.StripConv(c.pass.TypesInfo, other).(*ast.Ident)
	if !ok || !vars[cgoast.ObjOf(c.pass.TypesInfo, id)] {
		return true
	}
	// Succs[0] is the branch taken when the condition holds.
	if be.Op == token.EQL {
		return k != 0
	}
	return k != 1
}

func exprOf(n ast.Node) ast.Expr {
	if e, ok := n.(ast.Expr); ok {
		return e
	}
	return nil
}

// releases reports whether node n frees, returns, stores or hands over one
// of vars; aliases (q := unsafe.Pointer(p)) join vars.
func (c *checker) releases(n ast.Node, vars map[types.Object]bool) bool {
	info := c.pass.TypesInfo
	mentions := func(e ast.Node) bool {
		for v := range vars {
			if c.temps.Mentions(info, e, v) {
				return true
			}
		}
		return false
	}
	done := false
	for _, part := range flow.Parts(n) {
		if !mentions(part) {
			continue
		}
		switch s := part.(type) {
		case *ast.ReturnStmt:
			return true
		case *ast.AssignStmt:
			if len(s.Lhs) == len(s.Rhs) {
				for i, r := range s.Rhs {
					if !mentions(r) {
						continue
					}
					if id, ok := s.Lhs[i].(*ast.Ident); ok && id.Name == "_" {
						continue // discarded, not stored
					}
					if id, ok := s.Lhs[i].(*ast.Ident); ok && cgoast.IsLocal(cgoast.ObjOf(info, id), c.fn) {
						if _, isVar := cgoast.StripConv(info, r).(*ast.Ident); isVar {
							vars[cgoast.ObjOf(info, id)] = true // an alias
							continue
						}
						if _, isCall := cgoast.StripConv(info, r).(*ast.CallExpr); isCall {
							continue // a value computed from it (C.GoString(p))
						}
					}
					return true // stored in a field, element, global or composite value
				}
			}
		}
		ast.Inspect(part, func(m ast.Node) bool {
			if done {
				return false
			}
			switch x := m.(type) {
			case *ast.CallExpr:
				if cn := cgoast.CFuncName(x); cn != "" {
					if (cn == "free" || c.owners["C."+cn]) && mentions(x) {
						done = true
					}
					return true
				}
				if fn := cgoast.Callee(info, x); fn != nil {
					if c.owners[qualName(fn)] && mentions(x) {
						done = true
					}
					if fr := c.freers[fn]; fr != nil {
						for i, a := range x.Args {
							if i < len(fr) && fr[i] && mentions(a) {
								done = true
							}
						}
					}
					if fn.Name() == "append" {
						done = mentions(x)
					}
				} else if id, ok := cgoast.Unparen(x.Fun).(*ast.Ident); ok && id.Name == "append" && mentions(x) {
					done = true
				}
			case *ast.CompositeLit:
				if mentions(x) {
					done = true // kept in a value that outlives this path
				}
			case *ast.SendStmt:
				if mentions(x.Value) {
					done = true
				}
			}
			return true
		})
		if done {
			return true
		}
	}
	return false
}

// qualName is pkg.Func or pkg.Type.Method, pkg the last element of the path.
func qualName(fn *types.Func) string {
	pkg := ""
	if fn.Pkg() != nil {
		p := fn.Pkg().Path()
		pkg = p[strings.LastIndex(p, "/")+1:]
	}
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
		t := sig.Recv().Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			return pkg + "." + n.Obj().Name() + "." + fn.Name()
		}
	}
	return pkg + "." + fn.Name()
}

// paramFreers finds the package's functions that C.free a parameter on some
// path: a pointer handed to them counts as freed.
func paramFreers(pass *analysis.Pass) map[*types.Func][]bool {
	out := map[*types.Func][]bool{}
	for _, file := range pass.Files {
		temps := cgoast.CollectTemps(pass.TypesInfo, file)
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, _ := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if fn == nil {
				continue
			}
			var params []types.Object
			for _, f := range fd.Type.Params.List {
				for _, n := range f.Names {
					params = append(params, pass.TypesInfo.Defs[n])
				}
			}
			var fr []bool
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || cgoast.CFuncName(call) != "free" {
					return true
				}
				for i, p := range params {
					if p != nil && temps.Mentions(pass.TypesInfo, call, p) {
						if fr == nil {
							fr = make([]bool, len(params))
						}
						fr[i] = true
					}
				}
				return true
			})
			if fr != nil {
				out[fn] = fr
			}
		}
	}
	return out
}
