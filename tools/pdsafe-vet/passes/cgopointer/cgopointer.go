// Package cgopointer reports Go pointers that C keeps, or that reach C
// inside Go memory, without runtime.Pinner.
package cgopointer

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
)

const doc = `report Go pointers stored into C memory or retained by C

cgo lets C use a Go pointer only during the call it was passed to, and only if
the memory it points to holds no other Go pointers. This pass reports, unless
the function pins the memory with runtime.Pinner:
  - a Go pointer stored into a C struct field or through a C pointer;
  - a Go pointer passed to a C function that keeps it (-cgopointer.retainers);
  - Go memory holding Go pointers passed to C (&s[0] of a []*T, []string,
    or of structs with pointer fields), which cgo's check panics on.
The GC may free or reuse memory that only C refers to (M12 of docs/DESIGN.md).`

// Analyzer is the cgopointer pass.
var Analyzer = &analysis.Analyzer{
	Name: "cgopointer",
	Doc:  doc,
	Run:  run,
}

var retainers string

func init() {
	Analyzer.Flags.StringVar(&retainers, "retainers", "",
		"comma-separated C functions that keep a pointer argument after they return (name without C.)")
}

func run(pass *analysis.Pass) (any, error) {
	keep := map[string]bool{}
	for _, s := range strings.Split(retainers, ",") {
		if s = strings.TrimPrefix(strings.TrimSpace(s), "C."); s != "" {
			keep[s] = true
		}
	}
	info := pass.TypesInfo
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		temps := cgoast.CollectTemps(info, file)
		cgoast.FuncBodies(file, func(fn ast.Node, body *ast.BlockStmt) {
			defs := cgoast.CollectDefs(info, body)
			pinned := func(e ast.Expr) bool {
				return cgoast.Pinned(info, body, temps.RootObj(info, e))
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
					for i, l := range s.Lhs {
						if !intoC(info, temps, defs, l) {
							continue
						}
						if isPointer(info.TypeOf(s.Rhs[i])) && cgoast.Where(info, temps, defs, s.Rhs[i]) == cgoast.GoMem && !pinned(s.Rhs[i]) {
							pass.Reportf(s.Pos(), "Go pointer stored into C memory (%s): the GC neither sees nor keeps alive what C memory points to, so the Go object can be freed and reused while C still uses it (M12), and cgo's checks panic when this memory is passed to C; pin it with runtime.Pinner for as long as C holds it, or copy the data into C.malloc'd memory", types.ExprString(l))
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
						if cgoast.Where(info, temps, defs, a) != cgoast.GoMem {
							continue
						}
						if keep[name] && !pinned(a) {
							pass.Reportf(a.Pos(), "Go pointer passed to C.%s, which keeps it after the call returns: the GC may free or reuse the memory while C still refers to it (M12); pin it with a runtime.Pinner until C no longer uses it, or pass C.malloc'd memory", name)
							continue
						}
						t := pointee(info, temps, a)
						if t == nil || cgoast.Pinned(info, body, nil) {
							continue
						}
						if cgoast.HasGoPointers(t) || holdsGoAddress(info, temps, defs, a) {
							pass.Reportf(a.Pos(), "Go memory holding Go pointers (%s) passed to C.%s: cgo forbids it (the call panics with \"cgo argument has Go pointer to unpinned Go pointer\") and C cannot keep them valid (M12); pass C memory or flat data, or pin every inner pointer with runtime.Pinner", t, name)
						}
					}
				}
				return true
			})
		})
	}
	return nil, nil
}

// intoC reports whether the assignment target l lies in C memory or in a C
// struct: p.f with p a *C.T or C.T, or *q with q pointing into C memory.
func intoC(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, l ast.Expr) bool {
	switch x := cgoast.Unparen(l).(type) {
	case *ast.SelectorExpr:
		t := info.TypeOf(x.X)
		if t == nil {
			return false
		}
		if p, ok := types.Unalias(t).Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		return cgoast.IsCType(t)
	case *ast.StarExpr:
		return cgoast.Where(info, temps, defs, x.X) == cgoast.CMem
	case *ast.IndexExpr:
		return cgoast.Where(info, temps, defs, x.X) == cgoast.CMem
	}
	return false
}

// pointee is the type of the memory a pointer argument points to.
func pointee(info *types.Info, temps cgoast.Temps, a ast.Expr) types.Type {
	e := cgoast.StripConv(info, temps.Resolve(info, a))
	switch x := e.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return info.TypeOf(temps.Resolve(info, x.X))
		}
	case *ast.CallExpr:
		if cgoast.IsFunc(info, x, "unsafe", "SliceData") {
			if s, ok := types.Unalias(info.TypeOf(x.Args[0])).Underlying().(*types.Slice); ok {
				return s.Elem()
			}
		}
		return nil
	}
	if t := info.TypeOf(e); t != nil {
		if p, ok := types.Unalias(t).Underlying().(*types.Pointer); ok {
			return p.Elem()
		}
	}
	return nil
}

// isPointer reports whether values of t are pointers (a struct value copied
// into C memory is checked field by field where it is built).
func isPointer(t types.Type) bool {
	if t == nil {
		return false
	}
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	}
	return false
}

// holdsGoAddress reports whether a is &v for a variable v of a C pointer
// type (*C.T, **C.char) that the function set to Go memory: the type says
// C, the value says Go. An out-parameter (var v *C.T; C.get(&v)) holds nil
// or C's own pointer and is not reported.
func holdsGoAddress(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, a ast.Expr) bool {
	e := a
	for i := 0; i < 4; i++ { // cgo binds &v and its conversion to separate temporaries
		e = cgoast.StripConv(info, temps.Resolve(info, e))
	}
	u, ok := e.(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	id, ok := cgoast.Unparen(temps.Resolve(info, u.X)).(*ast.Ident)
	if !ok || !cgoast.IsCPointer(info.TypeOf(id)) && !cgoast.IsCPointerChain(info.TypeOf(id)) {
		return false
	}
	if _, ptr := types.Unalias(info.TypeOf(id)).Underlying().(*types.Pointer); !ptr {
		return false
	}
	d, set := defs[cgoast.ObjOf(info, id)]
	return set && cgoast.Where(info, temps, defs, d) == cgoast.GoMem
}
