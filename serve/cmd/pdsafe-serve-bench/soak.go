package main

// The soak mode (-soak DURATION): a pdsafe-serve process is started on
// 127.0.0.1 with --model-control-mode=explicit over the bench's repository
// (the models "plain" and "batched") and driven for DURATION by closed-loop
// workers with a fixed mix of requests, while a reloader reloads the models
// and a sampler reads the server's /metrics and /proc/PID/status:
//
//   - good: the binary protocol, the answer compared with Pool.Run's output
//     for the same input (any other status, or a different answer, is a
//     failure of a good request);
//   - bad: malformed JSON, a wrong shape, a wrong datatype, a truncated
//     binary chunk, an unknown model; each must get its exact 4xx status;
//   - cancelled: the client gives up after a random delay below the good
//     requests' running median latency (the connection is closed mid-request);
//   - expired: Request-Timeout of 1 µs, which must be 504.
//
// Every loop is bounded in time and in count (-soak-max-requests).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type soakConfig struct {
	server      string        // the pdsafe-serve binary
	repo        string        // the model repository (models plain and batched)
	dur         time.Duration // load time
	workers     int
	sample      time.Duration // sampling period
	reload      time.Duration // reload period
	maxRequests int64         // bound on requests, all kinds

	inputName string
	shape     []int64
	hdr, raw  []byte    // the good request: JSON header and binary input
	want      []float32 // Pool.Run's output for it (the first output)
	outName   string
}

type soakCounts struct {
	good, goodFailed, bad, badUnexpected, cancelled, cancelledDone, expired, expiredUnexpected atomic.Int64
	reloads, reloadFailed                                                                      atomic.Int64
	maxDiff                                                                                    atomic.Uint64 // float64 bits
}

type soakSample struct {
	at                    time.Duration
	good, goodFailed      int64
	bad, cancelled        int64
	expired, reloads      int64
	rssKiB                int64
	heapBytes, goroutines int64
}

