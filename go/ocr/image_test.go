package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngHeader is a PNG that declares w×h (8-bit RGB) and holds one tiny IDAT:
// its header is valid whatever the size, its data is not.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr[:])...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

// jpegHeader is a JPEG whose frame header declares w×h and which ends there.
func jpegHeader(w, h uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	// A JFIF marker: with it the decoder reads the header no further than the frame.
	b.Write([]byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0})
	// A quantisation table (all ones), so that the decoder reaches the frame.
	b.Write([]byte{0xFF, 0xDB, 0x00, 0x43, 0x00})
	b.Write(bytes.Repeat([]byte{1}, 64))
	b.Write([]byte{0xFF, 0xC0, 0x00, 0x0B, 0x08})
	binary.Write(&b, binary.BigEndian, h)
	binary.Write(&b, binary.BigEndian, w)
	b.Write([]byte{0x01, 0x01, 0x11, 0x00})
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

func samplePNG(t testing.TB) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", "images", "sample.png"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Every bad input is an error matching ErrImage that says what is wrong,
// and none takes memory in proportion to what the header declares.
func TestBadImages(t *testing.T) {
	good := samplePNG(t)
	corrupt := append([]byte(nil), good...)
	// Flip bytes inside the first IDAT chunk's data: its CRC no longer holds.
	i := bytes.Index(corrupt, []byte("IDAT"))
	for k := i + 8; k < i+40; k++ {
		corrupt[k] ^= 0x5a
	}
	cases := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"empty", nil, Limits{}, "the data is empty (0 bytes)"},
		{"text", []byte("hello, this is not an image\n"), Limits{}, "not a PNG or JPEG file (the first bytes are 68 65 6c 6c 6f 2c 20 74)"},
		{"truncated header", good[:20], Limits{}, "could not decode the image header: unexpected EOF"},
		{"truncated data", good[:len(good)/2], Limits{}, "could not decode the png image (516x222): png: invalid format: not enough pixel data"},
		{"corrupt", corrupt, Limits{}, "could not decode the png image (516x222): flate: corrupt input before offset 9"},
		{"png bomb", pngHeader(100000, 100000), Limits{}, "100000x100000 is 10000000000 pixels, the limit is 40000000"},
		{"png over a set limit", good, Limits{MaxPixels: 1000}, "516x222 is 114552 pixels, the limit is 1000"},
		{"jpeg bomb", jpegHeader(65000, 65000), Limits{}, "65000x65000 is 4225000000 pixels, the limit is 40000000"},
		{"png zero width", pngHeader(0, 10), Limits{}, "could not decode the image header: png: invalid format: non-positive dimension"},
		{"jpeg zero size", jpegHeader(0, 0), Limits{}, "could not decode the jpeg image: its size is 0x0, expected at least 1x1"},
		{"too many bytes", good, Limits{MaxBytes: 1000}, "bytes, the limit is 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := DecodeImage(c.data, c.lim)
			if img != nil || !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("DecodeImage: %v, %v; want an ErrImage saying %q", img, err, c.want)
			}
		})
	}
}

// A file is read no further than the byte limit, and its name is in the error.
func TestReadImageFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	os.WriteFile(big, samplePNG(t), 0o644)
	_, err := ReadImageFile(big, Limits{MaxBytes: 100})
	if !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), "big.png: ocr: could not decode the image: 101 bytes, the limit is 100") {
		t.Fatalf("ReadImageFile over MaxBytes: %v", err)
	}
	_, err = ReadImageFile(filepath.Join(dir, "none.png"), Limits{})
	if !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Fatalf("ReadImageFile of a missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty.jpg")
	os.WriteFile(empty, nil, 0o644)
	_, err = ReadImageFile(empty, Limits{})
	if !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), "empty.jpg: ocr: could not decode the image: the data is empty") {
		t.Fatalf("ReadImageFile of an empty file: %v", err)
	}
}

