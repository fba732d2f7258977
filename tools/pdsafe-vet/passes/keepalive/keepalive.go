// Package keepalive reports wrappers of C objects that a finalizer or
// cleanup can free while their own C call is still running, and cleanups
// that can never run.
package keepalive

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
)

const doc = `report finalizer and cleanup mistakes around C handles

  - A method of a type with runtime.SetFinalizer or runtime.AddCleanup that
    passes the receiver's C handle field to C and does not use the receiver
    afterwards (no runtime.KeepAlive): the GC may collect the receiver during
    the call and its finalizer frees the C object under it (M13).
  - runtime.AddCleanup(obj, f, arg) or SetFinalizer(obj, f) where f or arg
    refers to obj: obj stays reachable, the cleanup never runs (M15).
  - runtime.SetFinalizer on a type that owns C memory and has no Close (or
    Free, Release, Destroy) method: memory is freed only when the GC gets to
    it, late or never (M15).`

// Analyzer is the keepalive pass.
var Analyzer = &analysis.Analyzer{
	Name: "keepalive",
	Doc:  doc,
	Run:  run,
}

func run(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	finalized := map[*types.TypeName]ast.Node{} // types with a finalizer or cleanup
	// 1. registrations.
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			fin := cgoast.IsFunc(info, call, "runtime", "SetFinalizer")
			clean := cgoast.IsFunc(info, call, "runtime", "AddCleanup")
			if !fin && !clean {
				return true
			}
			tn := named(info.TypeOf(call.Args[0]))
			if tn == nil || tn.Pkg() != pass.Pkg {
				return true
			}
			if fin {
				if id, ok := cgoast.Unparen(call.Args[1]).(*ast.Ident); ok && id.Name == "nil" {
					return true // clearing a finalizer
				}
			}
			finalized[tn] = call
			obj := cgoast.ObjOf(info, cgoast.RootIdent(call.Args[0]))
			if obj == nil {
				return true
			}
			if fl, ok := cgoast.Unparen(call.Args[1]).(*ast.FuncLit); ok && captures(info, fl, obj) {
				pass.Reportf(call.Args[1].Pos(), "the function registered on %s refers to %s itself: it keeps %s reachable, so it never runs and the C object leaks (M15); use the function's argument instead of capturing %s", obj.Name(), obj.Name(), obj.Name(), obj.Name())
			}
			if clean && len(call.Args) == 3 && refersTo(info, call.Args[2], obj) {
				pass.Reportf(call.Args[2].Pos(), "runtime.AddCleanup's argument refers to %s: the cleanup keeps %s reachable and never runs, the C object leaks (M15); pass the C handle itself (for example %s.handle), not %s or a pointer into it", obj.Name(), obj.Name(), obj.Name(), obj.Name())
			}
			return true
		})
	}
	if len(finalized) == 0 {
		return nil, nil
	}
	// 2. a finalized type owning C memory needs an explicit release.
	for tn, reg := range finalized {
		if !ownsC(tn) {
			continue
		}
		if _, ok := reg.(*ast.CallExpr); ok && cgoast.IsFunc(info, reg.(*ast.CallExpr), "runtime", "SetFinalizer") && !hasRelease(tn) {
			pass.Reportf(reg.Pos(), "%s owns C memory but has no Close method: it is freed only when the GC runs the finalizer, late or never, while C memory the GC does not see keeps growing (M15); add a Close method that frees it (and clears the finalizer)", tn.Name())
		}
	}
	// 3. methods passing a handle field to C without keeping the receiver alive.
	for _, file := range pass.Files {
		if cgoast.InGeneratedFile(pass.Fset, file) {
			continue
		}
		temps := cgoast.CollectTemps(info, file)
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
				continue
			}
			recv := info.Defs[fd.Recv.List[0].Names[0]]
			if recv == nil {
				continue
			}
			if _, ok := finalized[named(recv.Type())]; !ok {
				continue
			}
			checkMethod(pass, temps, fd, recv)
		}
	}
	return nil, nil
}

