// Command pdsafe-serve-bench measures pdsafe-serve against the library's own
// Pool.Run in the same process and the same run: a fixture model is served
// twice from a temporary repository, without and with dynamic batching, and
// loaded on loopback at each concurrency by closed-loop clients sending the
// binary tensor protocol (REST) for a fixed time. It prints a Markdown table
// of throughput and latency percentiles (serve/BENCHMARKS.md holds a run).
// With -rounds N each point is measured N times, the three variants taking
// turns, so that a change in the machine's load falls on all three alike.
//
//	pdsafe-serve-bench -fixtures tests/fixtures -model pplcnet -concurrency 1,2,4,8,16,32,64 -duration 5s
//
// With -soak DURATION it runs the mixed-load soak of soak.go instead, against
// a pdsafe-serve process (-server) on 127.0.0.1:
//
//	pdsafe-serve-bench -fixtures tests/fixtures -model pplcnet -soak 10m -server build/pdsafe-serve
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/serve"
)

func main() {
	fix := flag.String("fixtures", "tests/fixtures", "the fixtures directory")
	model := flag.String("model", "pplcnet", "fixture model (one input, dim 0 free)")
	conc := flag.String("concurrency", "1,2,4,8,16,32,64", "client concurrencies")
	dur := flag.Duration("duration", 5*time.Second, "measuring time per point")
	instances := flag.Int("instances", 2, "instance_group count (predictors)")
	delay := flag.Int("max-queue-delay-us", 2000, "max_queue_delay_microseconds of the batching variant")
	maxBatch := flag.Int("max-batch-size", 16, "max_batch_size")
	rounds := flag.Int("rounds", 1, "measurements of each point, the variants taking turns (-duration each)")
	soak := flag.Duration("soak", 0, "run the mixed-load soak for this long instead of the benchmark")
	server := flag.String("server", "build/pdsafe-serve", "the pdsafe-serve binary (-soak)")
	soakWorkers := flag.Int("soak-workers", 8, "closed-loop clients (-soak)")
	soakSample := flag.Duration("soak-sample", 30*time.Second, "sampling period of RSS and goroutines (-soak)")
	soakReload := flag.Duration("soak-reload", 5*time.Second, "model reload period (-soak)")
	soakMax := flag.Int64("soak-max-requests", 10_000_000, "bound on the soak's requests")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the benchmark (client, server and Pool.Run) to this file")
	flag.Parse()
	if *rounds < 1 {
		log.Fatalf("-rounds %d: expected at least 1", *rounds)
	}
	var cs []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("-concurrency: %q is not a positive number", s)
		}
		cs = append(cs, n)
	}
	src := filepath.Join(*fix, *model)
	m, err := pdsafe.LoadModel(filepath.Join(src, "inference.pdmodel"), "")
	if err != nil {
		log.Fatal(err)
	}
	in := m.Inputs()[0]
	shape := slices.Clone(in.Shape)
	shape[0] = 1
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			log.Fatalf("input %s has a free dim besides the first", in)
		}
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i%255) / 255
	}
	repo, err := os.MkdirTemp("", "pdsafe-serve-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(repo)
	dims := strings.Trim(fmt.Sprint(in.Shape[1:]), "[]")
	dims = strings.ReplaceAll(dims, " ", ", ")
	base := fmt.Sprintf("max_batch_size: %d\ninput [ { name: %q data_type: TYPE_FP32 dims: [ %s ] } ]\ninstance_group [ { count: %d } ]\n",
		*maxBatch, in.Name, dims, *instances)
	for name, extra := range map[string]string{
		"plain":   "",
		"batched": fmt.Sprintf("dynamic_batching { max_queue_delay_microseconds: %d }\n", *delay),
	} {
		vdir := filepath.Join(repo, name, "1")
		must(os.MkdirAll(vdir, 0o755))
		for _, f := range []string{"inference.pdmodel", "inference.pdiparams"} {
			b, err := os.ReadFile(filepath.Join(src, f))
			must(err)
			must(os.WriteFile(filepath.Join(vdir, f), b, 0o644))
		}
		must(os.WriteFile(filepath.Join(repo, name, "config.pbtxt"), []byte(base+extra), 0o644))
	}
	raw := make([]byte, 4*n)
	for i, f := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	pool, err := m.NewPool(*instances)
	must(err)
	defer pool.Close()
	x, err := pdsafe.NewTensor(shape, data)
	must(err)

	if *soak > 0 {
		hdr, _ := json.Marshal(map[string]any{
			"inputs":     []any{map[string]any{"name": in.Name, "shape": shape, "datatype": "FP32", "parameters": map[string]any{"binary_data_size": 4 * n}}},
			"outputs":    []any{map[string]any{"name": m.Outputs()[0].Name, "parameters": map[string]any{"binary_data_output": true}}},
			"parameters": map[string]any{"binary_data_output": true},
		})
		res, err := pool.Run(context.Background(), x)
		must(err)
		want, err := pdsafe.OutputAt[float32](res, 0)
		must(err)
		err = runSoak(soakConfig{server: *server, repo: repo, dur: *soak, workers: *soakWorkers,
			sample: *soakSample, reload: *soakReload, maxRequests: *soakMax,
			inputName: in.Name, shape: shape, hdr: hdr, raw: raw, want: want.Data, outName: m.Outputs()[0].Name})
		if err != nil {
			pool.Close()
			os.RemoveAll(repo)
			log.Fatal(err)
		}
		return
	}

	s, err := serve.New(serve.Options{ModelRepository: repo, MaxQueueSize: 1024,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	// The server's own time per request, as a server-side statistic sees
	// it: from the handler's start (headers read) to its return (body read,
	// decoded, run, encoded and written), without the client or the
	// transport. Kept only while a point's "plain" variant is measured.
	var inner handlerTimes
	h := s.Handler()
	go func() {
		_ = s.ServeHTTP(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := time.Now()
			h.ServeHTTP(w, r)
			inner.add(time.Since(t))
		}))
	}()
	defer s.Shutdown(context.Background())

	hdr, _ := json.Marshal(map[string]any{
		"inputs":     []any{map[string]any{"name": in.Name, "shape": shape, "datatype": "FP32", "parameters": map[string]any{"binary_data_size": 4 * n}}},
		"parameters": map[string]any{"binary_data_output": true},
	})
	body := append(hdr, raw...)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}

	fmt.Printf("model %s (%s), %d predictors, GOMAXPROCS %d, %d x %s per point, max_batch_size %d, max_queue_delay %d us\n\n",
		*model, in, *instances, runtime.GOMAXPROCS(0), *rounds, *dur, *maxBatch, *delay)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	fmt.Println("| concurrency | Pool.Run infer/s | p50 | p99 | serve infer/s | p50 | p99 | serve + batching infer/s | p50 | p99 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	type point struct {
		c                       int
		lib, plain, batched, rt result
		rowsPerRun              float64       // of the batching variant
		handlerP50              time.Duration // the server's own time per plain request
	}
	var points []point
	for _, c := range cs {
		libRun := func() error { _, err := pool.Run(context.Background(), x); return err }
		post := func(name string) func() error {
			url := "http://" + l.Addr().String() + "/v2/models/" + name + "/infer"
			return func() error {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				req.Header.Set("Inference-Header-Content-Length", strconv.Itoa(len(hdr)))
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					return err
				}
				if resp.StatusCode != 200 {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
		}
		// The HTTP round trip alone: GET /v2/health/live on the same
		// client and server, for the share of the overhead that is transport.
		live := func() error {
			resp, err := client.Get("http://" + l.Addr().String() + "/v2/health/live")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, resp.Body)
			return err
		}
		var lib, plain, batched, rt samples
		var handler []time.Duration
		inf0, exec0 := counts(client, l.Addr().String(), "batched")
		for r := 0; r < *rounds; r++ {
			lib.add(load(c, *dur, libRun))
			inner.start()
			plain.add(load(c, *dur, post("plain")))
			handler = append(handler, inner.stop()...)
			batched.add(load(c, *dur, post("batched")))
			rt.add(load(c, *dur/4, live))
		}
		inf1, exec1 := counts(client, l.Addr().String(), "batched")
		slices.Sort(handler)
		var hp50 time.Duration
		if len(handler) > 0 {
			hp50 = handler[len(handler)/2]
		}
		p := point{c, lib.result(), plain.result(), batched.result(), rt.result(), (inf1 - inf0) / max(exec1-exec0, 1), hp50}
		points = append(points, p)
		fmt.Printf("| %d | %s | %s | %s |\n", c, p.lib, p.plain, p.batched)
	}
	fmt.Println()
	fmt.Println("| concurrency | serve p50 - Pool.Run p50 | in the server: handler p50 - Pool.Run p50 | GET /v2/health/live p50 | serve / Pool.Run infer/s | batching / no batching infer/s | rows per batched run | CPU µs per request: Pool.Run / serve / serve + batching | no batching / batching CPU per request |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, p := range points {
		// Above concurrency 1 both p50s hold waits for a predictor, which
		// differ (callers of Pool.Run queue in the pool, requests in the
		// server): the server's own time is read at concurrency 1.
		inServer := "–"
		if p.c == 1 {
			inServer = us(p.handlerP50 - p.lib.p50)
		}
		fmt.Printf("| %d | %s | %s | %s | %.2f | %.2f | %.1f | %.0f / %.0f / %.0f | %.2f |\n", p.c, us(p.plain.p50-p.lib.p50), inServer, us(p.rt.p50),
			p.plain.rate/p.lib.rate, p.batched.rate/p.plain.rate, p.rowsPerRun,
			usf(p.lib.cpuPerCall), usf(p.plain.cpuPerCall), usf(p.batched.cpuPerCall),
			float64(p.plain.cpuPerCall)/float64(max(p.batched.cpuPerCall, 1)))
	}
}

