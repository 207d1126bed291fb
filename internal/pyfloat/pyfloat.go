// Package pyfloat formats float64 values the way Python's repr does, so that
// a trace printed by sweep can be held against the textbook's Python output
// line by line: 0.25, 1.0, 5.408208020258491e-06, -232452292.5999999.
package pyfloat

import (
	"math"
	"strconv"
	"strings"
)

// Repr returns Python's repr of f: the shortest digits that read back as f,
// in positional notation when the decimal exponent is from -4 to 16 (always
// with a fractional part, as in 1.0) and in scientific notation otherwise,
// with a signed exponent of at least two digits (1e-05, 1e+16). Infinities
// are inf and -inf, NaN is nan.
func Repr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	// "d.ddddde±x": the shortest round-tripping digits and the exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	point := x + 1 // digits are 0.d1d2... * 10^point

	var b strings.Builder
	b.WriteString(sign)
	switch {
	case point <= -4 || point > 16:
		b.WriteString(mant)
		if x < 0 {
			b.WriteString("e-")
			x = -x
		} else {
			b.WriteString("e+")
		}
		if x < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(x))
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String()
}
