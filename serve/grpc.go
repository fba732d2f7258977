package serve

// The gRPC binding: inference.GRPCInferenceService. Inputs come as
// raw_input_contents (one buffer per input) or as typed contents; outputs
// always go back as raw_output_contents. Errors carry the gRPC code of
// asAPIError; a client's deadline is the request's context deadline.

import (
	"context"
	"math"

	"github.com/pdsafe/pdsafe/serve/inferencepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type grpcService struct {
	inferencepb.UnimplementedGRPCInferenceServiceServer
	s *Server
}

func grpcError(err error) error {
	ae := asAPIError(err)
	return status.Error(ae.code, ae.msg)
}

func (g *grpcService) ServerLive(context.Context, *inferencepb.ServerLiveRequest) (*inferencepb.ServerLiveResponse, error) {
	return &inferencepb.ServerLiveResponse{Live: true}, nil
}

func (g *grpcService) ServerReady(context.Context, *inferencepb.ServerReadyRequest) (*inferencepb.ServerReadyResponse, error) {
	return &inferencepb.ServerReadyResponse{Ready: g.s.Ready()}, nil
}

func (g *grpcService) ModelReady(_ context.Context, r *inferencepb.ModelReadyRequest) (*inferencepb.ModelReadyResponse, error) {
	ok, err := g.s.modelReady(r.GetName(), r.GetVersion())
	if err != nil {
		return nil, grpcError(err)
	}
	return &inferencepb.ModelReadyResponse{Ready: ok}, nil
}

func (g *grpcService) ServerMetadata(context.Context, *inferencepb.ServerMetadataRequest) (*inferencepb.ServerMetadataResponse, error) {
	return &inferencepb.ServerMetadataResponse{Name: "pdsafe-serve", Version: Version, Extensions: extensions}, nil
}

func pbTensors(ts []tensorMeta) []*inferencepb.ModelMetadataResponse_TensorMetadata {
	out := make([]*inferencepb.ModelMetadataResponse_TensorMetadata, len(ts))
	for i, t := range ts {
		out[i] = &inferencepb.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape}
	}
	return out
}

func (g *grpcService) ModelMetadata(_ context.Context, r *inferencepb.ModelMetadataRequest) (*inferencepb.ModelMetadataResponse, error) {
	m, err := g.s.modelMetadata(r.GetName(), r.GetVersion())
	if err != nil {
		return nil, grpcError(err)
	}
	return &inferencepb.ModelMetadataResponse{Name: m.Name, Versions: m.Versions, Platform: m.Platform,
		Inputs: pbTensors(m.Inputs), Outputs: pbTensors(m.Outputs)}, nil
}

func pbConfig(c *ModelConfig) *inferencepb.ModelConfig {
	dt := func(s string) inferencepb.DataType {
		return inferencepb.DataType(inferencepb.DataType_value["TYPE_"+s])
	}
	pc := &inferencepb.ModelConfig{Name: c.Name, Platform: c.Platform, Backend: c.Backend, MaxBatchSize: int32(c.MaxBatchSize),
		InstanceGroup: []*inferencepb.ModelInstanceGroup{{Name: c.Name, Count: int32(c.InstanceCount), Kind: inferencepb.ModelInstanceGroup_KIND_CPU}}}
	for _, t := range c.Inputs {
		pc.Input = append(pc.Input, &inferencepb.ModelInput{Name: t.Name, DataType: dt(t.DataType), Dims: t.Dims})
	}
	for _, t := range c.Outputs {
		pc.Output = append(pc.Output, &inferencepb.ModelOutput{Name: t.Name, DataType: dt(t.DataType), Dims: t.Dims})
	}
	switch c.Versions.Kind {
	case "all":
		pc.VersionPolicy = &inferencepb.ModelVersionPolicy{PolicyChoice: &inferencepb.ModelVersionPolicy_All_{All: &inferencepb.ModelVersionPolicy_All{}}}
	case "specific":
		pc.VersionPolicy = &inferencepb.ModelVersionPolicy{PolicyChoice: &inferencepb.ModelVersionPolicy_Specific_{
			Specific: &inferencepb.ModelVersionPolicy_Specific{Versions: c.Versions.Specific}}}
	default:
		pc.VersionPolicy = &inferencepb.ModelVersionPolicy{PolicyChoice: &inferencepb.ModelVersionPolicy_Latest_{
			Latest: &inferencepb.ModelVersionPolicy_Latest{NumVersions: uint32(c.Versions.Latest)}}}
	}
	if d := c.Dynamic; d != nil {
		pref := make([]int32, len(d.PreferredBatchSizes))
		for i, p := range d.PreferredBatchSizes {
			pref[i] = int32(p)
		}
		pc.SchedulingChoice = &inferencepb.ModelConfig_DynamicBatching{DynamicBatching: &inferencepb.ModelDynamicBatching{
			PreferredBatchSize: pref, MaxQueueDelayMicroseconds: d.MaxQueueDelayMicros,
			DefaultQueuePolicy: &inferencepb.ModelQueuePolicy{MaxQueueSize: uint32(d.MaxQueueSize), DefaultTimeoutMicroseconds: d.DefaultTimeoutUs}}}
	}
	return pc
}

