package keepalive_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/keepalive"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), keepalive.Analyzer, "a")
}
