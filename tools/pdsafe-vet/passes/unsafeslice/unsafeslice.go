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

  - unsafe.Slice / unsafe.String, or the older (*[1 << 27]T)(p)[:n:n],
    over C memory that escapes the function (returned or stored): nothing ties the slice to the C owner, which can be
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
	l := newLaunder(pass)
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
					if arrayView(info, temps, defs, s.X) {
						return true
					}
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
						if u := l.laundered(temps, defs, a); u != nil {
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

// laundered returns the uintptr expression a C argument was converted from
// when that uintptr holds the address of memory not known to be C's: it
// was made by uintptr(p) of a pointer p (directly, plus an offset, or
// through a variable). A uintptr that never was a pointer (a size such as
// unsafe.Sizeof(x)*n, a count) converted to C.size_t is no laundering.
func (l *launder) laundered(temps cgoast.Temps, defs cgoast.Defs, a ast.Expr) ast.Expr {
	info := l.info
	e := cgoast.Unparen(temps.Resolve(info, a))
	// Strip conversions down to a conversion from uintptr.
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 || !cgoast.IsConversion(info, call) {
			return nil
		}
		inner := cgoast.Unparen(temps.Resolve(info, call.Args[0]))
		if isUintptr(info.TypeOf(inner)) {
			p := fromPointer(info, defs, inner, 0)
			if p == nil || l.cPointer(temps, defs, p, 0) {
				return nil
			}
			return inner
		}
		e = inner
	}
}

func isUintptr(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uintptr
}

// fromPointer returns p when the uintptr expression e is uintptr(p) of a
// pointer p, an offset from it, or a variable set from one; nil otherwise.
func fromPointer(info *types.Info, defs cgoast.Defs, e ast.Expr, depth int) ast.Expr {
	if depth > 6 {
		return nil
	}
	switch x := cgoast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		if p := fromPointer(info, defs, x.X, depth+1); p != nil {
			return p
		}
		if x.Op == token.ADD {
			return fromPointer(info, defs, x.Y, depth+1)
		}
	case *ast.CallExpr:
		if cgoast.IsConversion(info, x) && len(x.Args) == 1 {
			arg := cgoast.Unparen(x.Args[0])
			t := info.TypeOf(arg)
			if t == nil {
				return nil
			}
			switch u := types.Unalias(t).Underlying().(type) {
			case *types.Pointer:
				return arg
			case *types.Basic:
				if u.Kind() == types.UnsafePointer {
					return arg
				}
				if u.Kind() == types.Uintptr {
					return fromPointer(info, defs, arg, depth+1)
				}
			}
		}
	case *ast.Ident:
		if d, ok := defs[cgoast.ObjOf(info, x)]; ok {
			return fromPointer(info, defs, d, depth+1)
		}
	}
	return nil
}

// launder holds what the uintptr check needs of the whole package: the
// functions declared in it and their call sites, to follow a pointer into
// an unexported function's parameter or out of a function's results.
type launder struct {
	info  *types.Info
	temps map[*ast.File]cgoast.Temps
	decls map[*types.Func]*ast.FuncDecl
	file  map[*types.Func]*ast.File
	calls map[*types.Func][]*ast.CallExpr
	callf map[*ast.CallExpr]*ast.File
	busy  map[types.Object]bool
}

func newLaunder(pass *analysis.Pass) *launder {
	l := &launder{info: pass.TypesInfo, temps: map[*ast.File]cgoast.Temps{},
		decls: map[*types.Func]*ast.FuncDecl{}, file: map[*types.Func]*ast.File{},
		calls: map[*types.Func][]*ast.CallExpr{}, callf: map[*ast.CallExpr]*ast.File{},
		busy: map[types.Object]bool{}}
	for _, f := range pass.Files {
		l.temps[f] = cgoast.CollectTemps(pass.TypesInfo, f)
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := pass.TypesInfo.Defs[x.Name].(*types.Func); ok && x.Body != nil {
					l.decls[fn] = x
					l.file[fn] = f
				}
			case *ast.CallExpr:
				if fn := cgoast.Callee(pass.TypesInfo, x); fn != nil && fn.Pkg() == pass.Pkg {
					l.calls[fn] = append(l.calls[fn], x)
					l.callf[x] = f
				}
			case *ast.Ident: // a function used as a value: its call sites are unknown
				if fn, ok := pass.TypesInfo.Uses[x].(*types.Func); ok && fn.Pkg() == pass.Pkg {
					l.calls[fn] = append(l.calls[fn], nil)
				}
			}
			return true
		})
	}
	// The identifiers of direct calls were counted as value uses too: take
	// one nil away per direct call.
	for fn, cs := range l.calls {
		direct, vals := 0, 0
		for _, c := range cs {
			if c == nil {
				vals++
			} else {
				direct++
			}
		}
		out := cs[:0]
		for _, c := range cs {
			if c != nil {
				out = append(out, c)
			}
		}
		if vals > direct {
			out = append(out, nil)
		}
		l.calls[fn] = out
	}
	return l
}