func runSoak(c soakConfig) error {
	cmd := exec.Command(c.server, "--model-repository", c.repo,
		"--http-address", "127.0.0.1", "--http-port", "0",
		"--allow-grpc=false", "--allow-metrics=false",
		"--model-control-mode", "explicit", "--load-model", "*",
		"--max-queue-size", strconv.Itoa(4*c.workers+8),
		"--log-format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.server, err)
	}
	exited := make(chan error, 1)
	addrc := make(chan string, 1)
	var serverLog bytes.Buffer
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Bytes()
			var rec struct{ Msg, Endpoint, Address string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Endpoint == "http" {
				addrc <- rec.Address
			}
			logMu.Lock()
			if serverLog.Len() < 1<<20 {
				serverLog.Write(line)
				serverLog.WriteByte('\n')
			}
			logMu.Unlock()
		}
		exited <- cmd.Wait()
	}()
	kill := func() { _ = cmd.Process.Signal(syscall.SIGKILL) }
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		return fmt.Errorf("pdsafe-serve exited before listening: %v\n%s", err, serverLog.String())
	case <-time.After(2 * time.Minute):
		kill()
		return errors.New("pdsafe-serve did not listen within 2 minutes")
	}
	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * c.workers}, Timeout: time.Minute}
	ready := false
	for i := 0; i < 600 && !ready; i++ { // at most 600 polls of 100 ms
		if resp, err := client.Get(base + "/v2/health/ready"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
		if !ready {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !ready {
		kill()
		return errors.New("pdsafe-serve was not ready within 60 s")
	}
	fmt.Printf("soak: pdsafe-serve pid %d on %s, %d workers, %s, reload every %s, sample every %s\n\n",
		cmd.Process.Pid, addr, c.workers, c.dur, c.reload, c.sample)

	var n soakCounts
	var medianNs atomic.Int64 // the good requests' running median latency
	medianNs.Store(int64(time.Millisecond))
	stop := time.Now().Add(c.dur)
	var issued atomic.Int64
	more := func() bool { return time.Now().Before(stop) && issued.Add(1) <= c.maxRequests }

	var samples []soakSample
	sample := func(at time.Duration) {
		s := soakSample{at: at, good: n.good.Load(), goodFailed: n.goodFailed.Load(), bad: n.bad.Load(),
			cancelled: n.cancelled.Load(), expired: n.expired.Load(), reloads: n.reloads.Load(),
			rssKiB: -1, heapBytes: -1, goroutines: -1}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					s.rssKiB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				}
			}
		}
		if resp, err := client.Get(base + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
					s.goroutines, _ = strconv.ParseInt(v, 10, 64)
				}
				if v, ok := strings.CutPrefix(line, "go_memstats_heap_alloc_bytes "); ok {
					s.heapBytes, _ = strconv.ParseInt(v, 10, 64)
				}
			}
		}
		samples = append(samples, s)
		fmt.Fprintf(os.Stderr, "soak: %s good %d (failed %d) bad %d cancelled %d expired %d reloads %d rss %d KiB heap %d goroutines %d\n",
			at.Round(time.Second), s.good, s.goodFailed, s.bad, s.cancelled, s.expired, s.reloads, s.rssKiB, s.heapBytes, s.goroutines)
	}
	t0 := time.Now()
	sample(0)

	infer := func(ctx context.Context, model string, body []byte, hdrLen int, extra map[string]string) (int, http.Header, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/v2/models/"+model+"/infer", bytes.NewReader(body))
		if err != nil {
			return 0, nil, nil, err
		}
		if hdrLen >= 0 {
			req.Header.Set("Inference-Header-Content-Length", strconv.Itoa(hdrLen))
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, err
	}
	good := append(append([]byte(nil), c.hdr...), c.raw...)
	models := []string{"plain", "batched"}
	// check compares a binary response's first output with want.
	check := func(h http.Header, body []byte) (float64, error) {
		jl, err := strconv.Atoi(h.Get("Inference-Header-Content-Length"))
		if err != nil || jl > len(body) {
			return 0, fmt.Errorf("bad Inference-Header-Content-Length %q", h.Get("Inference-Header-Content-Length"))
		}
		var r struct {
			Outputs []struct {
				Name       string
				Parameters map[string]any
			}
		}
		if err := json.Unmarshal(body[:jl], &r); err != nil || len(r.Outputs) == 0 || r.Outputs[0].Name != c.outName {
			return 0, fmt.Errorf("unexpected header %q", body[:jl])
		}
		out := body[jl:]
		if len(out) < 4*len(c.want) {
			return 0, fmt.Errorf("output has %d bytes, expected %d", len(out), 4*len(c.want))
		}
		worst := 0.0
		for i, w := range c.want {
			g := math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
			d := math.Abs(float64(g) - float64(w))
			if !(d <= 1e-4*(1+math.Abs(float64(w)))) { // NaN fails too
				return d, fmt.Errorf("output %d is %g, expected %g", i, g, w)
			}
			worst = max(worst, d)
		}
		return worst, nil
	}
	type badCase struct {
		name, model string
		body        []byte
		hdrLen      int
		status      int
	}
	shapeJSON, _ := json.Marshal(c.shape)
	wrongShape := append([]int64{1}, c.shape...)
	wrongShapeJSON, _ := json.Marshal(wrongShape)
	bads := []badCase{
		{"malformed JSON", "plain", []byte(`{"inputs": [{"name": `), -1, 400},
		{"wrong shape", "plain", []byte(fmt.Sprintf(`{"inputs":[{"name":%q,"shape":%s,"datatype":"FP32","data":[1,2,3]}]}`, c.inputName, wrongShapeJSON)), -1, 400},
		{"wrong datatype", "batched", []byte(fmt.Sprintf(`{"inputs":[{"name":%q,"shape":%s,"datatype":"INT64","parameters":{"binary_data_size":%d}}]}`, c.inputName, shapeJSON, len(c.raw))), -1, 400},
		{"truncated binary", "plain", good[:len(good)-len(c.raw)/2], len(c.hdr), 400},
		{"unknown model", "nosuchmodel", good, len(c.hdr), 404},
	}
	// The wrong-datatype body carries its binary data after the header.
	bads[2].hdrLen = len(bads[2].body)
	bads[2].body = append(bads[2].body, c.raw...)

	var failMu sync.Mutex
	var failures []string
	note := func(format string, a ...any) {
		failMu.Lock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, a...))
		}
		failMu.Unlock()
	}

	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var lat []int64 // this worker's good latencies, for the median
			for i := 0; more(); i++ {
				switch k := i % 10; {
				case k < 6: // good
					model := models[(i/10+w)%2]
					t := time.Now()
					st, h, body, err := infer(context.Background(), model, good, len(c.hdr), nil)
					if err == nil && st == 200 {
						var d float64
						if d, err = check(h, body); err == nil {
							n.good.Add(1)
							for {
								old := n.maxDiff.Load()
								if d <= math.Float64frombits(old) || n.maxDiff.CompareAndSwap(old, math.Float64bits(d)) {
									break
								}
							}
							lat = append(lat, int64(time.Since(t)))
							if len(lat) == 64 {
								slices.Sort(lat)
								medianNs.Store(lat[32])
								lat = lat[:0]
							}
							continue
						}
					} else if err == nil {
						err = fmt.Errorf("status %d: %s", st, body)
					}
					n.goodFailed.Add(1)
					note("good request to %s: %v", model, err)
				case k < 8: // bad
					b := bads[(i/10+w)%len(bads)]
					st, _, body, err := infer(context.Background(), b.model, b.body, b.hdrLen, nil)
					n.bad.Add(1)
					if err != nil || st != b.status {
						n.badUnexpected.Add(1)
						note("%s: status %d (expected %d), %v: %s", b.name, st, b.status, err, body)
					}
				case k == 8: // cancelled by the client
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.Int64N(medianNs.Load()+1)))
					st, _, body, err := infer(ctx, models[w%2], good, len(c.hdr), nil)
					cancel()
					n.cancelled.Add(1)
					switch {
					case err != nil: // given up, as intended
					case st == 200:
						n.cancelledDone.Add(1)
					default:
						// The client gave up while the server answered: an
						// answer other than 200 must still be the deadline's.
						if st != 504 && st != 503 {
							n.badUnexpected.Add(1)
							note("cancelled request: status %d: %s", st, body)
						}
					}
				default: // expired on the server
					st, _, body, err := infer(context.Background(), models[(w+1)%2], good, len(c.hdr), map[string]string{"Request-Timeout": "1"})
					n.expired.Add(1)
					if err != nil || st != 504 {
						n.expiredUnexpected.Add(1)
						note("expired request: status %d (expected 504), %v: %s", st, err, body)
					}
				}
			}
		}(w)
	}
	// The reloader: reload plain and batched in turn.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; time.Now().Add(c.reload).Before(stop) && i < 100000; i++ {
			time.Sleep(c.reload)
			m := models[i%2]
			resp, err := client.Post(base+"/v2/repository/models/"+m+"/load", "application/json", nil)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
				}
			}
			n.reloads.Add(1)
			if err != nil {
				n.reloadFailed.Add(1)
				note("reload %s: %v", m, err)
			}
		}
	}()
	// The sampler, on this goroutine.
	for next := c.sample; next <= c.dur; next += c.sample {
		time.Sleep(time.Until(t0.Add(next)))
		sample(time.Since(t0))
	}
	wg.Wait()
	loadEnd := time.Since(t0)
	client.CloseIdleConnections()
	time.Sleep(2 * time.Second) // let the server's idle connections go before the last sample
	sample(time.Since(t0))

	_ = cmd.Process.Signal(syscall.SIGTERM)
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(time.Minute):
		kill()
		exitErr = errors.New("did not exit within a minute of SIGTERM (killed)")
	}

	fmt.Println("| time | good | good failed | bad | cancelled | expired | reloads | RSS (MiB) | Go heap (MiB) | goroutines |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range samples {
		fmt.Printf("| %s | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %d |\n", s.at.Round(time.Second), s.good, s.goodFailed,
			s.bad, s.cancelled, s.expired, s.reloads, float64(s.rssKiB)/1024, float64(s.heapBytes)/(1<<20), s.goroutines)
	}
	fmt.Printf("\nload for %s: good %d (failed %d, largest difference from Pool.Run %.3g), bad %d (unexpected status %d), cancelled %d (%d answered first), expired %d (not 504: %d), reloads %d (failed %d); server exit after SIGTERM: %v\n",
		loadEnd.Round(time.Second), n.good.Load(), n.goodFailed.Load(), math.Float64frombits(n.maxDiff.Load()),
		n.bad.Load(), n.badUnexpected.Load(), n.cancelled.Load(), n.cancelledDone.Load(),
		n.expired.Load(), n.expiredUnexpected.Load(), n.reloads.Load(), n.reloadFailed.Load(), exitErr)
	for _, f := range failures {
		fmt.Println("failure:", f)
	}
	if n.goodFailed.Load() > 0 || n.badUnexpected.Load() > 0 || n.expiredUnexpected.Load() > 0 || n.reloadFailed.Load() > 0 || exitErr != nil {
		logMu.Lock()
		fmt.Fprintf(os.Stderr, "server log (first MiB):\n%s", serverLog.String())
		logMu.Unlock()
		return errors.New("soak: failures (above)")
	}
	return nil
}
