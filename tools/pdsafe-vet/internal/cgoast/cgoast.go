// Package cgoast recognises cgo constructs in both forms an analyzer can
// meet: the source form (C.f(x), *C.T) and the cgo-processed form that
// go/packages and go vet hand to analyzers (_Cfunc_f, _Ctype_T, and the
// wrappers func() { _cgo0 := x; _cgoCheckPointer(_cgo0, nil); _Cfunc_f(_cgo0) }()).
package cgoast

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// Unparen strips parentheses.
func Unparen(e ast.Expr) ast.Expr { return astutil.Unparen(e) }

// CFuncName returns the C function a call calls ("free", "malloc",
// "PD_TensorReshape"), or "" if it is not a call into C.
func CFuncName(call *ast.CallExpr) string {
	switch f := Unparen(call.Fun).(type) {
	case *ast.Ident:
		if n, ok := strings.CutPrefix(f.Name, "_Cfunc_"); ok {
			if n == "_CMalloc" {
				return "malloc"
			}
			return n
		}
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "C" {
			return f.Sel.Name
		}
	case *ast.FuncLit:
		if inner := InnerCall(call); inner != nil {
			return CFuncName(inner)
		}
	}
	return ""
}

// InnerCall returns the _Cfunc_ call inside a cgo wrapper call
// (func() T { _cgo0 := x; ...; return _Cfunc_f(_cgo0) }()), or nil.
func InnerCall(call *ast.CallExpr) *ast.CallExpr {
	fl, ok := Unparen(call.Fun).(*ast.FuncLit)
	if !ok || !IsCGenerated(fl) {
		return nil
	}
	// The wrapper ends with the call itself (return _Cfunc_f(...) or
	// _Cfunc_f(...)); C calls among its temporaries are its arguments'
	// (C.f(C.CString(s)) binds _cgo1 := _Cfunc_CString(s) first).
	if k := len(fl.Body.List); k > 0 {
		var last ast.Expr
		switch st := fl.Body.List[k-1].(type) {
		case *ast.ReturnStmt:
			if len(st.Results) == 1 {
				last = st.Results[0]
			}
		case *ast.ExprStmt:
			last = st.X
		}
		if c, ok := Unparen(last).(*ast.CallExpr); ok {
			if id, ok := Unparen(c.Fun).(*ast.Ident); ok && strings.HasPrefix(id.Name, "_Cfunc_") {
				return c
			}
			if _, ok := Unparen(c.Fun).(*ast.FuncLit); ok {
				if in := InnerCall(c); in != nil {
					return in
				}
			}
		}
	}
	var inner *ast.CallExpr
	ast.Inspect(fl.Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && inner == nil {
			if id, ok := Unparen(c.Fun).(*ast.Ident); ok && strings.HasPrefix(id.Name, "_Cfunc_") {
				inner = c
			}
		}
		return inner == nil
	})
	return inner
}

// IsGenerated reports whether an identifier is one cgo made up.
func IsGenerated(name string) bool {
	return strings.HasPrefix(name, "_cgo") || strings.HasPrefix(name, "_Cfunc_") ||
		strings.HasPrefix(name, "_Cgo_") || strings.HasPrefix(name, "_Ctype_")
}

// IsCType reports whether t is a C type (C.T, named _Ctype_... after cgo).
func IsCType(t types.Type) bool {
	for {
		a, ok := t.(*types.Alias)
		if !ok {
			break
		}
		if strings.HasPrefix(a.Obj().Name(), "_Ctype_") {
			return true
		}
		t = types.Unalias(a)
	}
	if n, ok := t.(*types.Named); ok {
		return strings.HasPrefix(n.Obj().Name(), "_Ctype_")
	}
	return false
}

// IsCPointer reports whether t is a pointer to a C type.
func IsCPointer(t types.Type) bool {
	if t == nil {
		return false
	}
	p, ok := types.Unalias(t).Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	if IsCType(p.Elem()) {
		return true
	}
	// C pointers typedef'd in C (typedef struct x *x_ptr) are named C types
	// whose underlying type is a pointer.
	return IsCType(t)
}

// IsOpaqueCPointer reports whether t points to an incomplete C type (a
// struct C declares but does not define, such as ZSTD_CCtx): cgo defines it
// as runtime/cgo.Incomplete, a not-in-heap struct Go cannot allocate, so such
// a pointer can only hold C memory.
func IsOpaqueCPointer(t types.Type) bool {
	if t == nil {
		return false
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
		n, ok := types.Unalias(st.Field(i).Type()).(*types.Named)
		if !ok || n.Obj().Pkg() == nil {
			continue
		}
		switch path := n.Obj().Pkg().Path(); {
		case n.Obj().Name() == "Incomplete" && path == "runtime/cgo",
			n.Obj().Name() == "NotInHeap" && (path == "internal/runtime/sys" || path == "runtime/internal/sys"):
			return true
		}
	}
	return false
}

