package ocr

import "math"

// Resampling, with OpenCV's conventions so that the models see what they saw
// in training and what PaddleOCR's Python pipeline gives them: pixel centres
// at +0.5, bilinear resize clamped at the edges, bicubic with a = -0.75 and
// replicated borders for the perspective crop.

// axisTab holds, per output index, the two source indices and their weights
// in OpenCV's 11-bit fixed point (INTER_RESIZE_COEF_SCALE).
type axisTab struct {
	i0, i1 []int32
	a0, a1 []int32
}

const resizeCoefScale = 2048

func linearTab(dst, src int) axisTab {
	t := axisTab{make([]int32, dst), make([]int32, dst), make([]int32, dst), make([]int32, dst)}
	scale := 1 / (float64(dst) / float64(src))
	for d := 0; d < dst; d++ {
		f := float32((float64(d)+0.5)*scale - 0.5)
		s := int(math.Floor(float64(f)))
		f -= float32(s)
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
		t.i0[d], t.i1[d] = int32(s), int32(s1)
		t.a0[d] = int32(math.RoundToEven(float64((1 - f) * resizeCoefScale)))
		t.a1[d] = int32(math.RoundToEven(float64(f * resizeCoefScale)))
	}
	return t
}

// resizeEach resizes src to w×h with bilinear interpolation computed as
// OpenCV computes it for 8-bit images (fixed-point weights, a horizontal
// then a vertical pass) and hands each output pixel's B, G, R samples to
// put, row by row.
func resizeEach(src *bgr, w, h int, put func(x, y int, b, g, r uint8)) {
	tx, ty := linearTab(w, src.w), linearTab(h, src.h)
	row0 := make([]int32, 3*w)
	row1 := make([]int32, 3*w)
	hline := func(dst []int32, y int) {
		s := src.pix[3*y*src.w:]
		for x := 0; x < w; x++ {
			a, b := int(tx.i0[x])*3, int(tx.i1[x])*3
			a0, a1 := tx.a0[x], tx.a1[x]
			for c := 0; c < 3; c++ {
				dst[3*x+c] = int32(s[a+c])*a0 + int32(s[b+c])*a1
			}
		}
	}
	last0, last1 := -1, -1
	for y := 0; y < h; y++ {
		y0, y1 := int(ty.i0[y]), int(ty.i1[y])
		b0, b1 := ty.a0[y], ty.a1[y]
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
				// OpenCV's vector path: 16-bit high products, then >> 2.
				s := (((row0[3*x+c] >> 4) * b0) >> 16) + (((row1[3*x+c] >> 4) * b1) >> 16)
				v[c] = sat8((s + 2) >> 2)
			}
			put(x, y, v[0], v[1], v[2])
		}
	}
}

func sat8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
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

func cubicW(t float32) [4]float32 {
	const A = -0.75
	var w [4]float32
	w[0] = ((A*(t+1)-5*A)*(t+1)+8*A)*(t+1) - 4*A
	w[1] = ((A+2)*t-(A+3))*t*t + 1
	w[2] = ((A+2)*(1-t)-(A+3))*(1-t)*(1-t) + 1
	w[3] = 1 - w[0] - w[1] - w[2]
	return w
}

// cubicTab[fy*32+fx] is OpenCV's 4×4 bicubic kernel for the source position
// fractions fx/32, fy/32, in 15-bit fixed point summing exactly to 1<<15.
var cubicTab = func() (tab [32 * 32][16]int32) {
	const scale = 1 << 15
	for i := 0; i < 32; i++ {
		wy := cubicW(float32(i) / 32)
		for j := 0; j < 32; j++ {
			wx := cubicW(float32(j) / 32)
			k := &tab[i*32+j]
			sum := int32(0)
			for a := 0; a < 4; a++ {
				for b := 0; b < 4; b++ {
					k[a*4+b] = int32(math.RoundToEven(float64(wy[a] * wx[b] * scale)))
					sum += k[a*4+b]
				}
			}
			if diff := sum - scale; diff != 0 {
				mk, Mk := 1*4+1, 1*4+1
				for a := 1; a < 3; a++ {
					for b := 1; b < 3; b++ {
						if k[a*4+b] < k[mk] {
							mk = a*4 + b
						} else if k[a*4+b] > k[Mk] {
							Mk = a*4 + b
						}
					}
				}
				if diff < 0 {
					k[Mk] -= diff
				} else {
					k[mk] -= diff
				}
			}
		}
	}
	return
}()

// warp fills a w×h image whose pixel (x, y) is src at the homography
// inv·(x, y, 1): OpenCV's warpPerspective with INTER_CUBIC and
// BORDER_REPLICATE (source positions in 1/32 pixel, fixed-point kernel).
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
				W = 32 / W
			}
			X := int(math.RoundToEven(clampf((inv[0]*fx+inv[1]*fy+inv[2])*W, -1<<30, 1<<30)))
			Y := int(math.RoundToEven(clampf((inv[3]*fx+inv[4]*fy+inv[5])*W, -1<<30, 1<<30)))
			x0, y0 := X>>5, Y>>5
			k := &cubicTab[(Y&31)*32+(X&31)]
			var acc [3]int32
			for j := 0; j < 4; j++ {
				yy := clampi(y0-1+j, src.h)
				for i := 0; i < 4; i++ {
					xx := clampi(x0-1+i, src.w)
					c := k[j*4+i]
					p := 3 * (yy*src.w + xx)
					acc[0] += c * int32(src.pix[p])
					acc[1] += c * int32(src.pix[p+1])
					acc[2] += c * int32(src.pix[p+2])
				}
			}
			o := 3 * (y*w + x)
			for c := 0; c < 3; c++ {
				out.pix[o+c] = sat8((acc[c] + 1<<14) >> 15)
			}
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
