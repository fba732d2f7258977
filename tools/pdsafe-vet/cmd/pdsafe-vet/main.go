// Command pdsafe-vet runs pdsafe's cgo lifetime analyzers.
//
//	pdsafe-vet ./...                                   # standalone
//	go vet -vettool=$(command -v pdsafe-vet) ./...     # under go vet
//
// Flags: -cstringfree.owners=pkg.Func,C.func (callees that take ownership of
// C memory), -cgopointer.retainers=cfunc,... (C functions that keep a
// pointer argument); -NAME=false turns an analyzer off.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/cgopointer"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/cstringfree"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/keepalive"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/paddlecapi"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/pdsafeobj"
	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/unsafeslice"
)

func main() {
	// multichecker behaves as a unitchecker when go vet runs it with a .cfg file.
	multichecker.Main(
		cstringfree.Analyzer,
		cgopointer.Analyzer,
		keepalive.Analyzer,
		unsafeslice.Analyzer,
		paddlecapi.Analyzer,
		pdsafeobj.Analyzer,
	)
}
