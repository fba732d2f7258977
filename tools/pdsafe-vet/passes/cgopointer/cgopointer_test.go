package cgopointer_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/cgopointer"
)

func Test(t *testing.T) {
	if err := cgopointer.Analyzer.Flags.Set("retainers", "keep"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, analysistest.TestData(), cgopointer.Analyzer, "a")
}
