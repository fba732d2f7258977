// Package unsafeslice reports Go views of C memory that outlive the
// function, pointers laundered through uintptr into C, and arena memory
// handed to C.
package unsafeslice

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
)

const doc = `report unsafe views of C memory and laundered pointers

  - unsafe.Slice / unsafe.String over C memory that escapes the function
    (returned or stored): nothing ties the slice to the C owner, which can be
    freed while the slice is used (M3, M22); copy into Go memory instead.
  - a pointer passed to C through uintptr (unsafe.Pointer(uintptr(...)) or a
    uintptr variable converted back): the GC does not see a uintptr, the Go
    object may be collected before or during the call (M12).
  - memory from package arena passed to C: arena.Free releases it whatever C
    still holds (M12).`

// Analyzer is the unsafeslice pass.
var Analyzer = &analysis.Analyzer{
	Name: "unsafeslice",
	Doc:  doc,
	Run:  run,
}

func run(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		temps := cgoast.CollectTemps(info, file)
		cgoast.FuncBodies(file, func(fn ast.Node, body *ast.BlockStmt) {
			defs := cgoast.CollectDefs(info, body)
			views := map[types.Object]ast.Expr{} // locals holding views of C memory
			isView := func(e ast.Expr) bool {
				call, ok := cgoast.Unparen(e).(*ast.CallExpr)
				if ok && (cgoast.IsFunc(info, call, "unsafe", "Slice") || cgoast.IsFunc(info, call, "unsafe", "String")) {
					return cgoast.Where(info, temps, defs, call.Args[0]) == cgoast.CMem
				}
				if id, ok := cgoast.Unparen(e).(*ast.Ident); ok {
					_, v := views[cgoast.ObjOf(info, id)]
					return v
				}
				if s, ok := cgoast.Unparen(e).(*ast.SliceExpr); ok {
					id, ok := cgoast.Unparen(s.X).(*ast.Ident)
					if ok {
						_, v := views[cgoast.ObjOf(info, id)]
						return v
					}
				}
				return false
			}
			report := func(e ast.Expr, how string) {
				pass.Reportf(e.Pos(), "unsafe view of C memory %s: the slice does not keep the C owner alive and nothing frees it with the slice, so it dangles once the owner is freed (M3, M22); copy the data into Go memory (copy(make(...), view) or C.GoBytes) before the owner can go", how)
			}
			ast.Inspect(body, func(n ast.Node) bool {
				if fl, ok := n.(*ast.FuncLit); ok && !cgoast.IsCGenerated(fl) {
					return false
				}
				switch s := n.(type) {
				case *ast.AssignStmt:
					if len(s.Lhs) != len(s.Rhs) {
						return true
					}
					for i, r := range s.Rhs {
						if !isView(r) {
							continue
						}
						if id, ok := s.Lhs[i].(*ast.Ident); ok && cgoast.IsLocal(cgoast.ObjOf(info, id), fn) {
							views[cgoast.ObjOf(info, id)] = r
							continue
						}
						if id, ok := s.Lhs[i].(*ast.Ident); ok && id.Name == "_" {
							continue
						}
						report(r, "is stored in "+types.ExprString(s.Lhs[i]))
					}
				case *ast.ReturnStmt:
					for _, r := range s.Results {
						if isView(r) {
							report(r, "is returned")
						}
					}
				case *ast.CompositeLit:
					for _, el := range s.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							el = kv.Value
						}
						if isView(el) {
							report(el, "is stored in a composite value")
						}
					}
				case *ast.CallExpr:
					if _, wrap := cgoast.Unparen(s.Fun).(*ast.FuncLit); wrap {
						return true
					}
					name := cgoast.CFuncName(s)
					if name == "" {
						return true
					}
					for _, a := range temps.Args(info, s) {
						if u := laundered(info, temps, defs, a); u != nil {
							pass.Reportf(a.Pos(), "pointer passed to C.%s through a uintptr (%s): the GC does not see a uintptr as a reference, so the Go object may be collected or reused before or during the call (M12); pass the unsafe.Pointer directly (cgo keeps it alive for the call) or pin it with runtime.Pinner", name, types.ExprString(u))
						}
						if fromArena(info, temps, defs, a) {
							pass.Reportf(a.Pos(), "arena memory passed to C.%s: arena.Free releases it whatever C still holds, and cgo's pointer checks do not cover arenas (M12); pass C memory or ordinary Go memory", name)
						}
					}
				}
				return true
			})
		})
	}
	return nil, nil
}

// laundered returns the uintptr expression a C argument was converted back
// from, unless it is known to hold a C address.
func laundered(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, a ast.Expr) ast.Expr {
	e := cgoast.Unparen(temps.Resolve(info, a))
	// Strip pointer conversions down to a conversion from uintptr.
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 || !cgoast.IsConversion(info, call) {
			return nil
		}
		inner := cgoast.Unparen(call.Args[0])
		if t := info.TypeOf(inner); t != nil {
			if b, ok := types.Unalias(t).Underlying().(*types.Basic); ok && b.Kind() == types.Uintptr {
				if cAddress(info, temps, defs, inner, 0) {
					return nil
				}
				return inner
			}
		}
		e = inner
	}
}

// cAddress reports whether a uintptr expression holds an address of C
// memory (uintptr(cptr) + off, or a variable set from one).
func cAddress(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, e ast.Expr, depth int) bool {
	if depth > 6 {
		return false
	}
	switch x := cgoast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		return cAddress(info, temps, defs, x.X, depth+1) || (x.Op == token.ADD && cAddress(info, temps, defs, x.Y, depth+1))
	case *ast.CallExpr:
		if cgoast.IsConversion(info, x) && len(x.Args) == 1 {
			return cgoast.Where(info, temps, defs, x.Args[0]) == cgoast.CMem
		}
		return cgoast.CFuncName(x) != ""
	case *ast.Ident:
		if d, ok := defs[cgoast.ObjOf(info, x)]; ok {
			return cAddress(info, temps, defs, d, depth+1)
		}
	}
	return false
}

// fromArena reports whether a points into memory made by package arena.
func fromArena(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, a ast.Expr) bool {
	e := a
	for i := 0; i < 6; i++ {
		e = cgoast.StripConv(info, temps.Resolve(info, e))
		switch x := e.(type) {
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return false
			}
			e = x.X
			if id := cgoast.RootIdent(e); id != nil {
				e = id
			}
		case *ast.IndexExpr:
			e = x.X
		case *ast.CallExpr:
			if fn := cgoast.Callee(info, x); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "arena" {
				return true
			}
			if cgoast.IsFunc(info, x, "unsafe", "SliceData") {
				e = x.Args[0]
				continue
			}
			return false
		case *ast.Ident:
			d, ok := defs[cgoast.ObjOf(info, x)]
			if !ok {
				return false
			}
			e = d
		default:
			return false
		}
	}
	return false
}
