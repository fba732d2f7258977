// Package npy reads and writes NumPy .npy files (format versions 1.0 to 3.0)
// holding dense C-order arrays of float32, float64, int64, int32, uint8 or
// bool. It exists for the tests and examples of package pdsafe; it trusts
// nothing in a file: every size is checked before it is used and no read
// allocates more than the input actually holds.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// MaxBytes is the largest array data Read accepts.
const MaxBytes = 1 << 31

// Array is a decoded .npy array. Data is []float32, []float64, []int64,
// []int32, []uint8 or []bool, with len equal to the product of Shape.
type Array struct {
	// Descr is the NumPy type string as written in the file, e.g. "<f4".
	Descr string
	Shape []int64
	Data  any
}

var magic = []byte("\x93NUMPY")

// ReadFile reads a .npy file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read decodes one array from r.
func Read(r io.Reader) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading the preamble: %w", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, fmt.Errorf("npy: bad magic %q, expected \\x93NUMPY", pre[:6])
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		n := binary.LittleEndian.Uint32(b[:])
		if n > 1<<20 {
			return nil, fmt.Errorf("npy: header length %d is over 1 MiB", n)
		}
		hlen = int(n)
	default:
		return nil, fmt.Errorf("npy: format version %d.%d, expected 1.0, 2.0 or 3.0", pre[6], pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: reading the %d-byte header: %w", hlen, err)
	}
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, errors.New("npy: fortran_order True is not supported (C order only)")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if len(descr) != 3 {
		return nil, fmt.Errorf("npy: unsupported descr %q", descr)
	}
	switch descr[0] {
	case '<', '|':
	case '>':
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("npy: unsupported byte order in descr %q", descr)
	}
	size, ok := map[string]int{"f4": 4, "f8": 8, "i8": 8, "i4": 4, "u1": 1, "b1": 1}[descr[1:]]
	if !ok {
		return nil, fmt.Errorf("npy: unsupported descr %q (float32, float64, int64, int32, uint8, bool)", descr)
	}
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("npy: negative dim in shape %v", shape)
		}
		if d != 0 && n > MaxBytes/int64(size)/d {
			return nil, fmt.Errorf("npy: shape %v of %s is over %d bytes", shape, descr, int64(MaxBytes))
		}
		n *= d
	}
	need := n * int64(size)
	// Grow with what the input really holds, not with what the header claims.
	raw, err := io.ReadAll(io.LimitReader(r, need))
	if err != nil {
		return nil, fmt.Errorf("npy: reading the data: %w", err)
	}
	if int64(len(raw)) != need {
		return nil, fmt.Errorf("npy: data is %d bytes, shape %v of %s needs %d (truncated file)",
			len(raw), shape, descr, need)
	}
	a := &Array{Descr: descr, Shape: shape}
	switch descr[1:] {
	case "f4":
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(order.Uint32(raw[4*i:]))
		}
		a.Data = v
	case "f8":
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(order.Uint64(raw[8*i:]))
		}
		a.Data = v
	case "i8":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(order.Uint64(raw[8*i:]))
		}
		a.Data = v
	case "i4":
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(order.Uint32(raw[4*i:]))
		}
		a.Data = v
	case "u1":
		a.Data = raw
	case "b1":
		v := make([]bool, n)
		for i := range v {
			v[i] = raw[i] != 0
		}
		a.Data = v
	}
	return a, nil
}

