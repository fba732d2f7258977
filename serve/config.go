package serve

// The model configuration: config.pbtxt, Triton's ModelConfig in protobuf
// text format. A small hand-written parser reads the subset this server
// uses (see ModelConfig); any other field is refused with its line, so that
// a setting is never silently ignored.

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// TensorConfig is one input or output of config.pbtxt.
type TensorConfig struct {
	Name     string
	DataType string // "FP32", ... (the protocol's names; TYPE_ dropped)
	Dims     []int64
	Optional bool
}

// VersionPolicy says which version directories are served.
type VersionPolicy struct {
	Kind     string  // "latest" (default), "all" or "specific"
	Latest   int     // for "latest": how many of the highest versions (default 1)
	Specific []int64 // for "specific"
}

// DynamicBatching is the dynamic_batching block; nil when absent.
type DynamicBatching struct {
	PreferredBatchSizes []int
	MaxQueueDelayMicros uint64
	MaxQueueSize        int    // default_queue_policy.max_queue_size, 0 = server default
	DefaultTimeoutUs    uint64 // default_queue_policy.default_timeout_microseconds
}

// ModelConfig is the part of Triton's model configuration this server reads.
type ModelConfig struct {
	Name          string
	Platform      string
	Backend       string
	MaxBatchSize  int
	Inputs        []TensorConfig
	Outputs       []TensorConfig
	InstanceCount int // the sum of instance_group counts; 0 = not given
	Dynamic       *DynamicBatching
	Versions      VersionPolicy
}

// The element types and their protocol names. Only those with a Go element
// type in the pdsafe package can be model inputs.
var protoDTypes = map[string]pdsafe.DType{
	"BOOL": pdsafe.Bool, "UINT8": pdsafe.Uint8, "INT8": pdsafe.Int8, "INT16": pdsafe.Int16,
	"INT32": pdsafe.Int32, "INT64": pdsafe.Int64, "FP16": pdsafe.Float16, "FP32": pdsafe.Float32,
	"FP64": pdsafe.Float64, "BF16": pdsafe.BFloat16,
}

// protoNames is protoDTypes the other way round.
var protoNames = func() map[pdsafe.DType]string {
	m := make(map[pdsafe.DType]string, len(protoDTypes))
	for n, d := range protoDTypes {
		m[d] = n
	}
	return m
}()

// protoName returns the protocol's name of a pdsafe element type.
func protoName(d pdsafe.DType) string {
	if n, ok := protoNames[d]; ok {
		return n
	}
	return "INVALID"
}

// ---- the text format: tokens, then a tree ----

type pbField struct {
	name  string
	line  int
	value string     // a scalar (identifier, number or unquoted string)
	msg   []*pbField // a message value
	isMsg bool
}

type pbLexer struct {
	src  string
	pos  int
	line int
}

// maxConfigBytes bounds config.pbtxt; maxConfigDepth bounds nesting.
const (
	maxConfigBytes = 1 << 20
	maxConfigDepth = 16
)

func (l *pbLexer) skip() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ';':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

// next returns the next token: one of "{}[]:" or a word, or a quoted string
// (returned unquoted with quoted=true); "" at the end.
func (l *pbLexer) next() (tok string, quoted bool, err error) {
	l.skip()
	if l.pos >= len(l.src) {
		return "", false, nil
	}
	c := l.src[l.pos]
	switch c {
	case '{', '}', '[', ']', ':', '<', '>':
		l.pos++
		if c == '<' {
			return "{", false, nil
		}
		if c == '>' {
			return "}", false, nil
		}
		return string(c), false, nil
	case '"', '\'':
		end := l.pos + 1
		for end < len(l.src) && l.src[end] != c {
			if l.src[end] == '\\' {
				end++
			}
			if end < len(l.src) && l.src[end] == '\n' {
				return "", false, fmt.Errorf("line %d: unterminated string", l.line)
			}
			end++
		}
		if end >= len(l.src) {
			return "", false, fmt.Errorf("line %d: unterminated string", l.line)
		}
		s, err := strconv.Unquote(`"` + strings.ReplaceAll(l.src[l.pos+1:end], `"`, `\"`) + `"`)
		if err != nil {
			return "", false, fmt.Errorf("line %d: bad string %s: %v", l.line, l.src[l.pos:end+1], err)
		}
		l.pos = end + 1
		return s, true, nil
	}
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '_' || c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			l.pos++
			continue
		}
		break
	}
	if start == l.pos {
		return "", false, fmt.Errorf("line %d: unexpected character %q", l.line, c)
	}
	return l.src[start:l.pos], false, nil
}

