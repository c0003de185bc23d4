package entryfiles

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"time"
)

// Matroska/WebM element IDs (with their length marker bits, as written).
const (
	ebmlHeaderID    = 0x1A45DFA3
	segmentID       = 0x18538067
	infoID          = 0x1549A966
	timecodeScaleID = 0x2AD7B1
	durationID      = 0x4489
	clusterID       = 0x1F43B675
)

// maxInfo bounds the Info element read into memory: a real one is a few
// hundred bytes (title, muxing and writing app, dates).
const maxInfo = 64 << 10

var errNoWebMDuration = errors.New("webm: no duration")

// WebMDuration reads a WebM (Matroska) file's duration from its Segment's
// Info: Duration (a float, in TimecodeScale units, 1,000,000 ns when
// absent). Sizes are never trusted: each is checked against the file's
// size (an unknown-size Segment runs to the end of the file), at most
// maxInfo bytes are read and the walk stops after a bounded number of
// elements, so a crafted file gives an error, never a large allocation or
// a loop. A live recording without Duration is errNoWebMDuration.
func WebMDuration(r io.ReaderAt, size int64) (time.Duration, error) {
	off := int64(0)
	// Top level: the EBML header, then the Segment.
	for i := 0; i < 16 && off < size; i++ {
		id, dataOff, dataSize, err := ebmlElement(r, off, size)
		if err != nil {
			return 0, err
		}
		if id == segmentID {
			end := size
			if dataSize >= 0 {
				end = min(size, dataOff+dataSize)
			}
			return segmentDuration(r, dataOff, end)
		}
		if dataSize < 0 {
			return 0, errors.New("webm: unknown size before the segment")
		}
		off = dataOff + dataSize
	}
	return 0, errors.New("webm: no segment")
}

// segmentDuration finds Info among the Segment's children in [off, end).
func segmentDuration(r io.ReaderAt, off, end int64) (time.Duration, error) {
	for i := 0; i < 1024 && off < end; i++ {
		id, dataOff, dataSize, err := ebmlElement(r, off, end)
		if err != nil {
			return 0, err
		}
		// Info comes before the clusters in every muxer's output; past
		// the first cluster, or at a child of unknown size, stop.
		if id == clusterID || dataSize < 0 {
			break
		}
		if id == infoID {
			if dataSize > maxInfo {
				return 0, errors.New("webm: info too large")
			}
			b := make([]byte, dataSize)
			if _, err := r.ReadAt(b, dataOff); err != nil {
				return 0, err
			}
			return infoDuration(b)
		}
		off = dataOff + dataSize
	}
	return 0, errNoWebMDuration
}

func infoDuration(b []byte) (time.Duration, error) {
	scale, dur, seen := uint64(1_000_000), 0.0, false
	rd := bytes.NewReader(b)
	for off, i := int64(0), 0; i < 256 && off < int64(len(b)); i++ {
		id, dataOff, dataSize, err := ebmlElement(rd, off, int64(len(b)))
		if err != nil || dataSize < 0 {
			return 0, errors.New("webm: bad info")
		}
		v := b[dataOff : dataOff+dataSize]
		switch id {
		case timecodeScaleID:
			if len(v) == 0 || len(v) > 8 {
				return 0, errors.New("webm: bad timecode scale")
			}
			scale = 0
			for _, c := range v {
				scale = scale<<8 | uint64(c)
			}
		case durationID:
			switch len(v) {
			case 4:
				dur = float64(math.Float32frombits(binary.BigEndian.Uint32(v)))
			case 8:
				dur = math.Float64frombits(binary.BigEndian.Uint64(v))
			default:
				return 0, errors.New("webm: bad duration")
			}
			seen = true
		}
		off = dataOff + dataSize
	}
	if !seen {
		return 0, errNoWebMDuration
	}
	ns := dur * float64(scale)
	if scale == 0 || math.IsNaN(ns) || ns < 0 || ns > float64(math.MaxInt64) {
		return 0, errors.New("webm: duration out of range")
	}
	return time.Duration(ns), nil
}

// ebmlElement reads the element header at off: its ID, where its data
// starts and its size (-1 when unknown), the data checked to end by end.
func ebmlElement(r io.ReaderAt, off, end int64) (id uint32, dataOff, dataSize int64, err error) {
	var hdr [12]byte
	n, _ := r.ReadAt(hdr[:min(int64(len(hdr)), max(0, end-off))], off)
	h := hdr[:n]
	if len(h) == 0 {
		return 0, 0, 0, errors.New("webm: truncated")
	}
	idLen := vintLen(h[0])
	if idLen == 0 || idLen > 4 || len(h) < idLen+1 {
		return 0, 0, 0, errors.New("webm: bad element id")
	}
	for _, c := range h[:idLen] {
		id = id<<8 | uint32(c)
	}
	szLen := vintLen(h[idLen])
	if szLen == 0 || len(h) < idLen+szLen {
		return 0, 0, 0, errors.New("webm: bad element size")
	}
	v := uint64(h[idLen]) & (0xFF >> szLen)
	allOnes := v == 0xFF>>szLen
	for _, c := range h[idLen+1 : idLen+szLen] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	dataOff = off + int64(idLen+szLen)
	if allOnes {
		return id, dataOff, -1, nil
	}
	if v > uint64(end-dataOff) {
		return 0, 0, 0, errors.New("webm: element past the end")
	}
	return id, dataOff, int64(v), nil
}

// vintLen is the length an EBML variable-size integer's first byte
// announces by its leading zeros (1 to 8), 0 when invalid.
func vintLen(b byte) int {
	for i := 0; i < 8; i++ {
		if b&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}
