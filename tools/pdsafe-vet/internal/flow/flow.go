// Package flow walks the control-flow graph of a function (go/cfg, as built
// by the ctrlflow pass) forward from one of its nodes.
package flow

import (
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/cfg"
)

// Parts is what a CFG node itself evaluates: a range statement stands for
// its key, value and range expression, not its body.
func Parts(n ast.Node) []ast.Node {
	if r, ok := n.(*ast.RangeStmt); ok {
		var out []ast.Node
		for _, e := range []ast.Expr{r.Key, r.Value, r.X} {
			if e != nil {
				out = append(out, e)
			}
		}
		return out
	}
	return []ast.Node{n}
}

// Locate returns the block and index of the smallest CFG node that contains
// pos.
func Locate(g *cfg.CFG, pos token.Pos) (*cfg.Block, int) {
	var best *cfg.Block
	bi := -1
	var size token.Pos
	for _, b := range g.Blocks {
		if !b.Live {
			continue
		}
		for i, n := range b.Nodes {
			for _, p := range Parts(n) {
				if p.Pos() <= pos && pos < p.End() {
					if best == nil || p.End()-p.Pos() < size {
						best, bi, size = b, i, p.End()-p.Pos()
					}
				}
			}
		}
	}
	return best, bi
}

// Action tells Walk what to do after a node.
type Action int

const (
	Continue Action = iota // go on along this path
	Stop                   // this path is done
)

// Walk visits the nodes that follow (b, i) on every path, each node once.
// visit decides whether a path goes on; follow (may be nil) whether the
// edge from a block to its succ'th successor is taken; exit is called for
// each block without successors reached without a Stop, and at most once
// for the start node reached again (again=true) through a loop.
func Walk(b *cfg.Block, i int, visit func(n ast.Node) Action,
	follow func(from *cfg.Block, succ int) bool, exit func(last *cfg.Block, again bool)) {
	start, startIdx := b, i
	seen := map[*cfg.Block]bool{}
	var walk func(b *cfg.Block, from int)
	walk = func(b *cfg.Block, from int) {
		for j := from; j < len(b.Nodes); j++ {
			if b == start && j == startIdx && from == 0 {
				exit(b, true)
				return
			}
			if visit(b.Nodes[j]) == Stop {
				return
			}
		}
		if len(b.Succs) == 0 {
			exit(b, false)
			return
		}
		for k, s := range b.Succs {
			if follow != nil && !follow(b, k) {
				continue
			}
			if seen[s] {
				continue
			}
			seen[s] = true
			walk(s, 0)
		}
	}
	walk(b, i+1)
}

// EndsInPanic reports whether a block without successors ends in a call that
// does not return (panic, log.Fatal, os.Exit, t.Fatal...), as opposed to a
// return.
func EndsInPanic(b *cfg.Block) bool {
	if len(b.Nodes) == 0 {
		return false
	}
	es, ok := b.Nodes[len(b.Nodes)-1].(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name == "panic"
	case *ast.SelectorExpr:
		switch f.Sel.Name {
		case "Fatal", "Fatalf", "Fatalln", "Exit", "Panic", "Panicf", "Panicln", "FailNow", "Skip", "Skipf", "SkipNow":
			return true
		}
	}
	return false
}