// cPointer reports whether the pointer expression p holds C memory: C's
// own by Where, the result of a function of the package whose every return
// is C memory, or a parameter of an unexported function whose every caller
// passes C memory.
func (l *launder) cPointer(temps cgoast.Temps, defs cgoast.Defs, p ast.Expr, depth int) bool {
	if depth > 4 {
		return false
	}
	info := l.info
	if cgoast.Where(info, temps, defs, p) == cgoast.CMem {
		return true
	}
	switch x := cgoast.StripConv(info, temps.Resolve(info, p)).(type) {
	case *ast.Ident:
		o := cgoast.ObjOf(info, x)
		if d, ok := defs[o]; ok {
			return l.cPointer(temps, defs, d, depth+1)
		}
		return l.paramFromC(o, depth)
	case *ast.CallExpr:
		fn := cgoast.Callee(info, x)
		d := l.decls[fn]
		if d == nil || l.busy[fn] {
			return false
		}
		l.busy[fn] = true
		defer delete(l.busy, fn)
		ft, fdefs := l.temps[l.file[fn]], cgoast.CollectDefs(info, d.Body)
		returns := 0
		ok := true
		ast.Inspect(d.Body, func(n ast.Node) bool {
			if _, lit := n.(*ast.FuncLit); lit {
				return false
			}
			r, isRet := n.(*ast.ReturnStmt)
			if !isRet || !ok {
				return ok
			}
			if len(r.Results) != 1 {
				ok = false
				return false
			}
			returns++
			ok = l.cPointer(ft, fdefs, r.Results[0], depth+1)
			return ok
		})
		return ok && returns > 0
	}
	return false
}

// paramFromC reports whether o is a parameter of an unexported function of
// the package that is only called directly, each time with C memory.
func (l *launder) paramFromC(o types.Object, depth int) bool {
	v, ok := o.(*types.Var)
	if !ok || l.busy[o] {
		return false
	}
	for fn, d := range l.decls {
		if fn.Exported() || d.Type.Params == nil || !(v.Pos() >= d.Type.Params.Pos() && v.Pos() < d.Type.Params.End()) {
			continue
		}
		idx, i := -1, 0
		for _, f := range d.Type.Params.List {
			for _, n := range f.Names {
				if l.info.Defs[n] == o {
					idx = i
				}
				i++
			}
			if len(f.Names) == 0 {
				i++
			}
		}
		sig := fn.Type().(*types.Signature)
		if idx < 0 || sig.Variadic() && idx == sig.Params().Len()-1 || len(l.calls[fn]) == 0 {
			return false
		}
		l.busy[o] = true
		defer delete(l.busy, o)
		for _, c := range l.calls[fn] {
			if c == nil || idx >= len(c.Args) {
				return false
			}
			f := l.callf[c]
			if !l.cPointer(l.temps[f], cgoast.Defs{}, c.Args[idx], depth+1) {
				return false
			}
		}
		return true
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

// arrayView reports whether x is C memory seen through a pointer to a big
// Go array, the idiom older than unsafe.Slice: (*[1 << 27]T)(p)[:n:n].
func arrayView(info *types.Info, temps cgoast.Temps, defs cgoast.Defs, x ast.Expr) bool {
	x = cgoast.Unparen(x)
	if st, ok := x.(*ast.StarExpr); ok {
		x = cgoast.Unparen(st.X)
	}
	call, ok := x.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || !cgoast.IsConversion(info, call) {
		return false
	}
	p, ok := types.Unalias(info.TypeOf(call)).Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	if _, ok := p.Elem().Underlying().(*types.Array); !ok {
		return false
	}
	return cgoast.Where(info, temps, defs, call.Args[0]) == cgoast.CMem
}