// counts reads a model's nv_inference_count and nv_inference_exec_count
// from the server's /metrics.
func counts(client *http.Client, addr, model string) (infer, exec float64) {
	resp, err := client.Get("http://" + addr + "/metrics")
	must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(err)
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, "{")
		if !ok || !strings.Contains(rest, "model=\""+model+"\"") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			continue
		}
		switch name {
		case "nv_inference_count":
			infer += v
		case "nv_inference_exec_count":
			exec += v
		}
	}
	return infer, exec
}

// samples gathers the measurements of one variant over the rounds.
type samples struct {
	lat  []time.Duration
	el   time.Duration
	cpu  time.Duration
	errs int
}

func (s *samples) add(l loadResult) {
	s.lat = append(s.lat, l.lat...)
	s.el += l.el
	s.cpu += l.cpu
	s.errs += l.errs
}

func (s *samples) result() result {
	slices.Sort(s.lat)
	r := result{rate: float64(len(s.lat)) / s.el.Seconds(), errs: s.errs}
	if len(s.lat) > 0 {
		r.cpuPerCall = s.cpu / time.Duration(len(s.lat))
	}
	if len(s.lat) > 0 {
		r.p50 = s.lat[len(s.lat)/2]
		r.p99 = s.lat[min(len(s.lat)-1, len(s.lat)*99/100)]
	}
	return r
}

