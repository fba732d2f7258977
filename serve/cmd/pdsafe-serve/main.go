// Command pdsafe-serve serves the PaddlePaddle models of a Triton-layout
// model repository over the Open Inference Protocol (KServe v2), REST and
// gRPC, with Triton's flag names:
//
//	pdsafe-serve --model-repository /models --http-port 8000 --grpc-port 8001 --metrics-port 8002
//
// SIGTERM or SIGINT starts a graceful shutdown: readiness turns false, new
// requests are refused, and requests in progress finish (for at most
// --exit-timeout-secs) before the models are closed. See serve/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pdsafe/pdsafe/serve"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pdsafe-serve:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("pdsafe-serve", flag.ContinueOnError)
	repo := fs.String("model-repository", "", "the model repository (required): <repo>/<model>/config.pbtxt and <repo>/<model>/<version>/")
	httpAddr := fs.String("http-address", "0.0.0.0", "address of the REST endpoint")
	httpPort := fs.Int("http-port", 8000, "port of the REST endpoint (0: any free port)")
	grpcAddr := fs.String("grpc-address", "0.0.0.0", "address of the gRPC endpoint")
	grpcPort := fs.Int("grpc-port", 8001, "port of the gRPC endpoint (0: any free port)")
	metricsAddr := fs.String("metrics-address", "0.0.0.0", "address of the metrics endpoint")
	metricsPort := fs.Int("metrics-port", 8002, "port of the metrics endpoint (/metrics is also served on the REST port)")
	allowHTTP := fs.Bool("allow-http", true, "serve REST")
	allowGRPC := fs.Bool("allow-grpc", true, "serve gRPC")
	allowMetrics := fs.Bool("allow-metrics", true, "serve /metrics on --metrics-port")
	mode := fs.String("model-control-mode", "none", "none: load every model at start, no load/unload API; explicit: load --load-model models, allow load/unload")
	var load listFlag
	fs.Var(&load, "load-model", "with --model-control-mode=explicit, a model to load at start (repeatable; * for all)")
	strict := fs.Bool("strict-readiness", true, "ready only when every model asked for is ready")
	exitTimeout := fs.Int("exit-timeout-secs", 30, "on SIGTERM, how long requests in progress may take to finish")
	maxBody := fs.Int64("max-body-bytes", serve.DefaultLimits.MaxBodyBytes, "largest request body (REST) or message (gRPC)")
	maxTensor := fs.Int64("max-tensor-bytes", serve.DefaultLimits.MaxTensorBytes, "largest input tensor")
	maxQueue := fs.Int("max-queue-size", 64, "requests waiting per model version before 503 / UNAVAILABLE")
	timeout := fs.Duration("request-timeout", 0, "longest time for any inference request (0: none)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	verbose := fs.Int("log-verbose", 0, "1: log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *repo == "" {
		return errors.New("--model-repository is required")
	}
	level := slog.LevelInfo
	if *verbose > 0 {
		level = slog.LevelDebug
	}
	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	case "json":
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	default:
		return fmt.Errorf("--log-format %q: expected text or json", *logFormat)
	}
	log := slog.New(h)
	s, err := serve.New(serve.Options{
		ModelRepository: *repo, ControlMode: *mode, LoadModels: load, StrictReadiness: *strict,
		Limits:       serve.Limits{MaxBodyBytes: *maxBody, MaxTensorBytes: *maxTensor},
		MaxQueueSize: *maxQueue, RequestTimeout: *timeout, Logger: log,
	})
	if err != nil {
		return err
	}
	errs := make(chan error, 3)
	listen := func(addr string, port int, what string) (net.Listener, error) {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("%s endpoint: %w", what, err)
		}
		log.Info("listening", "endpoint", what, "address", l.Addr().String())
		return l, nil
	}
	n := 0
	if *allowHTTP {
		l, err := listen(*httpAddr, *httpPort, "http")
		if err != nil {
			return err
		}
		n++
		go func() { errs <- s.ServeHTTP(l, s.Handler()) }()
	}
	if *allowGRPC {
		l, err := listen(*grpcAddr, *grpcPort, "grpc")
		if err != nil {
			return err
		}
		n++
		go func() { errs <- s.ServeGRPC(l) }()
	}
	if *allowMetrics && *metricsPort > 0 && *metricsPort != *httpPort {
		l, err := listen(*metricsAddr, *metricsPort, "metrics")
		if err != nil {
			return err
		}
		n++
		go func() { errs <- s.ServeHTTP(l, s.MetricsHandler()) }()
	}
	if n == 0 {
		return errors.New("nothing to serve: --allow-http and --allow-grpc are both false")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errs:
	}
	shut, cancel := context.WithTimeout(context.Background(), time.Duration(*exitTimeout)*time.Second)
	defer cancel()
	if err := s.Shutdown(shut); err != nil && serveErr == nil {
		serveErr = err
	}
	return serveErr
}