func (g *grpcService) ModelConfig(_ context.Context, r *inferencepb.ModelConfigRequest) (*inferencepb.ModelConfigResponse, error) {
	v, release, err := g.s.repo.acquire(r.GetName(), r.GetVersion())
	if err != nil {
		return nil, grpcError(err)
	}
	defer release()
	return &inferencepb.ModelConfigResponse{Config: pbConfig(v.cfg)}, nil
}

func (g *grpcService) ModelStatistics(_ context.Context, r *inferencepb.ModelStatisticsRequest) (*inferencepb.ModelStatisticsResponse, error) {
	if r.GetName() != "" {
		if _, _, _, _, ok := g.s.repo.status(r.GetName()); !ok {
			return nil, status.Errorf(codes.NotFound, "unknown model: '%s'", r.GetName())
		}
	}
	resp := &inferencepb.ModelStatisticsResponse{}
	for _, st := range g.s.metrics.snapshot() {
		if (r.GetName() != "" && st.model != r.GetName()) || (r.GetVersion() != "" && st.version != r.GetVersion()) {
			continue
		}
		var failed uint64
		for i := range st.failure {
			failed += st.failure[i].Load()
		}
		ok := st.success.Load()
		d := func(c, ns uint64) *inferencepb.StatisticDuration {
			return &inferencepb.StatisticDuration{Count: c, Ns: ns}
		}
		resp.ModelStats = append(resp.ModelStats, &inferencepb.ModelStatistics{
			Name: st.model, Version: st.version, LastInference: st.lastInferenceMs.Load(),
			InferenceCount: st.inferCount.Load(), ExecutionCount: st.execCount.Load(),
			InferenceStats: &inferencepb.InferStatistics{Success: d(ok, st.successNs.Load()), Fail: d(failed, st.failNs.Load()),
				Queue: d(ok, st.queueNs.Load()), ComputeInput: d(ok, st.computeInputNs.Load()),
				ComputeInfer: d(ok, st.computeNs.Load()), ComputeOutput: d(ok, st.computeOutputNs.Load())},
		})
	}
	return resp, nil
}

func (g *grpcService) RepositoryIndex(_ context.Context, r *inferencepb.RepositoryIndexRequest) (*inferencepb.RepositoryIndexResponse, error) {
	idx, err := g.s.repo.index(r.GetReady())
	if err != nil {
		return nil, grpcError(err)
	}
	resp := &inferencepb.RepositoryIndexResponse{}
	for _, e := range idx {
		resp.Models = append(resp.Models, &inferencepb.RepositoryIndexResponse_ModelIndex{Name: e.Name, Version: e.Version, State: e.State, Reason: e.Reason})
	}
	return resp, nil
}

func (g *grpcService) RepositoryModelLoad(_ context.Context, r *inferencepb.RepositoryModelLoadRequest) (*inferencepb.RepositoryModelLoadResponse, error) {
	if len(r.GetParameters()) > 0 {
		return nil, status.Error(codes.InvalidArgument, "load parameters (config override, files) are not supported")
	}
	if err := g.s.controlAllowed(); err != nil {
		return nil, grpcError(err)
	}
	if err := g.s.repo.load(r.GetModelName()); err != nil {
		return nil, grpcError(err)
	}
	return &inferencepb.RepositoryModelLoadResponse{}, nil
}

func (g *grpcService) RepositoryModelUnload(_ context.Context, r *inferencepb.RepositoryModelUnloadRequest) (*inferencepb.RepositoryModelUnloadResponse, error) {
	if err := g.s.controlAllowed(); err != nil {
		return nil, grpcError(err)
	}
	if err := g.s.repo.unload(r.GetModelName()); err != nil {
		return nil, grpcError(err)
	}
	return &inferencepb.RepositoryModelUnloadResponse{}, nil
}

func (g *grpcService) ModelInfer(ctx context.Context, r *inferencepb.ModelInferRequest) (*inferencepb.ModelInferResponse, error) {
	req, err := decodeGRPCRequest(r, g.s.opts.Limits)
	if err != nil {
		return nil, grpcError(err)
	}
	v, outs, err := g.s.infer(ctx, r.GetModelName(), r.GetModelVersion(), req)
	if err != nil {
		return nil, grpcError(err)
	}
	resp := &inferencepb.ModelInferResponse{ModelName: v.name, ModelVersion: v.verString(), Id: req.ID}
	for _, o := range outs {
		resp.Outputs = append(resp.Outputs, &inferencepb.ModelInferResponse_InferOutputTensor{Name: o.Name, Datatype: o.DataType, Shape: o.Shape})
		resp.RawOutputContents = append(resp.RawOutputContents, o.Data)
	}
	return resp, nil
}

