// Package cbench times pds_predictor_run called in a loop from C, for the
// benchmarks that measure what the Go package adds on top of the C call.
package cbench

/*
#cgo pkg-config: pdsafe
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pdsafe.h>

// Runs pred iters times on a float32 input of the given shape (filled with a
// fixed pattern) into n_out outputs of out_bytes each, all in C memory, and
// returns the elapsed nanoseconds, or -status on the first failure.
static long long cbench_loop(pds_predictor pred, const int64_t *dims, int32_t rank, size_t n_out,
                             size_t out_bytes, long long iters, pds_error *err)
{
    pds_tensor in;
    memset(&in, 0, sizeof in);
    size_t n = 1;
    in.dtype = PDS_FLOAT32;
    in.rank = rank;
    for (int32_t d = 0; d < rank; d++) {
        in.dims[d] = dims[d];
        n *= (size_t)dims[d];
    }
    float *x = malloc(n * sizeof *x);
    pds_tensor *outs = calloc(n_out, sizeof *outs);
    char *obuf = malloc(n_out * out_bytes);
    if (!x || !outs || !obuf) {
        free(x); free(outs); free(obuf);
        return -PDS_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    in.data = x;
    in.byte_length = n * sizeof *x;
    struct timespec t0, t1;
    long long result = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < iters; i++) {
        for (size_t o = 0; o < n_out; o++) {
            outs[o].data = obuf + o * out_bytes;
            outs[o].byte_length = out_bytes;
        }
        pds_status st = pds_predictor_run(pred, &in, 1, outs, n_out, err);
        if (st != PDS_OK) {
            result = -(long long)st;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (result == 0)
        result = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    free(x);
    free(outs);
    free(obuf);
    return result;
}
*/
import "C"

import (
	"fmt"
	"time"
)

// RunLoop runs the predictor with handle pred iters times from C, with a
// float32 input of shape dims and nOut outputs of outBytes bytes each, and
// returns the time the loop took.
func RunLoop(pred uint64, dims []int64, nOut, outBytes int, iters int) (time.Duration, error) {
	var cd [8]C.int64_t
	for i, d := range dims {
		cd[i] = C.int64_t(d)
	}
	var e C.pds_error
	r := C.cbench_loop(C.pds_predictor(pred), &cd[0], C.int32_t(len(dims)), C.size_t(nOut),
		C.size_t(outBytes), C.longlong(iters), &e)
	if r < 0 {
		return 0, fmt.Errorf("cbench: pds_predictor_run: %s: %s", C.GoString(C.pds_status_name(C.pds_status(-r))),
			C.GoString(&e.message[0]))
	}
	return time.Duration(r), nil
}
