package ocr

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Dictionary is a recognition model's character set: Chars[i] is the text of
// class i+1 (class 0 is the CTC blank), and the last class is a space.
type Dictionary struct {
	Chars []string
}

// LoadDictionary reads a character dictionary: a text file with one
// character per line (PP-OCRv4's ppocr_keys_v1.txt), or a model's
// inference.yml whose PostProcess lists character_dict (PP-OCRv5). A space
// class is appended as PaddleOCR does (use_space_char).
func LoadDictionary(path string) (*Dictionary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ocr: could not read the dictionary: %w", err)
	}
	var chars []string
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yml" || ext == ".yaml" {
		chars, err = yamlCharDict(data)
		if err != nil {
			return nil, fmt.Errorf("ocr: could not read the dictionary %s: %w", path, err)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 4096), 1<<20)
		for sc.Scan() {
			chars = append(chars, strings.TrimSuffix(sc.Text(), "\r"))
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("ocr: could not read the dictionary %s: %w", path, err)
		}
	}
	if len(chars) == 0 {
		return nil, fmt.Errorf("ocr: could not read the dictionary %s: it has no characters", path)
	}
	return &Dictionary{Chars: append(chars, " ")}, nil
}

// yamlCharDict reads the list under "character_dict:" of a PaddleOCR
// inference.yml: one "  - item" line each, items plain, 'single' (” is ')
// or "double" quoted.
func yamlCharDict(data []byte) ([]string, error) {
	lines := strings.Split(string(data), "\n")
	var out []string
	in := false
	indent := ""
	for n, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if !in {
			if strings.TrimSpace(l) == "character_dict:" {
				in = true
			}
			continue
		}
		t := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(t, "- ") && t != "-" {
			break
		}
		if indent == "" {
			indent = l[:len(l)-len(t)]
		} else if l[:len(l)-len(t)] != indent {
			break
		}
		v := strings.TrimPrefix(strings.TrimPrefix(t, "-"), " ")
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			var err error
			if v, err = unquoteYAML(v[1 : len(v)-1]); err != nil {
				return nil, fmt.Errorf("line %d: %v", n+1, err)
			}
		}
		out = append(out, v)
	}
	if !in {
		return nil, fmt.Errorf("no character_dict list")
	}
	return out, nil
}

func unquoteYAML(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("a backslash ends %q", s)
		}
		switch s[i] {
		case '\\', '"', '/':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u', 'U', 'x':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+1+n > len(s) {
				return "", fmt.Errorf("a short escape in %q", s)
			}
			var r rune
			if _, err := fmt.Sscanf(s[i+1:i+1+n], "%x", &r); err != nil {
				return "", fmt.Errorf("a bad escape in %q", s)
			}
			b.WriteRune(r)
			i += n
		default:
			return "", fmt.Errorf("an unknown escape \\%c in %q", s[i], s)
		}
	}
	return b.String(), nil
}

// crop cuts the quadrilateral box out of img and rectifies it to a
// rectangle as wide as its longer top/bottom edge and as high as its longer
// side edge; a crop at least 1.5 times higher than wide is turned a quarter
// (vertical text). ok is false for a degenerate box.
func crop(img *bgr, box [4]pt) (*bgr, bool) {
	d := func(a, b pt) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }
	w := int(math.Max(d(box[0], box[1]), d(box[2], box[3])))
	h := int(math.Max(d(box[0], box[3]), d(box[1], box[2])))
	if w < 1 || h < 1 {
		return nil, false
	}
	dst := [4][2]float64{{0, 0}, {float64(w), 0}, {float64(w), float64(h)}, {0, float64(h)}}
	var src [4][2]float64
	for i, p := range box {
		src[i] = [2]float64{p.x, p.y}
	}
	inv, ok := perspective(dst, src)
	if !ok {
		return nil, false
	}
	out := warp(img, inv, w, h)
	if float64(out.h)/float64(out.w) >= 1.5 {
		out = rot90(out)
	}
	return out, true
}

// lineInput writes img resized to height 48 (width by its aspect ratio, at
// most width) and normalised to [-1, 1] into dst, a 3×48×width CHW plane set
// already zeroed; the rest stays 0 (the padding the models were trained
// with).
func lineInput(dst []float32, img *bgr, height, width int) {
	ratio := float64(img.w) / float64(img.h)
	rw := int(math.Ceil(float64(height) * ratio))
	if rw > width {
		rw = width
	}
	if rw < 1 {
		rw = 1
	}
	plane := height * width
	resizeEach(img, rw, height, func(x, y int, b, g, r uint8) {
		i := y*width + x
		dst[i] = (float32(b)/255 - 0.5) / 0.5
		dst[plane+i] = (float32(g)/255 - 0.5) / 0.5
		dst[2*plane+i] = (float32(r)/255 - 0.5) / 0.5
	})
}

// ctcDecode is greedy CTC decoding of one T×C row-major probability matrix:
// the best class per step, repeats merged, blanks (class 0) dropped; the
// score is the mean probability of the kept steps (0 when none is kept).
func ctcDecode(probs []float32, steps, classes int, dict *Dictionary) (string, float64) {
	var b strings.Builder
	var sum float64
	kept := 0
	prev := -1
	for t := 0; t < steps; t++ {
		row := probs[t*classes : (t+1)*classes]
		best, bp := 0, row[0]
		for c := 1; c < classes; c++ {
			if row[c] > bp {
				best, bp = c, row[c]
			}
		}
		if best != 0 && best != prev {
			if best-1 < len(dict.Chars) {
				b.WriteString(dict.Chars[best-1])
			}
			sum += float64(bp)
			kept++
		}
		prev = best
	}
	if kept == 0 {
		return "", 0
	}
	return b.String(), sum / float64(kept)
}
