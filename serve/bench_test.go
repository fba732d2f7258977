package serve

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// BenchmarkServerOverhead measures what the server adds to a run, without
// the network: one op_math request (1x4x6 FP32 in, seven outputs) through
// the REST handler with the binary tensor extension, against the same run
// through the version's own Pool.Run in the same benchmark. The difference
// of the two ns/op is the server's CPU and hand-off cost per request (body
// decoding, admission, the run's scheduling, response encoding); the
// loopback round trip is not in it. Compare commits with benchstat:
//
//	go test -run '^$' -bench ServerOverhead -count 10 ./serve
func BenchmarkServerOverhead(b *testing.B) {
	ts := mathServer(b, mathConfig, Options{})
	in, _ := mathCase(b, 0)
	body, hdrLen := binaryInfer("x", in, true)
	h := ts.s.Handler()
	b.Run("Pool.Run", func(b *testing.B) {
		v, release, err := ts.s.repo.acquire("math", "2")
		if err != nil {
			b.Fatal(err)
		}
		defer release()
		x, err := pdsafe.NewTensor(in.shape, in.data)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.pool.Run(ctx, x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("REST-binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest("POST", "/v2/models/math/versions/2/infer", bytes.NewReader(body))
			req.Header.Set("Inference-Header-Content-Length", hdrLen)
			req.Header.Set("Content-Length", strconv.Itoa(len(body)))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
		}
	})
}
