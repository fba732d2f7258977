package ocr

import (
	"math"
	"sort"
)

// Detection: the DB (differentiable binarization) model gives a text
// probability map; pixels over Thresh are grouped into 8-connected regions,
// each region's minimum-area rectangle is scored by the mean probability
// inside it, kept if the score reaches BoxThresh, grown outwards by
// area·UnclipRatio/perimeter ("unclip", since the model is trained on shrunk
// text regions) and mapped back to the image.

type pt struct{ x, y float64 }

// detSize is the network input size for an image of w×h: scaled so that its
// longer side is at most maxSide, each side rounded to a multiple of 32
// (half to even, as Python's round). ok is false if a side rounds to 0.
func detSize(w, h, maxSide int) (rw, rh int, ok bool) {
	ratio := 1.0
	if m := max(w, h); m > maxSide {
		ratio = float64(maxSide) / float64(m)
	}
	rh = int(float64(h) * ratio)
	rw = int(float64(w) * ratio)
	rh = int(math.RoundToEven(float64(rh)/32)) * 32
	rw = int(math.RoundToEven(float64(rw)/32)) * 32
	return rw, rh, rw > 0 && rh > 0
}

// detInput resizes img to rw×rh and writes the normalised CHW tensor data:
// (v/255 - mean[c]) / std[c] for channel c in B, G, R order.
func detInput(img *bgr, rw, rh int, mean, std [3]float32) []float32 {
	data := make([]float32, 3*rw*rh)
	var lut [3][256]float32
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			lut[c][v] = (float32(v)/255 - mean[c]) / std[c]
		}
	}
	plane := rw * rh
	resizeEach(img, rw, rh, func(x, y int, b, g, r uint8) {
		i := y*rw + x
		data[i] = lut[0][b]
		data[plane+i] = lut[1][g]
		data[2*plane+i] = lut[2][r]
	})
	return data
}

type dbParams struct {
	thresh, boxThresh, unclip float64
	dilate                    bool
	maxCandidates             int
}

// dbBoxes finds the text boxes in the probability map prob (w×h) and returns
// them in the coordinates of a dstW×dstH image, each with its score.
func dbBoxes(prob []float32, w, h int, dstW, dstH int, p dbParams) ([][4]pt, []float64) {
	mask := make([]bool, w*h)
	th := float32(p.thresh)
	for i, v := range prob {
		mask[i] = v > th
	}
	if p.dilate { // 2×2 kernel anchored at its centre (1, 1): up and left
		d := make([]bool, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := mask[y*w+x]
				if !v && x > 0 {
					v = mask[y*w+x-1]
				}
				if !v && y > 0 {
					v = mask[(y-1)*w+x] || (x > 0 && mask[(y-1)*w+x-1])
				}
				d[y*w+x] = v
			}
		}
		mask = d
	}
	var boxes [][4]pt
	var scores []float64
	label := make([]int32, w*h)
	var stack []int32
	var edge []pt
	n := int32(0)
	for start := 0; start < w*h; start++ {
		if !mask[start] || label[start] != 0 {
			continue
		}
		n++
		if p.maxCandidates > 0 && int(n) > p.maxCandidates {
			break
		}
		// Flood fill the 8-connected region, keeping its boundary pixels
		// (those with a 4-neighbour outside the mask or the map).
		edge = edge[:0]
		stack = append(stack[:0], int32(start))
		label[start] = n
		for len(stack) > 0 {
			i := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			if x == 0 || y == 0 || x == w-1 || y == h-1 || !mask[i-1] || !mask[i+1] || !mask[i-w] || !mask[i+w] {
				edge = append(edge, pt{float64(x), float64(y)})
			}
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= w {
						continue
					}
					j := yy*w + xx
					if mask[j] && label[j] == 0 {
						label[j] = n
						stack = append(stack, int32(j))
					}
				}
			}
		}
		box, short := miniBox(hull(edge))
		if short < 3 {
			continue
		}
		score := boxScore(prob, w, h, box)
		if score < p.boxThresh {
			continue
		}
		big, short := unclip(box, p.unclip)
		if short < 5 {
			continue
		}
		var out [4]pt
		for k, q := range big {
			out[k] = pt{
				clampf(math.RoundToEven(q.x/float64(w)*float64(dstW)), 0, float64(dstW)),
				clampf(math.RoundToEven(q.y/float64(h)*float64(dstH)), 0, float64(dstH)),
			}
		}
		boxes = append(boxes, out)
		scores = append(scores, score)
	}
	return boxes, scores
}

func clampf(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func cross(o, a, b pt) float64 { return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x) }