func checkMethod(pass *analysis.Pass, temps cgoast.Temps, fd *ast.FuncDecl, recv types.Object) {
	info := pass.TypesInfo
	var calls []*ast.CallExpr
	var fields []string
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if fl, ok := n.(*ast.FuncLit); ok && !cgoast.IsCGenerated(fl) {
			return false // a closure runs on its own schedule
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if _, wrap := cgoast.Unparen(call.Fun).(*ast.FuncLit); wrap || cgoast.CFuncName(call) == "" {
			return true
		}
		for _, a := range temps.Args(info, call) {
			if f := handleField(info, a, recv); f != "" {
				calls = append(calls, call)
				fields = append(fields, f)
				break
			}
		}
		return true
	})
	for i, call := range calls {
		end := outerEnd(fd.Body, call)
		used := false
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && n.Pos() >= end && cgoast.ObjOf(info, id) == recv {
				used = true
			}
			return !used
		})
		if !used {
			pass.Reportf(call.Pos(), "%s.%s is passed to C.%s but %s is not used after the call: the GC may collect %s while C runs, and its finalizer frees the C object under the call (M13); add runtime.KeepAlive(%s) after the call", recv.Name(), fields[i], cgoast.CFuncName(call), recv.Name(), recv.Name(), recv.Name())
		}
	}
}

// outerEnd is the end of the statement of body that contains n (a use in
// a later statement comes after the C call has returned).
func outerEnd(body *ast.BlockStmt, n ast.Node) (end token.Pos) {
	end = n.End()
	ast.Inspect(body, func(m ast.Node) bool {
		if m == nil || m.Pos() > n.Pos() || m.End() < n.End() {
			return false
		}
		if _, ok := m.(ast.Stmt); ok {
			if _, block := m.(*ast.BlockStmt); !block {
				if _, ctl := m.(*ast.IfStmt); !ctl {
					end = m.End()
				}
			}
		}
		return true
	})
	return end
}

// handleField returns f when a is recv.f (conversions aside) and f holds a
// C pointer, unsafe.Pointer or uintptr.
func handleField(info *types.Info, a ast.Expr, recv types.Object) string {
	sel, ok := cgoast.StripConv(info, a).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := cgoast.Unparen(sel.X).(*ast.Ident)
	if !ok || cgoast.ObjOf(info, id) != recv {
		return ""
	}
	if isHandle(info.TypeOf(sel)) {
		return sel.Sel.Name
	}
	return ""
}

func isHandle(t types.Type) bool {
	if t == nil {
		return false
	}
	if cgoast.IsCPointer(t) {
		return true
	}
	if b, ok := types.Unalias(t).Underlying().(*types.Basic); ok {
		return b.Kind() == types.UnsafePointer || b.Kind() == types.Uintptr
	}
	return false
}

func named(t types.Type) *types.TypeName {
	if t == nil {
		return nil
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}

func ownsC(tn *types.TypeName) bool {
	st, ok := tn.Type().Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if cgoast.IsCPointer(st.Field(i).Type()) {
			return true
		}
	}
	return false
}

func hasRelease(tn *types.TypeName) bool {
	ms := types.NewMethodSet(types.NewPointer(tn.Type()))
	for _, name := range []string{"Close", "Free", "Release", "Destroy", "Delete"} {
		if ms.Lookup(tn.Pkg(), name) != nil {
			return true
		}
	}
	return false
}

// captures reports whether a function literal refers to obj.
func captures(info *types.Info, fl *ast.FuncLit, obj types.Object) bool {
	found := false
	ast.Inspect(fl.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// refersTo reports whether the cleanup argument keeps obj reachable: obj
// itself, a pointer into it, or a value holding it (h.c, a copy of a
// pointer-free field, does not).
func refersTo(info *types.Info, arg ast.Expr, obj types.Object) bool {
	found := false
	ast.Inspect(arg, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			// obj.f: keeps obj only when the field's value is obj's own memory
			// (an array or struct) taken by address; a loaded pointer does not.
			if id, ok := cgoast.Unparen(x.X).(*ast.Ident); ok && info.Uses[id] == obj {
				return false
			}
		case *ast.UnaryExpr:
			if x.Op == token.AND {
				if cgoast.ObjOf(info, cgoast.RootIdent(x.X)) == obj {
					found = true
				}
			}
		case *ast.Ident:
			if info.Uses[x] == obj {
				found = true
			}
		case *ast.FuncLit:
			if captures(info, x, obj) {
				found = true
			}
			return false
		}
		return !found
	})
	return found
}
