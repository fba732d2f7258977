package unsafeslice_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/unsafeslice"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unsafeslice.Analyzer, "a")
}
