// Package keepalive reports wrappers of C objects that a finalizer or
// cleanup can free while their own C call is still running, and cleanups
// that can never run.
package keepalive

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/cfg"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/cgoast"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/internal/flow"
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
    it, late or never (M15). Not for a type kept in a sync.Pool, which drops
    its values silently: there the finalizer is the only release.`

// Analyzer is the keepalive pass.
var Analyzer = &analysis.Analyzer{
	Name:     "keepalive",
	Doc:      doc,
	Requires: []*analysis.Analyzer{ctrlflow.Analyzer},
	Run:      run,
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
	// 2. a finalized type owning C memory needs an explicit release, unless
	// the package keeps its values in a sync.Pool: the pool drops them
	// silently at a GC, so the finalizer is the only release there can be.
	pooled := pooledTypes(pass)
	for tn, reg := range finalized {
		if !ownsC(tn) || pooled[tn] {
			continue
		}
		if _, ok := reg.(*ast.CallExpr); ok && cgoast.IsFunc(info, reg.(*ast.CallExpr), "runtime", "SetFinalizer") && !hasRelease(tn) {
			pass.Reportf(reg.Pos(), "%s owns C memory but has no Close method: it is freed only when the GC runs the finalizer, late or never, while C memory the GC does not see keeps growing (M15); add a Close method that frees it (and clears the finalizer)", tn.Name())
		}
	}
	// 3. methods passing a handle field to C without keeping the receiver alive.
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
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
			if g := cfgs.FuncDecl(fd); g != nil {
				checkMethod(pass, temps, g, fd, recv)
			}
		}
	}
	return nil, nil
}

func checkMethod(pass *analysis.Pass, temps cgoast.Temps, g *cfg.CFG, fd *ast.FuncDecl, recv types.Object) {
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
	if len(calls) == 0 {
		return
	}
	escapes, defers := keepers(info, fd.Body, recv)
	for i, call := range calls {
		if liveAfter(info, g, call, recv, escapes, defers) {
			continue
		}
		pass.Reportf(call.Pos(), "%s.%s is passed to C.%s but %s is not used after the call: the GC may collect %s while C runs, and its finalizer frees the C object under the call (M13); add runtime.KeepAlive(%s) after the call", recv.Name(), fields[i], cgoast.CFuncName(call), recv.Name(), recv.Name(), recv.Name())
	}
}

// keepers returns the places where the receiver escapes whole (passed to a
// Go function, stored, put in a composite value, sent, captured by a
// closure: something else may keep it reachable) and the defer statements
// that refer to it (the deferred call keeps it alive to the function's
// exit).
func keepers(info *types.Info, body *ast.BlockStmt, recv types.Object) (escapes []ast.Node, defers []*ast.DeferStmt) {
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if d, ok := n.(*ast.DeferStmt); ok && mentions(info, d, recv) {
			defers = append(defers, d)
		}
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == recv && len(stack) > 0 {
			if e := escapeAt(info, stack, id); e != nil {
				escapes = append(escapes, e)
			}
		}
		stack = append(stack, n)
		return true
	})
	return escapes, defers
}

// escapeAt returns the node through which the use id of the receiver lets
// it escape whole, or nil (id.f, id.m(), comparisons keep nothing).
func escapeAt(info *types.Info, stack []ast.Node, id *ast.Ident) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		if fl, ok := stack[i].(*ast.FuncLit); ok && !cgoast.IsCGenerated(fl) {
			return fl // captured by a closure
		}
	}
	var child ast.Node = id
	for i := len(stack) - 1; i >= 0; i-- {
		switch p := stack[i].(type) {
		case *ast.ParenExpr:
			child = p
			continue
		case *ast.CallExpr:
			if cgoast.IsConversion(info, p) {
				child = p
				continue
			}
			for _, a := range p.Args {
				if a == child {
					if cgoast.CFuncName(p) != "" || cgoast.IsFunc(info, p, "runtime", "KeepAlive") {
						return nil
					}
					return p
				}
			}
		case *ast.AssignStmt:
			for _, r := range p.Rhs {
				if r != child {
					continue
				}
				for _, l := range p.Lhs {
					if lid, ok := l.(*ast.Ident); ok && strings.HasPrefix(lid.Name, "_cgo") {
						return nil // cgo's own temporary for a C argument
					}
				}
				return p
			}
		case *ast.ValueSpec:
			for _, v := range p.Values {
				if v == child {
					return p
				}
			}
		case *ast.CompositeLit, *ast.SendStmt, *ast.GoStmt:
			return p
		case *ast.KeyValueExpr:
			if p.Value == child {
				child = p
				continue
			}
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				child = p
				continue
			}
		}
		return nil
	}
	return nil
}

func mentions(info *types.Info, n ast.Node, obj types.Object) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok && info.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// liveAfter reports whether the receiver stays reachable while the C call
// runs, as the compiler's liveness sees it: some path from the call's
// statement uses the receiver (or loops back to the call, which uses it
// again); or a defer that refers to it, or a place where it escapes whole,
// comes before the call or lies inside its arguments.
func liveAfter(info *types.Info, g *cfg.CFG, call *ast.CallExpr, recv types.Object, escapes []ast.Node, defers []*ast.DeferStmt) bool {
	b, i := flow.Locate(g, call.Pos())
	if b == nil {
		return true // dead code
	}
	for _, e := range escapes {
		// In the call's own statement (its arguments, which cgo binds to
		// temporaries just before the call) or on a path to it.
		if eb, ei := flow.Locate(g, e.Pos()); eb != nil && (eb == b && ei == i && e.Pos() < call.End() || reaches(eb, ei, b, i)) {
			return true
		}
	}
	for _, d := range defers {
		if db, di := flow.Locate(g, d.Pos()); db != nil && reaches(db, di, b, i) {
			return true
		}
	}
	used := false
	flow.Walk(b, i, func(n ast.Node) flow.Action {
		for _, p := range flow.Parts(n) {
			if mentions(info, p, recv) {
				used = true
				return flow.Stop
			}
		}
		return flow.Continue
	}, nil, func(_ *cfg.Block, again bool) {
		if again {
			used = true
		}
	})
	return used
}

// reaches reports whether node (tb, ti) can run after node (fb, fi).
func reaches(fb *cfg.Block, fi int, tb *cfg.Block, ti int) bool {
	if fb == tb && fi < ti {
		return true
	}
	seen := map[*cfg.Block]bool{}
	work := append([]*cfg.Block(nil), fb.Succs...)
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		if b == tb {
			return true
		}
		work = append(work, b.Succs...)
	}
	return false
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

// pooledTypes lists the package's types whose values it puts into a
// sync.Pool or takes out of one (pool.Get().(*T)).
func pooledTypes(pass *analysis.Pass) map[*types.TypeName]bool {
	info := pass.TypesInfo
	pooled := map[*types.TypeName]bool{}
	for _, file := range pass.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if poolMethod(info, x, "Put") && len(x.Args) == 1 {
					if tn := named(info.TypeOf(cgoast.StripConv(info, x.Args[0]))); tn != nil {
						pooled[tn] = true
					}
				}
			case *ast.TypeAssertExpr:
				if call, ok := cgoast.Unparen(x.X).(*ast.CallExpr); ok && x.Type != nil && poolMethod(info, call, "Get") {
					if tn := named(info.TypeOf(x.Type)); tn != nil {
						pooled[tn] = true
					}
				}
			}
			return true
		})
	}
	return pooled
}

// poolMethod reports whether call calls the method name of sync.Pool.
func poolMethod(info *types.Info, call *ast.CallExpr, name string) bool {
	sel, ok := cgoast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv()
	return recv != nil && named(recv.Type()) != nil && named(recv.Type()).Name() == "Pool"
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