// parseFields reads fields until "}" (depth > 0) or the end (depth 0).
func (l *pbLexer) parseFields(depth int) ([]*pbField, error) {
	if depth > maxConfigDepth {
		return nil, fmt.Errorf("line %d: nesting deeper than %d", l.line, maxConfigDepth)
	}
	var out []*pbField
	for {
		tok, quoted, err := l.next()
		if err != nil {
			return nil, err
		}
		if tok == "" && !quoted {
			if depth > 0 {
				return nil, fmt.Errorf("line %d: missing '}' at the end of the file", l.line)
			}
			return out, nil
		}
		if tok == "}" && !quoted {
			if depth == 0 {
				return nil, fmt.Errorf("line %d: '}' without a matching '{'", l.line)
			}
			return out, nil
		}
		if quoted || !isIdent(tok) {
			return nil, fmt.Errorf("line %d: expected a field name, found %q", l.line, tok)
		}
		name, line := tok, l.line
		tok, quoted, err = l.next()
		if err != nil {
			return nil, err
		}
		if tok == ":" && !quoted {
			tok, quoted, err = l.next()
			if err != nil {
				return nil, err
			}
		}
		vals, err := l.parseValue(name, line, tok, quoted, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
}

// parseValue reads the value that starts with tok: a scalar, a message or a
// list of either (each element becomes one field, as repeated fields are).
func (l *pbLexer) parseValue(name string, line int, tok string, quoted bool, depth int) ([]*pbField, error) {
	switch {
	case tok == "{" && !quoted:
		msg, err := l.parseFields(depth + 1)
		if err != nil {
			return nil, err
		}
		return []*pbField{{name: name, line: line, msg: msg, isMsg: true}}, nil
	case tok == "[" && !quoted:
		var out []*pbField
		for {
			t, q, err := l.next()
			if err != nil {
				return nil, err
			}
			if t == "]" && !q {
				return out, nil
			}
			if t == "" && !q {
				return nil, fmt.Errorf("line %d: missing ']' for %s", line, name)
			}
			if (t == "[" || t == "]" || t == ":" || t == "}") && !q {
				return nil, fmt.Errorf("line %d: unexpected %q in the list of %s", l.line, t, name)
			}
			v, err := l.parseValue(name, l.line, t, q, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v...)
		}
	case (tok == "" || tok == "}" || tok == "]" || tok == ":") && !quoted:
		return nil, fmt.Errorf("line %d: missing value for %s", line, name)
	}
	return []*pbField{{name: name, line: line, value: tok}}, nil
}

func isIdent(s string) bool {
	if s == "" || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// ---- from the tree to ModelConfig ----

func scalar(f *pbField) (string, error) {
	if f.isMsg {
		return "", fmt.Errorf("line %d: %s takes a value, not a block", f.line, f.name)
	}
	return f.value, nil
}

func intField(f *pbField, min, max int64) (int64, error) {
	s, err := scalar(f)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil || v < min || v > max {
		return 0, fmt.Errorf("line %d: %s is %q, expected an integer in [%d, %d]", f.line, f.name, s, min, max)
	}
	return v, nil
}

func boolField(f *pbField) (bool, error) {
	s, err := scalar(f)
	if err != nil {
		return false, err
	}
	switch s {
	case "true", "True", "1":
		return true, nil
	case "false", "False", "0":
		return false, nil
	}
	return false, fmt.Errorf("line %d: %s is %q, expected true or false", f.line, f.name, s)
}

func block(f *pbField) ([]*pbField, error) {
	if !f.isMsg {
		return nil, fmt.Errorf("line %d: %s takes a block { ... }, found %q", f.line, f.name, f.value)
	}
	return f.msg, nil
}

func unknown(f *pbField, where, known string) error {
	return fmt.Errorf("line %d: %s: field %q is not supported (supported: %s)", f.line, where, f.name, known)
}

// ParseConfig parses config.pbtxt text.
func ParseConfig(text string) (*ModelConfig, error) {
	if len(text) > maxConfigBytes {
		return nil, fmt.Errorf("the configuration is %d bytes, more than the limit of %d", len(text), maxConfigBytes)
	}
	l := &pbLexer{src: text, line: 1}
	fields, err := l.parseFields(0)
	if err != nil {
		return nil, err
	}
	c := &ModelConfig{Versions: VersionPolicy{Kind: "latest", Latest: 1}}
	seen := map[string]int{}
	for _, f := range fields {
		seen[f.name]++
		if seen[f.name] > 1 && f.name != "input" && f.name != "output" && f.name != "instance_group" {
			return nil, fmt.Errorf("line %d: %s is given twice", f.line, f.name)
		}
		var err error
		switch f.name {
		case "name":
			c.Name, err = scalar(f)
		case "platform":
			c.Platform, err = scalar(f)
		case "backend":
			c.Backend, err = scalar(f)
		case "max_batch_size":
			var v int64
			v, err = intField(f, 0, math.MaxInt32)
			c.MaxBatchSize = int(v)
		case "input", "output":
			var t TensorConfig
			t, err = parseTensor(f)
			if f.name == "input" {
				c.Inputs = append(c.Inputs, t)
			} else {
				c.Outputs = append(c.Outputs, t)
			}
		case "instance_group":
			var n int
			n, err = parseInstanceGroup(f)
			c.InstanceCount += n
		case "dynamic_batching":
			c.Dynamic, err = parseDynamic(f)
		case "version_policy":
			c.Versions, err = parseVersionPolicy(f)
		default:
			err = unknown(f, "config", "name, platform, backend, max_batch_size, input, output, instance_group, dynamic_batching, version_policy")
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func parseTensor(f *pbField) (TensorConfig, error) {
	var t TensorConfig
	fields, err := block(f)
	if err != nil {
		return t, err
	}
	for _, g := range fields {
		switch g.name {
		case "name":
			t.Name, err = scalar(g)
		case "data_type":
			var s string
			s, err = scalar(g)
			dt := strings.TrimPrefix(s, "TYPE_")
			if _, ok := protoDTypes[dt]; err == nil && (!ok || !strings.HasPrefix(s, "TYPE_")) {
				err = fmt.Errorf("line %d: data_type %q is not one this server handles (TYPE_FP32, TYPE_INT64, TYPE_INT32, TYPE_UINT8, TYPE_BOOL, ...)", g.line, s)
			}
			t.DataType = dt
		case "dims":
			var v int64
			v, err = intField(g, -1, math.MaxInt32)
			t.Dims = append(t.Dims, v)
		case "optional":
			t.Optional, err = boolField(g)
		case "format", "label_filename":
			// Descriptive only: accepted and not used.
		default:
			err = unknown(g, f.name, "name, data_type, dims, optional, format, label_filename")
		}
		if err != nil {
			return t, err
		}
	}
	if t.Name == "" {
		return t, fmt.Errorf("line %d: %s without a name", f.line, f.name)
	}
	if t.DataType == "" {
		return t, fmt.Errorf("line %d: %s %q without a data_type", f.line, f.name, t.Name)
	}
	if len(t.Dims) > pdsafe.MaxRank {
		return t, fmt.Errorf("line %d: %s %q has %d dims, more than %d", f.line, f.name, t.Name, len(t.Dims), pdsafe.MaxRank)
	}
	return t, nil
}

func parseInstanceGroup(f *pbField) (int, error) {
	fields, err := block(f)
	if err != nil {
		return 0, err
	}
	count := 1
	for _, g := range fields {
		switch g.name {
		case "count":
			var v int64
			v, err = intField(g, 1, 1024)
			count = int(v)
		case "kind":
			var s string
			s, err = scalar(g)
			if err == nil && s != "KIND_CPU" && s != "KIND_AUTO" && s != "KIND_MODEL" {
				err = fmt.Errorf("line %d: instance_group kind %s: this server runs on the CPU only (KIND_CPU)", g.line, s)
			}
		case "name":
			_, err = scalar(g)
		default:
			err = unknown(g, "instance_group", "count, kind, name")
		}
		if err != nil {
			return 0, err
		}
	}
	return count, nil
}

func parseDynamic(f *pbField) (*DynamicBatching, error) {
	fields, err := block(f)
	if err != nil {
		return nil, err
	}
	d := &DynamicBatching{}
	for _, g := range fields {
		switch g.name {
		case "preferred_batch_size":
			var v int64
			v, err = intField(g, 1, math.MaxInt32)
			d.PreferredBatchSizes = append(d.PreferredBatchSizes, int(v))
		case "max_queue_delay_microseconds":
			var v int64
			v, err = intField(g, 0, 60_000_000)
			d.MaxQueueDelayMicros = uint64(v)
		case "preserve_ordering":
			_, err = boolField(g)
		case "default_queue_policy":
			var qs []*pbField
			qs, err = block(g)
			for _, q := range qs {
				if err != nil {
					break
				}
				var v int64
				switch q.name {
				case "max_queue_size":
					v, err = intField(q, 0, 1<<20)
					d.MaxQueueSize = int(v)
				case "default_timeout_microseconds":
					v, err = intField(q, 0, math.MaxInt64/1000)
					d.DefaultTimeoutUs = uint64(v)
				case "allow_timeout_override", "timeout_action":
					_, err = scalar(q)
				default:
					err = unknown(q, "default_queue_policy", "max_queue_size, default_timeout_microseconds, allow_timeout_override, timeout_action")
				}
			}
		default:
			err = unknown(g, "dynamic_batching", "preferred_batch_size, max_queue_delay_microseconds, preserve_ordering, default_queue_policy")
		}
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

func parseVersionPolicy(f *pbField) (VersionPolicy, error) {
	p := VersionPolicy{Kind: "latest", Latest: 1}
	fields, err := block(f)
	if err != nil {
		return p, err
	}
	if len(fields) != 1 {
		return p, fmt.Errorf("line %d: version_policy takes exactly one of latest, all, specific", f.line)
	}
	g := fields[0]
	sub, err := block(g)
	if err != nil {
		return p, err
	}
	switch g.name {
	case "latest":
		for _, h := range sub {
			if h.name != "num_versions" {
				return p, unknown(h, "latest", "num_versions")
			}
			v, err := intField(h, 1, 1<<20)
			if err != nil {
				return p, err
			}
			p.Latest = int(v)
		}
	case "all":
		if len(sub) > 0 {
			return p, unknown(sub[0], "all", "nothing")
		}
		p.Kind = "all"
	case "specific":
		p.Kind = "specific"
		for _, h := range sub {
			if h.name != "versions" {
				return p, unknown(h, "specific", "versions")
			}
			v, err := intField(h, 0, math.MaxInt64)
			if err != nil {
				return p, err
			}
			p.Specific = append(p.Specific, v)
		}
		if len(p.Specific) == 0 {
			return p, fmt.Errorf("line %d: version_policy specific lists no versions", g.line)
		}
	default:
		return p, unknown(g, "version_policy", "latest, all, specific")
	}
	return p, nil
}

// LoadConfig reads and parses a config.pbtxt file; a missing file gives an
// empty configuration that CheckAgainstModel completes from the model.
func LoadConfig(path string) (*ModelConfig, error) {
	st, err := os.Stat(path)
	if os.IsNotExist(err) {
		return &ModelConfig{Versions: VersionPolicy{Kind: "latest", Latest: 1}}, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Size() > maxConfigBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d", path, st.Size(), maxConfigBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Complete checks the configuration against the loaded model and fills
// what it leaves out: the inputs and outputs (from the model) and the
// instance count (1). With max_batch_size > 0 every model input and output
// must take any size in its first dimension, which is then the batch
// dimension and not part of dims.
func (c *ModelConfig) Complete(name string, inputs, outputs []pdsafe.TensorInfo) error {
	if c.Name == "" {
		c.Name = name
	} else if c.Name != name {
		return fmt.Errorf("config.pbtxt names the model %q, its directory is %q", c.Name, name)
	}
	switch c.Platform {
	case "", "paddle", "paddle_inference", "pdsafe":
	default:
		return fmt.Errorf("platform %q: this server runs PaddlePaddle models (platform \"paddle\" or none)", c.Platform)
	}
	switch c.Backend {
	case "", "paddle", "pdsafe":
	default:
		return fmt.Errorf("backend %q: this server runs PaddlePaddle models (backend \"paddle\" or none)", c.Backend)
	}
	if c.Backend == "" && c.Platform == "" {
		c.Backend = "pdsafe"
	}
	if c.InstanceCount == 0 {
		c.InstanceCount = 1
	}
	if c.Dynamic != nil && c.MaxBatchSize == 0 {
		return fmt.Errorf("dynamic_batching needs max_batch_size > 0")
	}
	batch := c.MaxBatchSize > 0
	check := func(kind string, decl []TensorConfig, model []pdsafe.TensorInfo, all bool) ([]TensorConfig, error) {
		if len(decl) == 0 {
			for _, m := range model {
				t := TensorConfig{Name: m.Name, DataType: protoName(m.DType), Dims: append([]int64(nil), m.Shape...)}
				if batch {
					if len(m.Shape) == 0 || m.Shape[0] != -1 {
						return nil, fmt.Errorf("max_batch_size is %d but model %s %s does not take any size in its first dimension", c.MaxBatchSize, kind, m)
					}
					t.Dims = t.Dims[1:]
				}
				decl = append(decl, t)
			}
			return decl, nil
		}
		seen := map[string]bool{}
		for _, d := range decl {
			if seen[d.Name] {
				return nil, fmt.Errorf("%s %q is declared twice", kind, d.Name)
			}
			seen[d.Name] = true
			var m *pdsafe.TensorInfo
			for i := range model {
				if model[i].Name == d.Name {
					m = &model[i]
				}
			}
			if m == nil {
				return nil, fmt.Errorf("%s %q is declared in config.pbtxt but the model has no such %s (it has: %s)", kind, d.Name, kind, infoNames(model))
			}
			if protoDTypes[d.DataType] != m.DType {
				return nil, fmt.Errorf("%s %q is declared TYPE_%s but the model's is %s", kind, d.Name, d.DataType, m.DType)
			}
			shape := m.Shape
			if batch {
				if len(shape) == 0 || shape[0] != -1 {
					return nil, fmt.Errorf("max_batch_size is %d but model %s %s does not take any size in its first dimension", c.MaxBatchSize, kind, *m)
				}
				shape = shape[1:]
			}
			if len(d.Dims) != len(shape) {
				return nil, fmt.Errorf("%s %q is declared with dims %v but the model's are %v%s", kind, d.Name, d.Dims, shape, batchNote(batch))
			}
			for i := range shape {
				if shape[i] != -1 && d.Dims[i] != shape[i] {
					return nil, fmt.Errorf("%s %q is declared with dims %v but the model's are %v%s", kind, d.Name, d.Dims, shape, batchNote(batch))
				}
			}
			if d.Optional {
				return nil, fmt.Errorf("%s %q is declared optional: the model needs every input", kind, d.Name)
			}
		}
		if all && len(decl) != len(model) {
			var missing []string
			for _, m := range model {
				if !seen[m.Name] {
					missing = append(missing, m.String())
				}
			}
			return nil, fmt.Errorf("the model's %ss %s are not declared in config.pbtxt", kind, strings.Join(missing, ", "))
		}
		return decl, nil
	}
	var err error
	if c.Inputs, err = check("input", c.Inputs, inputs, true); err != nil {
		return err
	}
	for _, in := range c.Inputs {
		switch protoDTypes[in.DataType] {
		case pdsafe.Float32, pdsafe.Int64, pdsafe.Int32, pdsafe.Uint8, pdsafe.Bool:
		default:
			return fmt.Errorf("input %q is %s: this server takes FP32, INT64, INT32, UINT8 and BOOL inputs", in.Name, in.DataType)
		}
	}
	if c.Outputs, err = check("output", c.Outputs, outputs, false); err != nil {
		return err
	}
	if c.Dynamic != nil {
		for _, p := range c.Dynamic.PreferredBatchSizes {
			if p > c.MaxBatchSize {
				return fmt.Errorf("preferred_batch_size %d is more than max_batch_size %d", p, c.MaxBatchSize)
			}
		}
	}
	return nil
}

func batchNote(batch bool) string {
	if batch {
		return " (without the batch dimension, as max_batch_size > 0)"
	}
	return ""
}

func infoNames(ts []pdsafe.TensorInfo) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}