// Through the engine: bad bytes and empty or huge images are errors; a tiny
// or blank image has no text and no error.
func TestRecognizeBadInput(t *testing.T) {
	e := engine(t, "v5")
	ctx := context.Background()
	if _, err := e.RecognizeBytes(ctx, pngHeader(100000, 100000)); !errors.Is(err, ErrImage) {
		t.Errorf("a decompression bomb: %v", err)
	}
	if _, err := e.Recognize(ctx, image.NewRGBA(image.Rect(0, 0, 0, 0))); !errors.Is(err, ErrImage) ||
		!strings.Contains(err.Error(), "its size is 0x0") {
		t.Errorf("a 0x0 image: %v", err)
	}
	if _, err := e.Recognize(ctx, image.NewGray(image.Rect(0, 0, 50000, 1000))); !errors.Is(err, ErrImage) ||
		!strings.Contains(err.Error(), "50000x1000 is 50000000 pixels") {
		t.Errorf("an image over the pixel limit: %v", err)
	}
	for _, r := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(0, 0, 7, 3), image.Rect(0, 0, 300, 200)} {
		img := image.NewGray(r)
		for k := range img.Pix {
			img.Pix[k] = 255
		}
		lines, err := e.Recognize(ctx, img)
		if err != nil || len(lines) != 0 {
			t.Errorf("a blank %v image: %v, %v; want no lines and no error", r, lines, err)
		}
	}
}

// The colour models the decoders produce give the same samples as the
// generic path (image.At), transparency over white.
func TestToBGR(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	rgba.Set(0, 0, color.NRGBA{10, 20, 30, 255})
	rgba.Set(1, 0, color.NRGBA{200, 100, 0, 0})
	rgba.Set(2, 1, color.NRGBA{0, 0, 0, 128})
	got := toBGR(rgba)
	want := []uint8{30, 20, 10, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 127, 127, 127}
	if !bytes.Equal(got.pix, want) {
		t.Errorf("NRGBA: %v, want %v", got.pix, want)
	}
	var buf bytes.Buffer
	src := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for k := range src.Pix {
		src.Pix[k] = uint8(k * 7)
	}
	for k := 3; k < len(src.Pix); k += 4 {
		src.Pix[k] = 255
	}
	jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90})
	img, err := DecodeImage(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	fast := toBGR(img)                        // *image.YCbCr
	slow := toBGR(struct{ image.Image }{img}) // the generic path
	if !bytes.Equal(fast.pix, slow.pix) {
		t.Errorf("YCbCr fast path differs from image.At")
	}
}

// FuzzDecodeImage feeds arbitrary bytes through the image path: decoding
// within limits, colour conversion, the detector's resize and normalisation
// and a perspective crop. It must never panic, and must never decode more
// pixels than the limit.
func FuzzDecodeImage(f *testing.F) {
	var buf bytes.Buffer
	small := image.NewRGBA(image.Rect(0, 0, 9, 5))
	png.Encode(&buf, small)
	f.Add(buf.Bytes())
	buf.Reset()
	jpeg.Encode(&buf, small, nil)
	f.Add(buf.Bytes())
	f.Add(pngHeader(100000, 100000))
	f.Add(jpegHeader(300, 200))
	f.Add([]byte("GIF89a"))
	const maxPixels = 1 << 18
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data, Limits{MaxPixels: maxPixels, MaxBytes: 1 << 20})
		if err != nil {
			if img != nil || !errors.Is(err, ErrImage) {
				t.Fatalf("error %v with an image, or not ErrImage", err)
			}
			return
		}
		b := img.Bounds()
		if b.Dx() < 1 || b.Dy() < 1 || int64(b.Dx())*int64(b.Dy()) > maxPixels {
			t.Fatalf("decoded %v past the limits", b)
		}
		src := toBGR(img)
		if rw, rh, ok := detSize(src.w, src.h, 96); ok {
			data := detInput(src, rw, rh, [3]float32{0.485, 0.456, 0.406}, [3]float32{0.229, 0.224, 0.225})
			if len(data) != 3*rw*rh {
				t.Fatalf("detection input %d values for %dx%d", len(data), rw, rh)
			}
		}
		w, h := float64(src.w), float64(src.h)
		box := [4]pt{{0, 0}, {w - 1, h * 0.1}, {w - 1, h - 1}, {0, h * 0.9}}
		if c, ok := crop(src, box); ok {
			dst := make([]float32, 3*48*320)
			lineInput(dst, c, 48, 320)
		}
	})
}
