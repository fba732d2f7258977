package cgoast

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Mem says where a pointer value points.
type Mem int

const (
	Unknown Mem = iota
	GoMem       // Go memory (the garbage collector owns it)
	CMem        // C memory (from C, or reached through a C pointer)
)

// Defs maps the local variables of a function to the expressions last
// assigned to them (enough to follow p := C.malloc(n) or q := &x[0]).
type Defs map[types.Object]ast.Expr

// CollectDefs records single assignments and definitions under body.
func CollectDefs(info *types.Info, body ast.Node) Defs {
	d := Defs{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			if len(s.Lhs) == len(s.Rhs) {
				for i, l := range s.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						if o := ObjOf(info, id); o != nil {
							d[o] = s.Rhs[i]
						}
					}
				}
			}
		case *ast.ValueSpec:
			if len(s.Names) == len(s.Values) {
				for i, id := range s.Names {
					if o := info.Defs[id]; o != nil {
						d[o] = s.Values[i]
					}
				}
			}
		}
		return true
	})
	return d
}

// Where tells whether e points into Go or C memory, as far as the function
// shows.
func Where(info *types.Info, temps Temps, defs Defs, e ast.Expr) Mem {
	return where(info, temps, defs, e, 0)
}

func where(info *types.Info, temps Temps, defs Defs, e ast.Expr, depth int) Mem {
	if depth > 8 || e == nil {
		return Unknown
	}
	e = StripConv(info, temps.Resolve(info, e))
	if IsOpaqueCPointer(info.TypeOf(e)) {
		return CMem // Go cannot allocate an incomplete C type
	}
	switch x := e.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			if _, ok := Unparen(x.X).(*ast.CompositeLit); ok {
				return GoMem
			}
			return base(info, temps, defs, x.X, depth)
		}
	case *ast.CallExpr:
		if CFuncName(x) != "" {
			return CMem
		}
		if IsFunc(info, x, "unsafe", "SliceData") || IsFunc(info, x, "unsafe", "StringData") {
			return where(info, temps, defs, x.Args[0], depth+1)
		}
		if IsFunc(info, x, "unsafe", "Slice") || IsFunc(info, x, "unsafe", "String") {
			return where(info, temps, defs, x.Args[0], depth+1)
		}
		if id, ok := Unparen(x.Fun).(*ast.Ident); ok && (id.Name == "new" || id.Name == "make") {
			return GoMem
		}
		if id, ok := Unparen(x.Fun).(*ast.Ident); ok && id.Name == "append" {
			return GoMem
		}
	case *ast.SliceExpr:
		return where(info, temps, defs, x.X, depth+1)
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			return Unknown // static data
		}
	case *ast.Ident:
		if d, ok := defs[ObjOf(info, x)]; ok {
			return where(info, temps, defs, d, depth+1)
		}
		// A *C.T parameter may point into Go memory (a C struct declared in
		// Go): its origin is unknown here.
		if t := info.TypeOf(e); t != nil && !IsCPointer(t) && isRef(t) {
			return GoMem
		}
	case *ast.SelectorExpr, *ast.IndexExpr:
		t := info.TypeOf(e)
		if t != nil && IsCPointer(t) {
			return CMem // a C pointer loaded from memory: C's own
		}
		if t != nil && isRef(t) {
			return GoMem
		}
	}
	return Unknown
}

func isRef(t types.Type) bool {
	switch types.Unalias(t).Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan:
		return true
	}
	return false
}

// base tells where the variable or element x (of &x) lives.
func base(info *types.Info, temps Temps, defs Defs, x ast.Expr, depth int) Mem {
	x = temps.Resolve(info, x)
	switch v := Unparen(x).(type) {
	case *ast.Ident:
		return GoMem // a Go variable, even of a C type
	case *ast.SelectorExpr:
		if sel := info.Selections[v]; sel != nil && sel.Indirect() {
			return where(info, temps, defs, v.X, depth+1)
		}
		return base(info, temps, defs, v.X, depth+1)
	case *ast.IndexExpr:
		t := info.TypeOf(v.X)
		if t != nil {
			if _, ok := types.Unalias(t).Underlying().(*types.Array); ok {
				return base(info, temps, defs, v.X, depth+1)
			}
		}
		return where(info, temps, defs, v.X, depth+1)
	case *ast.StarExpr:
		return where(info, temps, defs, v.X, depth+1)
	}
	return Unknown
}

// HasGoPointers reports whether values of t hold Go pointers (C pointers and
// unsafe.Pointer, whose target the type does not tell, aside).
func HasGoPointers(t types.Type) bool { return hasPtr(t, map[types.Type]bool{}) }

func hasPtr(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	if IsCType(t) {
		return false
	}
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		return typeSetHasPtr(tp, seen)
	}
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Pointer:
		return !IsCPointerChain(u)
	case *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return true
	case *types.Basic:
		return u.Kind() == types.String
	case *types.Array:
		return hasPtr(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if hasPtr(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// Pinned reports whether body pins (runtime.Pinner.Pin) something rooted at
// the variable obj.
func Pinned(info *types.Info, body ast.Node, obj types.Object) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		fn := Callee(info, call)
		if fn == nil || fn.Name() != "Pin" || fn.Pkg() == nil || fn.Pkg().Path() != "runtime" {
			return true
		}
		if obj == nil {
			found = true
			return false
		}
		for _, a := range call.Args {
			ast.Inspect(a, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && ObjOf(info, id) == obj {
					found = true
				}
				return !found
			})
		}
		return !found
	})
	return found
}

// IsCPointerChain reports whether t is a pointer to a C type, or a pointer
// to such a pointer (**C.char, ***C.OrtValue): its static type says it
// points to C's kind of memory, which holds no Go pointers. Whether a given
// variable of that type actually holds a Go address is a question for
// Where, not for the type.
func IsCPointerChain(t types.Type) bool {
	for i := 0; i < 8 && t != nil; i++ {
		if IsCType(t) {
			return true
		}
		p, ok := types.Unalias(t).Underlying().(*types.Pointer)
		if !ok {
			return false
		}
		t = p.Elem()
	}
	return false
}

// typeSetHasPtr reports whether some type in a type parameter's type set
// may hold Go pointers. The type set is the intersection of the
// constraint's embedded elements, so one element whose terms are all
// pointer-free (~int | ~float32 ...) makes the whole set pointer-free; a
// constraint with methods only (any, fmt.Stringer) allows every type.
func typeSetHasPtr(tp *types.TypeParam, seen map[types.Type]bool) bool {
	iface, ok := tp.Constraint().Underlying().(*types.Interface)
	if !ok {
		return true
	}
	return !ifaceFlat(iface, seen)
}

// ifaceFlat reports whether every type an interface's type set allows is
// pointer-free (false when it allows any type).
func ifaceFlat(iface *types.Interface, seen map[types.Type]bool) bool {
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		if elemFlat(iface.EmbeddedType(i), seen) {
			return true
		}
	}
	return false
}

func elemFlat(e types.Type, seen map[types.Type]bool) bool {
	switch u := types.Unalias(e).(type) {
	case *types.Union:
		for i := 0; i < u.Len(); i++ {
			if !elemFlat(u.Term(i).Type(), seen) {
				return false
			}
		}
		return u.Len() > 0
	case *types.TypeParam:
		return !typeSetHasPtr(u, seen)
	}
	if iface, ok := types.Unalias(e).Underlying().(*types.Interface); ok {
		return ifaceFlat(iface, seen)
	}
	return !hasPtr(e, map[types.Type]bool{})
}