// hull is the convex hull (Andrew's monotone chain), counter-clockwise in
// image coordinates' math sense, without collinear points.
func hull(p []pt) []pt {
	if len(p) < 3 {
		return append([]pt(nil), p...)
	}
	q := append([]pt(nil), p...)
	sort.Slice(q, func(i, j int) bool {
		if q[i].x != q[j].x {
			return q[i].x < q[j].x
		}
		return q[i].y < q[j].y
	})
	h := make([]pt, 0, 2*len(q))
	for _, v := range q {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], v) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, v)
	}
	lo := len(h) + 1
	for i := len(q) - 2; i >= 0; i-- {
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q[i]) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q[i])
	}
	return h[:len(h)-1]
}

// minRect is the minimum-area rectangle around a convex polygon (rotating
// calipers: one of its sides lies on a hull edge): its four corners and its
// shorter side.
func minRect(h []pt) ([4]pt, float64) {
	var best [4]pt
	if len(h) == 0 {
		return best, 0
	}
	if len(h) < 3 {
		a, b := h[0], h[len(h)-1]
		return [4]pt{a, b, b, a}, 0
	}
	bestArea := math.Inf(1)
	bestShort := 0.0
	for i := range h {
		a, b := h[i], h[(i+1)%len(h)]
		ex, ey := b.x-a.x, b.y-a.y
		l := math.Hypot(ex, ey)
		if l == 0 {
			continue
		}
		ux, uy := ex/l, ey/l // along the edge
		vx, vy := -uy, ux    // normal
		minU, maxU, minV, maxV := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, q := range h {
			u := (q.x-a.x)*ux + (q.y-a.y)*uy
			v := (q.x-a.x)*vx + (q.y-a.y)*vy
			minU, maxU = math.Min(minU, u), math.Max(maxU, u)
			minV, maxV = math.Min(minV, v), math.Max(maxV, v)
		}
		area := (maxU - minU) * (maxV - minV)
		if area < bestArea-1e-9 {
			bestArea = area
			bestShort = math.Min(maxU-minU, maxV-minV)
			corner := func(u, v float64) pt { return pt{a.x + u*ux + v*vx, a.y + u*uy + v*vy} }
			best = [4]pt{corner(minU, minV), corner(maxU, minV), corner(maxU, maxV), corner(minU, maxV)}
		}
	}
	return best, bestShort
}

// miniBox is minRect with the corners ordered as PaddleOCR's get_mini_boxes
// orders them: top-left, top-right, bottom-right, bottom-left.
func miniBox(h []pt) ([4]pt, float64) {
	r, short := minRect(h)
	p := r[:]
	sort.SliceStable(p, func(i, j int) bool { return p[i].x < p[j].x })
	var i1, i2, i3, i4 int
	if p[1].y > p[0].y {
		i1, i4 = 0, 1
	} else {
		i1, i4 = 1, 0
	}
	if p[3].y > p[2].y {
		i2, i3 = 2, 3
	} else {
		i2, i3 = 3, 2
	}
	return [4]pt{p[i1], p[i2], p[i3], p[i4]}, short
}

// boxScore is the mean probability over the pixels of the box's bounding
// rectangle whose centres lie inside the box (its corners truncated to
// integers, as OpenCV's fillPoly is given them).
func boxScore(prob []float32, w, h int, box [4]pt) float64 {
	minX, maxX, minY, maxY := box[0].x, box[0].x, box[0].y, box[0].y
	var q [4]pt
	for i, b := range box {
		minX, maxX = math.Min(minX, b.x), math.Max(maxX, b.x)
		minY, maxY = math.Min(minY, b.y), math.Max(maxY, b.y)
		q[i] = pt{math.Trunc(b.x), math.Trunc(b.y)}
	}
	x0 := int(clampf(math.Floor(minX), 0, float64(w-1)))
	x1 := int(clampf(math.Ceil(maxX), 0, float64(w-1)))
	y0 := int(clampf(math.Floor(minY), 0, float64(h-1)))
	y1 := int(clampf(math.Ceil(maxY), 0, float64(h-1)))
	// The quad's orientation, to test each pixel on the inner side of every edge.
	sign := 0.0
	for i := 0; i < 4; i++ {
		sign += cross(q[i], q[(i+1)%4], q[(i+2)%4])
	}
	var sum float64
	var cnt int
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			c := pt{float64(x), float64(y)}
			in := true
			for i := 0; i < 4 && in; i++ {
				v := cross(q[i], q[(i+1)%4], c)
				if sign < 0 {
					v = -v
				}
				in = v >= -1e-9
			}
			if in {
				sum += float64(prob[y*w+x])
				cnt++
			}
		}
	}
	if cnt == 0 {
		return 0
	}
	return sum / float64(cnt)
}