// Float32 returns the data as []float32 (converting float64), or an error
// naming the actual type.
func (a *Array) Float32() ([]float32, error) {
	switch v := a.Data.(type) {
	case []float32:
		return v, nil
	case []float64:
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("npy: array is %s, not a float array", a.Descr)
}

// parseHeader parses the Python dict literal of a .npy header.
func parseHeader(h string) (descr string, fortran bool, shape []int64, err error) {
	p := &parser{s: strings.TrimRight(h, " \n\x00")}
	seen := map[string]bool{}
	p.skip()
	if !p.eat('{') {
		return "", false, nil, p.fail("expected '{'")
	}
	for {
		p.skip()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return "", false, nil, p.fail("expected a quoted key")
		}
		p.skip()
		if !p.eat(':') {
			return "", false, nil, p.fail("expected ':'")
		}
		p.skip()
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return "", false, nil, p.fail("descr: expected a string")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
				fortran = false
			default:
				return "", false, nil, p.fail("fortran_order: expected True or False")
			}
		case "shape":
			if shape, ok = p.tuple(); !ok {
				return "", false, nil, p.fail("shape: expected a tuple of integers")
			}
			if len(shape) > 32 {
				return "", false, nil, p.fail("shape: more than 32 dims")
			}
		default:
			return "", false, nil, p.fail("unknown key " + strconv.Quote(key))
		}
		seen[key] = true
		p.skip()
		if p.eat(',') {
			continue
		}
		p.skip()
		if !p.eat('}') {
			return "", false, nil, p.fail("expected ',' or '}'")
		}
		break
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return "", false, nil, fmt.Errorf("npy: header %q has no %q", h, k)
		}
	}
	return descr, fortran, shape, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("npy: bad header at byte %d: %s (header %q)", p.i, what, p.s)
}

func (p *parser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *parser) str() (string, bool) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	j := strings.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+j]
	p.i += j + 2
	return v, true
}

func (p *parser) tuple() ([]int64, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int64{}
	for {
		p.skip()
		if p.eat(')') {
			return shape, true
		}
		j := p.i
		for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '-') {
			j++
		}
		// Python 2 wrote long dims as 3L.
		d, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, false
		}
		p.i = j
		p.eat('L')
		shape = append(shape, d)
		p.skip()
		if !p.eat(',') {
			p.skip()
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}

// Write encodes data ([]float32, []float64, []int64, []int32, []uint8 or
// []bool) with shape as a version 1.0 .npy file.
func Write(w io.Writer, shape []int64, data any) error {
	var descr string
	var n int
	var body []byte
	switch v := data.(type) {
	case []float32:
		descr, n = "<f4", len(v)
		body = make([]byte, 4*n)
		for i, x := range v {
			binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(x))
		}
	case []float64:
		descr, n = "<f8", len(v)
		body = make([]byte, 8*n)
		for i, x := range v {
			binary.LittleEndian.PutUint64(body[8*i:], math.Float64bits(x))
		}
	case []int64:
		descr, n = "<i8", len(v)
		body = make([]byte, 8*n)
		for i, x := range v {
			binary.LittleEndian.PutUint64(body[8*i:], uint64(x))
		}
	case []int32:
		descr, n = "<i4", len(v)
		body = make([]byte, 4*n)
		for i, x := range v {
			binary.LittleEndian.PutUint32(body[4*i:], uint32(x))
		}
	case []uint8:
		descr, n, body = "|u1", len(v), v
	case []bool:
		descr, n = "|b1", len(v)
		body = make([]byte, n)
		for i, x := range v {
			if x {
				body[i] = 1
			}
		}
	default:
		return fmt.Errorf("npy: cannot write %T", data)
	}
	want := int64(1)
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dim in shape %v", shape)
		}
		want *= d
		dims[i] = strconv.FormatInt(d, 10)
	}
	if want != int64(n) {
		return fmt.Errorf("npy: shape %v needs %d elements, data has %d", shape, want, n)
	}
	st := strings.Join(dims, ", ")
	if len(shape) == 1 {
		st += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, st)
	// Pad so that the data starts on a 64-byte boundary, ending with '\n'.
	total := len(magic) + 2 + 2 + len(hdr) + 1
	hdr += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(hdr) > math.MaxUint16 {
		return fmt.Errorf("npy: header too long")
	}
	var buf bytes.Buffer
	buf.Write(magic)
	buf.Write([]byte{1, 0})
	var l [2]byte
	binary.LittleEndian.PutUint16(l[:], uint16(len(hdr)))
	buf.Write(l[:])
	buf.WriteString(hdr)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// WriteFile writes a .npy file.
func WriteFile(path string, shape []int64, data any) error {
	var buf bytes.Buffer
	if err := Write(&buf, shape, data); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
