package ocr

import (
	"math"
	"testing"
)

// The minimum-area rectangle of a rotated rectangle's pixels is that
// rectangle: sides and angle recovered, corners ordered from the top-left.
func TestMinRectRotated(t *testing.T) {
	const w, h, ang = 60.0, 14.0, 0.2 // radians
	c, s := math.Cos(ang), math.Sin(ang)
	var pts []pt
	for u := 0.0; u <= w; u += 0.5 {
		for v := 0.0; v <= h; v += 0.5 {
			pts = append(pts, pt{100 + u*c - v*s, 50 + u*s + v*c})
		}
	}
	box, short := miniBox(hull(pts))
	if math.Abs(short-h) > 1e-6 {
		t.Fatalf("short side %v, want %v", short, h)
	}
	want := [4]pt{{100, 50}, {100 + w*c, 50 + w*s}, {100 + w*c - h*s, 50 + w*s + h*c}, {100 - h*s, 50 + h*c}}
	for i := range want {
		if math.Hypot(box[i].x-want[i].x, box[i].y-want[i].y) > 1e-6 {
			t.Errorf("corner %d: %v, want %v", i, box[i], want[i])
		}
	}
}

// Unclip grows a 100×20 box by 100·20·1.5/240 = 12.5 on each side; its
// corners are Clipper's integer vertices, so the result is 125×45 at most.
func TestUnclip(t *testing.T) {
	box := [4]pt{{10, 10}, {110, 10}, {110, 30}, {10, 30}}
	got, short := unclip(box, 1.5)
	want := [4]pt{{-3, -3}, {123, -3}, {123, 43}, {-3, 43}}
	if got != want || short != 46 {
		t.Fatalf("unclip: %v short %v, want %v short 46", got, short, want)
	}
}

// Greedy CTC: the best class per step, repeats merged unless a blank
// separates them, blanks dropped; the score is the mean kept probability.
func TestCTCDecode(t *testing.T) {
	d := &Dictionary{Chars: []string{"a", "b", " "}}
	best := []int{0, 1, 1, 0, 1, 2, 3, 0}
	probs := make([]float32, len(best)*4)
	for i, c := range best {
		for k := 0; k < 4; k++ {
			probs[i*4+k] = 0.1
		}
		probs[i*4+c] = 0.5 + 0.05*float32(i)
	}
	text, score := ctcDecode(probs, len(best), 4, d)
	// Kept steps 1, 4, 5, 6: 0.55, 0.70, 0.75, 0.80.
	if text != "aab " || math.Abs(score-0.70) > 1e-6 {
		t.Fatalf("ctcDecode: %q %v, want \"aab \" 0.70", text, score)
	}
	if text, score := ctcDecode(make([]float32, 8), 2, 4, d); text != "" || score != 0 {
		t.Fatalf("all blank: %q %v", text, score)
	}
}

// The detection size: the longer side at most maxSide, sides multiples of
// 32 rounded half to even.
func TestDetSize(t *testing.T) {
	for _, c := range []struct{ w, h, max, rw, rh int }{
		{516, 222, 960, 512, 224},
		{2000, 1000, 960, 960, 480},
		{48, 16, 960, 64, 0}, // 1.5 rounds to 2, 0.5 to 0
		{1, 1, 960, 0, 0},
	} {
		rw, rh, ok := detSize(c.w, c.h, c.max)
		if rw != c.rw || rh != c.rh || ok != (c.rw > 0 && c.rh > 0) {
			t.Errorf("detSize(%d, %d, %d) = %d, %d, %v; want %d, %d", c.w, c.h, c.max, rw, rh, ok, c.rw, c.rh)
		}
	}
}
