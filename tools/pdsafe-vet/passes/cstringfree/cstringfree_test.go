package cstringfree_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/cstringfree"
)

func Test(t *testing.T) {
	if err := cstringfree.Analyzer.Flags.Set("owners", "C.adopt"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, analysistest.TestData(), cstringfree.Analyzer, "a")
}