// CTypeName is the C spelling of a C type ("PD_Predictor") or "".
func CTypeName(t types.Type) string {
	for t != nil {
		if a, ok := t.(*types.Alias); ok {
			if n, ok := strings.CutPrefix(a.Obj().Name(), "_Ctype_"); ok {
				return strings.TrimPrefix(n, "struct_")
			}
			t = a.Rhs()
			continue
		}
		if n, ok := t.(*types.Named); ok {
			if s, ok := strings.CutPrefix(n.Obj().Name(), "_Ctype_"); ok {
				return strings.TrimPrefix(s, "struct_")
			}
		}
		return ""
	}
	return ""
}

// Temps maps cgo's temporaries (_cgo0, _cgoIndex0, _cgoBase0) to the
// expressions they were bound to, for one file.
type Temps map[types.Object]ast.Expr

// CollectTemps finds the temporaries of the cgo wrappers under root.
func CollectTemps(info *types.Info, root ast.Node) Temps {
	m := Temps{}
	ast.Inspect(root, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == len(vs.Values) {
			for i, id := range vs.Names { // var _cgo1 _Ctype_size_t = x
				if strings.HasPrefix(id.Name, "_cgo") {
					if obj := info.Defs[id]; obj != nil {
						m[obj] = vs.Values[i]
					}
				}
			}
			return true
		}
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok || !strings.HasPrefix(id.Name, "_cgo") {
				continue
			}
			if obj := info.Defs[id]; obj != nil {
				m[obj] = as.Rhs[i]
			}
		}
		return true
	})
	return m
}

// Resolve replaces a cgo temporary by its bound expression, and strips
// parentheses and dereferences of _cgoIndex temporaries (*_cgoIndex0 is x
// when _cgoIndex0 := &x).
func (t Temps) Resolve(info *types.Info, e ast.Expr) ast.Expr {
	for i := 0; i < 8; i++ {
		e = Unparen(e)
		switch x := e.(type) {
		case *ast.Ident:
			if b, ok := t[info.Uses[x]]; ok {
				e = b
				continue
			}
		case *ast.StarExpr:
			if id, ok := Unparen(x.X).(*ast.Ident); ok {
				if b, ok := t[info.Uses[id]]; ok {
					if u, ok := Unparen(b).(*ast.UnaryExpr); ok && u.Op == token.AND {
						e = u.X
						continue
					}
				}
			}
		}
		return e
	}
	return e
}

// Args returns the arguments of a C call with cgo's temporaries resolved.
func (t Temps) Args(info *types.Info, call *ast.CallExpr) []ast.Expr {
	out := make([]ast.Expr, len(call.Args))
	for i, a := range call.Args {
		out[i] = t.Resolve(info, a)
	}
	return out
}

// Mentions reports whether e refers to obj, following cgo temporaries.
func (t Temps) Mentions(info *types.Info, e ast.Node, obj types.Object) bool {
	found := false
	seen := map[types.Object]bool{}
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if found {
				return false
			}
			if id, ok := n.(*ast.Ident); ok {
				o := info.Uses[id]
				if o == nil {
					o = info.Defs[id]
				}
				if o == obj && o != nil {
					found = true
					return false
				}
				if b, ok := t[o]; ok && !seen[o] {
					seen[o] = true
					walk(b)
				}
			}
			return true
		})
	}
	walk(e)
	return found
}

// StripConv removes conversions (unsafe.Pointer(x), (*C.char)(x),
// uintptr(x) excepted when keepUintptr) and parentheses.
func StripConv(info *types.Info, e ast.Expr) ast.Expr {
	for {
		e = Unparen(e)
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return e
		}
		tv, ok := info.Types[call.Fun]
		if !ok || !tv.IsType() {
			return e
		}
		if b, ok := types.Unalias(tv.Type).(*types.Basic); ok && b.Kind() == types.Uintptr {
			return e
		}
		e = call.Args[0]
	}
}

// IsConversion reports whether call converts a value to a type.
func IsConversion(info *types.Info, call *ast.CallExpr) bool {
	tv, ok := info.Types[call.Fun]
	return ok && tv.IsType()
}

