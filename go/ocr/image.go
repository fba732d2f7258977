package ocr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the formats DecodeImage reads
	_ "image/png"
	"io"
	"os"
)

// Limits of the image path. A file is read whole (at most MaxBytes), its
// header is decoded first (image.DecodeConfig) and the image is decoded only
// if its pixel count is at most MaxPixels, so a small file that declares a huge
// image (a decompression bomb) is refused before any pixel memory is taken.
type Limits struct {
	MaxBytes  int64 // 0: DefaultMaxBytes
	MaxPixels int64 // 0: DefaultMaxPixels
}

// The default limits: 64 MiB of file, 40 megapixels of image.
const (
	DefaultMaxBytes  = 64 << 20
	DefaultMaxPixels = 40_000_000
)

// ErrImage matches every error of the image path: unreadable, unknown format,
// corrupt or truncated data, zero size, or over a limit.
var ErrImage = errors.New("ocr: bad image")

type imageError struct{ msg string }

func (e *imageError) Error() string        { return "ocr: " + e.msg }
func (e *imageError) Is(target error) bool { return target == ErrImage }

func imageErr(format string, a ...any) error { return &imageError{fmt.Sprintf(format, a...)} }

func (l Limits) norm() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// DecodeImage decodes a PNG or JPEG image from data within the limits. Every
// failure matches ErrImage and says what was wrong (never a panic, never
// memory beyond the limits).
func DecodeImage(data []byte, lim Limits) (image.Image, error) {
	lim = lim.norm()
	if len(data) == 0 {
		return nil, imageErr("could not decode the image: the data is empty (0 bytes)")
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, imageErr("could not decode the image: %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, imageErr("could not decode the image: not a PNG or JPEG file (the first bytes are % x)", head(data))
		}
		return nil, imageErr("could not decode the image header: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, imageErr("could not decode the %s image: its size is %dx%d, expected at least 1x1", format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > lim.MaxPixels {
		return nil, imageErr("could not decode the %s image: %dx%d is %d pixels, the limit is %d", format, cfg.Width, cfg.Height, px, lim.MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, imageErr("could not decode the %s image (%dx%d): %v", format, cfg.Width, cfg.Height, err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, imageErr("could not decode the %s image: the header says %dx%d, the data %dx%d", format, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, nil
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

// ReadImageFile reads and decodes an image file within the limits; it reads
// at most MaxBytes+1 bytes whatever the file's size.
func ReadImageFile(path string, lim Limits) (image.Image, error) {
	lim = lim.norm()
	f, err := os.Open(path)
	if err != nil {
		return nil, imageErr("could not open the image: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lim.MaxBytes+1))
	if err != nil {
		return nil, imageErr("could not read the image %s: %v", path, err)
	}
	img, err := DecodeImage(data, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// bgr is an 8-bit image with interleaved B, G, R samples, the layout and
// channel order the PP-OCR models were trained on (OpenCV's).
type bgr struct {
	w, h int
	pix  []uint8 // len 3*w*h
}

func newBGR(w, h int) *bgr { return &bgr{w: w, h: h, pix: make([]uint8, 3*w*h)} }

// toBGR converts any image to bgr; transparent pixels are put on white.
func toBGR(img image.Image) *bgr {
	b := img.Bounds()
	out := newBGR(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.RGBA:
		for y := 0; y < out.h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			o := out.pix[3*y*out.w:]
			for x := 0; x < out.w; x++ {
				r, g, bl, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				if a != 255 { // premultiplied: add white behind
					w := 255 - a
					r, g, bl = r+w, g+w, bl+w
				}
				o[3*x], o[3*x+1], o[3*x+2] = bl, g, r
			}
		}
	case *image.NRGBA:
		for y := 0; y < out.h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			o := out.pix[3*y*out.w:]
			for x := 0; x < out.w; x++ {
				r, g, bl, a := row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]
				if a != 255 {
					r, g, bl = overWhite(r, a), overWhite(g, a), overWhite(bl, a)
				}
				o[3*x], o[3*x+1], o[3*x+2] = bl, g, r
			}
		}
	case *image.Gray:
		for y := 0; y < out.h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X):]
			o := out.pix[3*y*out.w:]
			for x := 0; x < out.w; x++ {
				v := row[x]
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
	case *image.YCbCr:
		for y := 0; y < out.h; y++ {
			o := out.pix[3*y*out.w:]
			for x := 0; x < out.w; x++ {
				yi := m.YOffset(x+b.Min.X, y+b.Min.Y)
				ci := m.COffset(x+b.Min.X, y+b.Min.Y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				o[3*x], o[3*x+1], o[3*x+2] = bl, g, r
			}
		}
	default:
		for y := 0; y < out.h; y++ {
			o := out.pix[3*y*out.w:]
			for x := 0; x < out.w; x++ {
				c := color.NRGBAModel.Convert(img.At(x+b.Min.X, y+b.Min.Y)).(color.NRGBA)
				o[3*x], o[3*x+1], o[3*x+2] = overWhite(c.B, c.A), overWhite(c.G, c.A), overWhite(c.R, c.A)
			}
		}
	}
	return out
}

func overWhite(c, a uint8) uint8 {
	return uint8((int(c)*int(a) + 255*(255-int(a)) + 127) / 255)
}
