package paddlecapi_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/pdsafe/pdsafe/tools/pdsafe-vet/passes/paddlecapi"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), paddlecapi.Analyzer, "a")
}
