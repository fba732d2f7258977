package serve

import (
	"fmt"
	"strings"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(`
# a comment
name: "det"
platform: "paddle"
max_batch_size: 16
input [
  { name: "x", data_type: TYPE_FP32, dims: [ 3, -1, -1 ] }
]
output { name: "y" data_type: TYPE_FP32 dims: [ 1, -1, -1 ] }
instance_group [ { count: 2, kind: KIND_CPU }, { count: 1 } ]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 500
  default_queue_policy { max_queue_size: 32 default_timeout_microseconds: 2000000 }
}
version_policy: { latest: { num_versions: 2 } }
`)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %s %d %+v %+v %d %+v %+v", c.Name, c.Platform, c.MaxBatchSize, c.Inputs, c.Outputs, c.InstanceCount, *c.Dynamic, c.Versions)
	want := "det paddle 16 [{Name:x DataType:FP32 Dims:[3 -1 -1] Optional:false}] [{Name:y DataType:FP32 Dims:[1 -1 -1] Optional:false}] 3 " +
		"{PreferredBatchSizes:[4 8] MaxQueueDelayMicros:500 MaxQueueSize:32 DefaultTimeoutUs:2000000} {Kind:latest Latest:2 Specific:[]}"
	if got != want {
		t.Fatalf("parsed\n%s\nwant\n%s", got, want)
	}
	bad := []struct{ text, msg string }{
		{`name: "a" name: "b"`, "line 1: name is given twice"},
		{"\nsequence_batching { }", `line 2: config: field "sequence_batching" is not supported`},
		{`input [ { name: "x" data_type: TYPE_STRING dims: [1] } ]`, `data_type "TYPE_STRING" is not one this server handles`},
		{`input [ { name: "x" dims: [1] } ]`, `input "x" without a data_type`},
		{`max_batch_size: -1`, "max_batch_size is \"-1\", expected an integer in [0, 2147483647]"},
		{`instance_group [ { kind: KIND_GPU } ]`, "this server runs on the CPU only"},
		{`input [ { name: "x"`, "missing '}' at the end of the file"},
		{`name: "x`, "unterminated string"},
		{`}`, "'}' without a matching '{'"},
		{`version_policy: { specific: { } }`, "lists no versions"},
		{strings.Repeat("a { ", 20), "nesting deeper than 16"},
	}
	for _, b := range bad {
		_, err := ParseConfig(b.text)
		if err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%q: error %v, want one containing %q", b.text, err, b.msg)
		}
	}
}

func TestConfigComplete(t *testing.T) {
	ins := []pdsafe.TensorInfo{{Name: "x", DType: pdsafe.Float32, Shape: []int64{-1, 3, 64, 64}}}
	outs := []pdsafe.TensorInfo{{Name: "y", DType: pdsafe.Float32, Shape: []int64{-1, 10}}}
	// Completed from the model.
	c := &ModelConfig{MaxBatchSize: 4}
	if err := c.Complete("cls", ins, outs); err != nil {
		t.Fatal(err)
	}
	if c.Name != "cls" || c.InstanceCount != 1 || fmt.Sprint(c.Inputs[0].Dims) != "[3 64 64]" || c.Outputs[0].DataType != "FP32" {
		t.Fatalf("completed: %+v", c)
	}
	for _, b := range []struct{ cfg, msg string }{
		{`name: "other"`, `config.pbtxt names the model "other", its directory is "cls"`},
		{`backend: "onnxruntime"`, `backend "onnxruntime": this server runs PaddlePaddle models`},
		{`input [ { name: "z" data_type: TYPE_FP32 dims: [ 1 ] } ]`, `input "z" is declared in config.pbtxt but the model has no such input (it has: x float32[-1 3 64 64])`},
		{`max_batch_size: 2 input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 32, 64 ] } ]`, `declared with dims [3 32 64] but the model's are [3 64 64] (without the batch dimension`},
		{`input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 64, 64 ] } ]`, `declared with dims [3 64 64] but the model's are [-1 3 64 64]`},
		{`dynamic_batching { }`, "dynamic_batching needs max_batch_size > 0"},
		{`max_batch_size: 2 dynamic_batching { preferred_batch_size: 4 }`, "preferred_batch_size 4 is more than max_batch_size 2"},
	} {
		c, err := ParseConfig(b.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Complete("cls", ins, outs); err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%q: %v, want %q", b.cfg, err, b.msg)
		}
	}
	// A model whose first dim is fixed cannot batch.
	c = &ModelConfig{MaxBatchSize: 4}
	fixed := []pdsafe.TensorInfo{{Name: "x", DType: pdsafe.Float32, Shape: []int64{1, 3}}}
	if err := c.Complete("m", fixed, outs); err == nil || !strings.Contains(err.Error(), "does not take any size in its first dimension") {
		t.Fatalf("fixed batch: %v", err)
	}
}