// Callee returns the function or method a Go call calls statically.
func Callee(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr: // generic instantiation f[T](x)
		switch g := Unparen(f.X).(type) {
		case *ast.Ident:
			id = g
		case *ast.SelectorExpr:
			id = g.Sel
		}
	case *ast.IndexListExpr:
		switch g := Unparen(f.X).(type) {
		case *ast.Ident:
			id = g
		case *ast.SelectorExpr:
			id = g.Sel
		}
	}
	if id == nil {
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

// IsFunc reports whether call calls pkgPath.name (a package-level function).
func IsFunc(info *types.Info, call *ast.CallExpr, pkgPath, name string) bool {
	if sel, ok := Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if b, ok := info.Uses[sel.Sel].(*types.Builtin); ok { // unsafe.Slice and friends
			return b.Name() == name && b.Pkg() != nil && b.Pkg().Path() == pkgPath
		}
	}
	fn := Callee(info, call)
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == pkgPath && fn.Name() == name
}

// RootIdent returns the variable at the root of x, x.f, x[i], &x, *x.
func RootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := Unparen(e).(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.UnaryExpr:
			if x.Op != token.AND {
				return nil
			}
			e = x.X
		default:
			return nil
		}
	}
}

// RootObj is the variable at the root of e, conversions and cgo's
// temporaries seen through.
func (t Temps) RootObj(info *types.Info, e ast.Expr) types.Object {
	for i := 0; i < 8; i++ {
		x := StripConv(info, t.Resolve(info, e))
		if call, ok := x.(*ast.CallExpr); ok && len(call.Args) > 0 &&
			(IsFunc(info, call, "unsafe", "SliceData") || IsFunc(info, call, "unsafe", "StringData")) {
			x = call.Args[0]
		}
		id := RootIdent(x)
		if id == nil {
			return nil
		}
		o := ObjOf(info, id)
		if b, ok := t[o]; ok {
			e = b
			continue
		}
		return o
	}
	return nil
}

// ObjOf returns the object an identifier uses or defines.
func ObjOf(info *types.Info, id *ast.Ident) types.Object {
	if id == nil {
		return nil
	}
	if o := info.Uses[id]; o != nil {
		return o
	}
	return info.Defs[id]
}

// IsLocal reports whether v is a variable declared inside fn (parameters
// included).
func IsLocal(v types.Object, fn ast.Node) bool {
	if _, ok := v.(*types.Var); !ok || fn == nil {
		return false
	}
	return v.Pos() >= fn.Pos() && v.Pos() < fn.End()
}

// IsCGenerated reports whether a function literal is a cgo wrapper: every
// statement binds a _cgo temporary, calls _cgoCheckPointer or a _Cfunc_, or
// returns such a call or another wrapper.
func IsCGenerated(fl *ast.FuncLit) bool {
	if len(fl.Body.List) == 0 {
		return false
	}
	genCall := func(e ast.Expr) bool {
		e = Unparen(e)
		if c, ok := e.(*ast.CallExpr); ok {
			if id, ok := Unparen(c.Fun).(*ast.Ident); ok {
				return strings.HasPrefix(id.Name, "_cgo") || strings.HasPrefix(id.Name, "_Cfunc_")
			}
			if f, ok := Unparen(c.Fun).(*ast.FuncLit); ok {
				return IsCGenerated(f)
			}
		}
		if f, ok := e.(*ast.FuncLit); ok {
			return IsCGenerated(f)
		}
		return false
	}
	for _, st := range fl.Body.List {
		switch s := st.(type) {
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); !ok || !strings.HasPrefix(id.Name, "_cgo") {
					return false
				}
			}
		case *ast.DeclStmt:
			gd, ok := s.Decl.(*ast.GenDecl)
			if !ok {
				return false
			}
			for _, sp := range gd.Specs {
				vs, ok := sp.(*ast.ValueSpec)
				if !ok {
					return false
				}
				for _, id := range vs.Names {
					if !strings.HasPrefix(id.Name, "_cgo") {
						return false
					}
				}
			}
		case *ast.ExprStmt:
			if !genCall(s.X) {
				return false
			}
		case *ast.ReturnStmt:
			for _, r := range s.Results {
				if !genCall(r) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// FuncBodies calls f for every function declaration and function literal of
// the file that is not a cgo wrapper.
func FuncBodies(file *ast.File, f func(fn ast.Node, body *ast.BlockStmt)) {
	ast.Inspect(file, func(n ast.Node) bool {
		switch d := n.(type) {
		case *ast.FuncDecl:
			if d.Body != nil && !strings.HasPrefix(d.Name.Name, "_") {
				f(d, d.Body)
			}
		case *ast.FuncLit:
			if !IsCGenerated(d) {
				f(d, d.Body)
			}
		}
		return true
	})
}

// InGeneratedFile reports whether pos lies in cgo's own _cgo_gotypes.go.
func InGeneratedFile(fset *token.FileSet, file *ast.File) bool {
	name := fset.File(file.Pos()).Name()
	return strings.HasSuffix(name, "_cgo_gotypes.go") || strings.HasSuffix(name, "_cgo_import.go")
}