type result struct {
	rate       float64
	p50, p99   time.Duration
	cpuPerCall time.Duration // the process's CPU time (client and server) per call
	errs       int
}

func (r result) String() string {
	s := fmt.Sprintf("%.0f | %s | %s", r.rate, us(r.p50), us(r.p99))
	if r.errs > 0 {
		s += fmt.Sprintf(" (%d errors)", r.errs)
	}
	return s
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", usf(d)) }

func usf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

type loadResult struct {
	lat     []time.Duration // of the calls that succeeded
	el, cpu time.Duration   // wall time taken, the process's CPU time meanwhile
	errs    int
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	must(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load runs c closed-loop callers of f for d (after a short warm-up) and
// measures them. The CPU time is the whole process's (clients, server and
// library): per call it is what a request costs, which on a loaded machine
// is steadier than the rate.
func load(c int, d time.Duration, f func() error) loadResult {
	for i := 0; i < 3*c; i++ {
		_ = f()
	}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := f(); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return loadResult{lat: lat, el: time.Since(start), cpu: cpuTime() - cpu0, errs: errs}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// handlerTimes collects the server's time per request while on.
type handlerTimes struct {
	mu sync.Mutex
	on bool
	d  []time.Duration
}

func (h *handlerTimes) add(d time.Duration) {
	h.mu.Lock()
	if h.on {
		h.d = append(h.d, d)
	}
	h.mu.Unlock()
}

func (h *handlerTimes) start() {
	h.mu.Lock()
	h.on, h.d = true, h.d[:0]
	h.mu.Unlock()
}

func (h *handlerTimes) stop() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.on = false
	return slices.Clone(h.d)
}
