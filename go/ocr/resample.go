package ocr

import "math"

// Resampling, with OpenCV's conventions so that the models see what they saw
// in training and what PaddleOCR's Python pipeline gives them: pixel centres
// at +0.5, bilinear resize clamped at the edges, bicubic with a = -0.75 and
// replicated borders for the perspective crop.

type axisTab struct {
	i0, i1 []int32
	w1     []float32
}

func linearTab(dst, src int) axisTab {
	t := axisTab{make([]int32, dst), make([]int32, dst), make([]float32, dst)}
	scale := float64(src) / float64(dst)
	for d := 0; d < dst; d++ {
		f := (float64(d)+0.5)*scale - 0.5
		s := int(math.Floor(f))
		f -= float64(s)
		if s < 0 {
			s, f = 0, 0
		}
		if s >= src-1 {
			s, f = src-1, 0
		}
		s1 := s + 1
		if s1 > src-1 {
			s1 = src - 1
		}
		t.i0[d], t.i1[d], t.w1[d] = int32(s), int32(s1), float32(f)
	}
	return t
}

// resizeInto resizes src to w×h with bilinear interpolation and hands each
// output pixel's three samples (B, G, R, rounded to 8 bits as OpenCV stores
// them) to put, row by row.
func resizeEach(src *bgr, w, h int, put func(x, y int, b, g, r uint8)) {
	tx, ty := linearTab(w, src.w), linearTab(h, src.h)
	row0 := make([]float32, 3*w)
	row1 := make([]float32, 3*w)
	hline := func(dst []float32, y int) {
		s := src.pix[3*y*src.w:]
		for x := 0; x < w; x++ {
			a, b, f := int(tx.i0[x])*3, int(tx.i1[x])*3, tx.w1[x]
			for c := 0; c < 3; c++ {
				dst[3*x+c] = float32(s[a+c])*(1-f) + float32(s[b+c])*f
			}
		}
	}
	last0, last1 := -1, -1
	for y := 0; y < h; y++ {
		y0, y1, f := int(ty.i0[y]), int(ty.i1[y]), ty.w1[y]
		if y0 != last0 {
			if y0 == last1 {
				row0, row1 = row1, row0
				last0, last1 = last1, -1
			} else {
				hline(row0, y0)
				last0 = y0
			}
		}
		if y1 != last1 {
			hline(row1, y1)
			last1 = y1
		}
		for x := 0; x < w; x++ {
			var v [3]uint8
			for c := 0; c < 3; c++ {
				v[c] = sat(row0[3*x+c]*(1-f) + row1[3*x+c]*f)
			}
			put(x, y, v[0], v[1], v[2])
		}
	}
}

func sat(v float32) uint8 {
	v = float32(math.RoundToEven(float64(v)))
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

func resize(src *bgr, w, h int) *bgr {
	out := newBGR(w, h)
	resizeEach(src, w, h, func(x, y int, b, g, r uint8) {
		i := 3 * (y*w + x)
		out.pix[i], out.pix[i+1], out.pix[i+2] = b, g, r
	})
	return out
}

// perspective returns the 3×3 homography that maps the four points from to
// the four points to (row-major, h[8] = 1), or ok = false when they are
// degenerate.
func perspective(from, to [4][2]float64) (h [9]float64, ok bool) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := from[i][0], from[i][1], to[i][0], to[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -x * u, -y * u, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -x * v, -y * v, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return h, false
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			k := a[r][c] / a[c][c]
			for j := c; j < 9; j++ {
				a[r][j] -= k * a[c][j]
			}
		}
	}
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h, true
}

func cubicW(t float64) [4]float64 {
	const A = -0.75
	var w [4]float64
	w[0] = ((A*(t+1)-5*A)*(t+1)+8*A)*(t+1) - 4*A
	w[1] = ((A+2)*t-(A+3))*t*t + 1
	w[2] = ((A+2)*(1-t)-(A+3))*(1-t)*(1-t) + 1
	w[3] = 1 - w[0] - w[1] - w[2]
	return w
}

// warp fills a w×h image whose pixel (x, y) is src at the homography
// inv·(x, y, 1), bicubic, borders replicated (OpenCV's warpPerspective with
// WARP_INVERSE_MAP semantics, INTER_CUBIC, BORDER_REPLICATE).
func warp(src *bgr, inv [9]float64, w, h int) *bgr {
	out := newBGR(w, h)
	clampi := func(v, n int) int {
		if v < 0 {
			return 0
		}
		if v >= n {
			return n - 1
		}
		return v
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x), float64(y)
			W := inv[6]*fx + inv[7]*fy + inv[8]
			if W != 0 {
				W = 1 / W
			}
			sx := (inv[0]*fx + inv[1]*fy + inv[2]) * W
			sy := (inv[3]*fx + inv[4]*fy + inv[5]) * W
			// OpenCV quantises the source position to 1/32 of a pixel.
			sx = math.Round(sx*32) / 32
			sy = math.Round(sy*32) / 32
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			wx, wy := cubicW(sx-float64(x0)), cubicW(sy-float64(y0))
			var acc [3]float64
			for j := 0; j < 4; j++ {
				yy := clampi(y0-1+j, src.h)
				for i := 0; i < 4; i++ {
					xx := clampi(x0-1+i, src.w)
					k := wx[i] * wy[j]
					p := 3 * (yy*src.w + xx)
					acc[0] += k * float64(src.pix[p])
					acc[1] += k * float64(src.pix[p+1])
					acc[2] += k * float64(src.pix[p+2])
				}
			}
			o := 3 * (y*w + x)
			out.pix[o], out.pix[o+1], out.pix[o+2] = sat(float32(acc[0])), sat(float32(acc[1])), sat(float32(acc[2]))
		}
	}
	return out
}

// rot90 turns the image a quarter counter-clockwise (numpy's rot90).
func rot90(src *bgr) *bgr {
	out := newBGR(src.h, src.w)
	for y := 0; y < out.h; y++ {
		for x := 0; x < out.w; x++ {
			s := 3 * (x*src.w + (src.w - 1 - y))
			o := 3 * (y*out.w + x)
			copy(out.pix[o:o+3], src.pix[s:s+3])
		}
	}
	return out
}

// rot180 turns the image half a turn.
func rot180(src *bgr) *bgr {
	out := newBGR(src.w, src.h)
	n := src.w * src.h
	for i := 0; i < n; i++ {
		copy(out.pix[3*(n-1-i):3*(n-1-i)+3], src.pix[3*i:3*i+3])
	}
	return out
}

// padTopBottom adds p black rows above and below.
func padTopBottom(src *bgr, p int) *bgr {
	out := newBGR(src.w, src.h+2*p)
	copy(out.pix[3*p*src.w:], src.pix)
	return out
}
