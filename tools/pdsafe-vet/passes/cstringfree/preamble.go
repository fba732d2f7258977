package cstringfree

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// preambleOwners returns the C functions defined in the package's cgo
// preambles that take ownership of a pointer parameter: their body frees
// it (free(p)) or hands it to another call together with free as its
// destructor (sqlite3_result_text(ctx, p, n, &free), the SQLite and GLib
// idiom). They count as listed in -cstringfree.owners. Only bodies the
// package itself defines are read; a declaration says nothing.
func preambleOwners(pass *analysis.Pass) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	for _, f := range pass.Files {
		// cgo-processed files carry //line directives back to the source,
		// whose import "C" comment is the preamble.
		name := pass.Fset.PositionFor(f.Package, true).Filename
		if name == "" || seen[name] || !strings.HasSuffix(name, ".go") {
			continue
		}
		seen[name] = true
		src, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for fn := range ownersIn(preamble(name, src)) {
			out["C."+fn] = true
		}
	}
	return out
}

// preamble is the comment above import "C" in a Go source file.
func preamble(name string, src []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, sp := range gd.Specs {
			is := sp.(*ast.ImportSpec)
			if is.Path.Value != `"C"` {
				continue
			}
			doc := is.Doc
			if doc == nil {
				doc = gd.Doc
			}
			if doc != nil {
				b.WriteString(doc.Text())
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

var (
	cFuncHead = regexp.MustCompile(`(?m)\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*\{`)
	cIdent    = regexp.MustCompile(`[A-Za-z_]\w*`)
	cCall     = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*\(`)
)

// ownersIn finds, in C source text, the functions whose body frees a
// pointer parameter or passes it to a call that also gets free.
func ownersIn(src string) map[string]bool {
	out := map[string]bool{}
	for _, m := range cFuncHead.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		switch name {
		case "if", "while", "for", "switch", "return", "sizeof":
			continue
		}
		body := braced(src[m[1]-1:])
		var params []string
		for _, p := range strings.Split(src[m[4]:m[5]], ",") {
			if !strings.Contains(p, "*") {
				continue // only pointers can be owned
			}
			if ids := cIdent.FindAllString(p, -1); len(ids) > 0 {
				params = append(params, ids[len(ids)-1])
			}
		}
		for _, p := range params {
			if takes(body, p) {
				out[name] = true
			}
		}
	}
	return out
}

// takes reports whether body frees p or passes p and free to one call.
func takes(body, p string) bool {
	for _, m := range cCall.FindAllStringSubmatchIndex(body, -1) {
		args := splitArgs(braced2(body[m[1]-1:]))
		hasP, hasFree := false, false
		for _, a := range args {
			a = strings.TrimSpace(a)
			a = strings.TrimPrefix(a, "(void *)")
			a = strings.TrimSpace(strings.TrimPrefix(a, "(char *)"))
			switch a {
			case p:
				hasP = true
			case "free", "&free", "g_free", "&g_free":
				hasFree = true
			}
		}
		callee := body[m[2]:m[3]]
		if (callee == "free" || callee == "g_free") && hasP {
			return true
		}
		if hasP && hasFree {
			return true
		}
	}
	return false
}

// braced returns the text between s's first '{' and its matching '}'.
func braced(s string) string { return matched(s, '{', '}') }

// braced2 returns the text between s's first '(' and its matching ')'.
func braced2(s string) string { return matched(s, '(', ')') }

func matched(s string, open, close byte) string {
	start := strings.IndexByte(s, open)
	if start < 0 {
		return ""
	}
	depth := 0
	for i := start; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return s[start+1 : i]
			}
		}
	}
	return ""
}

// splitArgs splits a call's argument text at top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}