// unclip offsets the box outwards by area·ratio/perimeter with round joins
// and returns the minimum-area rectangle of the result, ordered as miniBox
// does, with its shorter side. It reproduces what PaddleOCR does with
// pyclipper (Clipper's ClipperOffset, JT_ROUND, arc tolerance 0.25): the
// corners are truncated to integers first, and every vertex of the offset
// polygon is rounded to integers.
func unclip(box [4]pt, ratio float64) ([4]pt, float64) {
	var area, perim float64
	for i := 0; i < 4; i++ {
		a, b := box[i], box[(i+1)%4]
		area += a.x*b.y - b.x*a.y
		perim += math.Hypot(b.x-a.x, b.y-a.y)
	}
	area = math.Abs(area) / 2
	if perim == 0 {
		return box, 0
	}
	delta := area * ratio / perim
	// Clipper's integer polygon, without repeated points, positively oriented.
	var q []pt
	for _, b := range box {
		p := pt{math.Trunc(b.x), math.Trunc(b.y)}
		if len(q) == 0 || p != q[len(q)-1] {
			q = append(q, p)
		}
	}
	for len(q) > 1 && q[0] == q[len(q)-1] {
		q = q[:len(q)-1]
	}
	if len(q) < 3 {
		return box, 0
	}
	var a2 float64
	for i := range q {
		a, b := q[i], q[(i+1)%len(q)]
		a2 += a.x*b.y - b.x*a.y
	}
	if a2 < 0 {
		for i, j := 0, len(q)-1; i < j; i, j = i+1, j-1 {
			q[i], q[j] = q[j], q[i]
		}
	}
	n := len(q)
	normals := make([]pt, n)
	for i := range q {
		d := pt{q[(i+1)%n].x - q[i].x, q[(i+1)%n].y - q[i].y}
		f := 1 / math.Hypot(d.x, d.y)
		normals[i] = pt{d.y * f, -d.x * f}
	}
	y := 0.25
	if y > delta*0.25 {
		y = delta * 0.25
	}
	steps := math.Pi / math.Acos(1-y/delta)
	if steps > delta*math.Pi {
		steps = delta * math.Pi
	}
	sinS, cosS := math.Sin(2*math.Pi/steps), math.Cos(2*math.Pi/steps)
	perRad := steps / (2 * math.Pi)
	round := func(v float64) float64 { // Clipper's Round: half away from zero
		if v < 0 {
			return math.Trunc(v - 0.5)
		}
		return math.Trunc(v + 0.5)
	}
	var out []pt
	for j := 0; j < n; j++ {
		k := (j + n - 1) % n
		nk, nj := normals[k], normals[j]
		sinA := nk.x*nj.y - nj.x*nk.y
		cosA := nk.x*nj.x + nk.y*nj.y
		if sinA*delta < 0 { // a concave corner: the two offset points
			out = append(out, pt{round(q[j].x + nk.x*delta), round(q[j].y + nk.y*delta)})
			out = append(out, q[j])
			out = append(out, pt{round(q[j].x + nj.x*delta), round(q[j].y + nj.y*delta)})
			continue
		}
		if cosA > 0 && math.Abs(sinA) < 1e-12 { // straight on
			out = append(out, pt{round(q[j].x + nj.x*delta), round(q[j].y + nj.y*delta)})
			continue
		}
		a := math.Atan2(sinA, cosA)
		st := max(int(round(perRad*math.Abs(a))), 1)
		x, yy := nk.x, nk.y
		for i := 0; i < st; i++ {
			out = append(out, pt{round(q[j].x + x*delta), round(q[j].y + yy*delta)})
			x, yy = x*cosS-sinS*yy, x*sinS+yy*cosS
		}
		out = append(out, pt{round(q[j].x + nj.x*delta), round(q[j].y + nj.y*delta)})
	}
	return miniBox(hull(out))
}

// orderClockwise orders four points as top-left, top-right, bottom-right,
// bottom-left (PaddleOCR's order_points_clockwise).
func orderClockwise(b [4]pt) [4]pt {
	p := b
	s := p[:]
	sort.SliceStable(s, func(i, j int) bool { return s[i].x < s[j].x })
	l, r := [2]pt{p[0], p[1]}, [2]pt{p[2], p[3]}
	if l[0].y > l[1].y {
		l[0], l[1] = l[1], l[0]
	}
	if r[0].y > r[1].y {
		r[0], r[1] = r[1], r[0]
	}
	return [4]pt{l[0], r[0], r[1], l[1]}
}

// sortReading puts boxes in reading order: by the top-left corner's y then x,
// then a box moves before its predecessor when their tops are within 10
// pixels and it starts further left (PaddleOCR's sorted_boxes).
func sortReading(idx []int, boxes [][4]pt) {
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := boxes[idx[i]][0], boxes[idx[j]][0]
		if a.y != b.y {
			return a.y < b.y
		}
		return a.x < b.x
	})
	for i := 0; i < len(idx)-1; i++ {
		for j := i; j >= 0; j-- {
			a, b := boxes[idx[j]][0], boxes[idx[j+1]][0]
			if math.Abs(b.y-a.y) < 10 && b.x < a.x {
				idx[j], idx[j+1] = idx[j+1], idx[j]
			} else {
				break
			}
		}
	}
}
