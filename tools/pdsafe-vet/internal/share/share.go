// Package share finds variables that several goroutines of one function
// capture: used by two go statements, or by one inside a loop when declared
// outside it.
package share

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Shared is one variable and the go statement that makes it shared.
type Shared struct {
	Var  types.Object
	Go   *ast.GoStmt
	Loop bool // inside a loop (else: the second of several go statements)
}

// Find reports the variables accepted by want that several goroutines
// started in body capture or get as arguments.
func Find(info *types.Info, body *ast.BlockStmt, want func(types.Type) bool) []Shared {
	var out []Shared
	count := map[types.Object]int{}
	reported := map[types.Object]bool{}
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		g, ok := n.(*ast.GoStmt)
		if !ok {
			return true
		}
		seen := map[types.Object]bool{}
		ast.Inspect(g.Call, func(m ast.Node) bool {
			id, ok := m.(*ast.Ident)
			if !ok {
				return true
			}
			v, ok := info.Uses[id].(*types.Var)
			if !ok || seen[v] || v.IsField() || !want(v.Type()) || (v.Pos() >= g.Pos() && v.Pos() < g.End()) {
				return true
			}
			seen[v] = true
			count[v]++
			if reported[v] {
				return true
			}
			if inLoop(stack, v.Pos()) {
				reported[v] = true
				out = append(out, Shared{Var: v, Go: g, Loop: true})
			} else if count[v] >= 2 {
				reported[v] = true
				out = append(out, Shared{Var: v, Go: g})
			}
			return true
		})
		return true
	})
	return out
}

// inLoop reports whether a loop on the stack encloses the go statement but
// not the variable's declaration.
func inLoop(stack []ast.Node, decl token.Pos) bool {
	for _, n := range stack {
		var body *ast.BlockStmt
		switch l := n.(type) {
		case *ast.ForStmt:
			body = l.Body
		case *ast.RangeStmt:
			body = l.Body
		default:
			continue
		}
		if decl < n.Pos() || decl >= n.End() {
			return true
		}
		_ = body
	}
	return false
}