// decodeGRPCRequest turns a ModelInferRequest into an inferRequest, with the
// same checks as the REST decoder.
func decodeGRPCRequest(r *inferencepb.ModelInferRequest, lim Limits) (*inferRequest, error) {
	if len(r.Inputs) == 0 {
		return nil, badRequest("the request has no inputs")
	}
	if len(r.Inputs) > lim.MaxTensors || len(r.Outputs) > lim.MaxTensors {
		return nil, badRequest("the request has %d inputs and %d outputs, more than the limit of %d", len(r.Inputs), len(r.Outputs), lim.MaxTensors)
	}
	raw := r.GetRawInputContents()
	if len(raw) > 0 && len(raw) != len(r.Inputs) {
		return nil, badRequest("the request has %d inputs but %d raw_input_contents", len(r.Inputs), len(raw))
	}
	req := &inferRequest{ID: r.GetId()}
	if p, ok := r.GetParameters()["timeout"]; ok {
		t, ok := p.GetParameterChoice().(*inferencepb.InferParameter_Int64Param)
		if !ok || t.Int64Param < 0 {
			return nil, badRequest("the request's parameters.timeout must be an int64 of microseconds >= 0")
		}
		req.TimeoutUs = t.Int64Param
	}
	for i, in := range r.Inputs {
		if in.GetName() == "" {
			return nil, badRequest("input %d has no name", i)
		}
		n, err := tensorBytes(in.GetName(), in.GetDatatype(), in.GetShape(), lim.MaxTensorBytes)
		if err != nil {
			return nil, err
		}
		t := wireTensor{Name: in.GetName(), DataType: in.GetDatatype(), Shape: in.GetShape()}
		if len(raw) > 0 {
			if in.GetContents() != nil {
				return nil, badRequest("input '%s' has contents although the request uses raw_input_contents", in.GetName())
			}
			if int64(len(raw[i])) != n {
				return nil, badRequest("input '%s': raw_input_contents has %d bytes, but %s%v takes %d", in.GetName(), len(raw[i]), in.GetDatatype(), in.GetShape(), n)
			}
			t.Data = raw[i]
		} else if t.Data, err = contentsBytes(in.GetName(), in.GetDatatype(), in.GetContents(), n); err != nil {
			return nil, err
		}
		if t.DataType == "BOOL" {
			if err := checkBools(t.Name, t.Data); err != nil {
				return nil, err
			}
		}
		req.Inputs = append(req.Inputs, t)
	}
	for _, o := range r.Outputs {
		if o.GetName() == "" {
			return nil, badRequest("a requested output has no name")
		}
		req.Outputs = append(req.Outputs, outputRequest{Name: o.GetName()})
	}
	return req, nil
}

// contentsBytes converts typed contents to raw little-endian bytes.
func contentsBytes(name, dt string, c *inferencepb.InferTensorContents, n int64) ([]byte, error) {
	want := n / int64(elemSize(dt))
	count := func(k int) error {
		if int64(k) != want {
			return badRequest("input '%s': contents hold %d elements, the shape needs %d", name, k, want)
		}
		return nil
	}
	if c == nil {
		return nil, badRequest("input '%s' has neither contents nor raw_input_contents", name)
	}
	out := make([]byte, 0, n)
	switch dt {
	case "FP32":
		if err := count(len(c.Fp32Contents)); err != nil {
			return nil, err
		}
		for _, f := range c.Fp32Contents {
			out = le32Append(out, math.Float32bits(f))
		}
	case "FP64":
		if err := count(len(c.Fp64Contents)); err != nil {
			return nil, err
		}
		for _, f := range c.Fp64Contents {
			out = le64Append(out, math.Float64bits(f))
		}
	case "INT64":
		if err := count(len(c.Int64Contents)); err != nil {
			return nil, err
		}
		for _, v := range c.Int64Contents {
			out = le64Append(out, uint64(v))
		}
	case "INT32", "INT16", "INT8":
		if err := count(len(c.IntContents)); err != nil {
			return nil, err
		}
		bits := map[string]int{"INT32": 32, "INT16": 16, "INT8": 8}[dt]
		for i, v := range c.IntContents {
			if bits < 32 && (v < -(1<<(bits-1)) || v >= 1<<(bits-1)) {
				return nil, badRequest("input '%s': element %d is %d, out of the range of %s", name, i, v, dt)
			}
			switch bits {
			case 32:
				out = le32Append(out, uint32(v))
			case 16:
				out = append(out, byte(v), byte(v>>8))
			default:
				out = append(out, byte(v))
			}
		}
	case "UINT8":
		if err := count(len(c.UintContents)); err != nil {
			return nil, err
		}
		for i, v := range c.UintContents {
			if v > 255 {
				return nil, badRequest("input '%s': element %d is %d, out of the range of UINT8", name, i, v)
			}
			out = append(out, byte(v))
		}
	case "BOOL":
		if err := count(len(c.BoolContents)); err != nil {
			return nil, err
		}
		for _, v := range c.BoolContents {
			if v {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		}
	default:
		return nil, badRequest("input '%s': datatype %s must be sent in raw_input_contents", name, dt)
	}
	return out, nil
}
