package grid

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

type rangeError struct{ msg, hint string }

// decimal returns the exact value of the shortest decimal that reads back as
// f: for 0.1 that is 1/10, not the binary fraction nearest to it. Ranges are
// stepped in these exact decimals and rounded to float64 once, at the end, so
// that -2 + 23 * 0.1 gives 0.3 and not 0.30000000000000004.
func decimal(f float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok {
		panic("grid: unreadable float " + strconv.FormatFloat(f, 'g', -1, 64)) // finite floats always read back
	}
	return r
}

// linearRange returns from, from±step, ..., to. The span must be a whole
// number of steps so that both ends are included.
func linearRange(from, to, step float64) ([]float64, *rangeError) {
	rf, rt, rs := decimal(from), decimal(to), decimal(step)
	span := new(big.Rat).Sub(rt, rf)
	if span.Sign() < 0 {
		rs.Neg(rs) // the range runs downwards
	}
	n := new(big.Rat).Quo(span, rs)
	if !n.IsInt() {
		whole := new(big.Int).Quo(n.Num(), n.Denom()) // truncated towards zero
		last, _ := new(big.Rat).Add(rf, new(big.Rat).Mul(rs, new(big.Rat).SetInt(whole))).Float64()
		width, _ := new(big.Rat).Abs(span).Float64()
		return nil, &rangeError{
			msg: fmt.Sprintf("from %s in steps of %s never reaches %s (the last value would be %s)",
				formatFloat(from), formatFloat(step), formatFloat(to), formatFloat(last)),
			hint: fmt.Sprintf("both ends are included, so the span must be a whole number of steps: use to: %s, or a step that divides %s",
				formatFloat(last), formatFloat(width)),
		}
	}
	if !n.Num().IsInt64() || n.Num().Int64() >= MaxAxisValues {
		return nil, &rangeError{
			msg:  fmt.Sprintf("from %s to %s in steps of %s is more than %d values", formatFloat(from), formatFloat(to), formatFloat(step), MaxAxisValues),
			hint: "use a larger step",
		}
	}
	count := int(n.Num().Int64()) + 1
	values := make([]float64, count)
	v := new(big.Rat).Set(rf)
	for i := range values {
		values[i], _ = v.Float64() // the nearest float64: correctly rounded
		v.Add(v, rs)
	}
	return values, nil
}

// logRange returns perDecade values per factor of ten from from to to, both
// included. Points are rounded to 15 significant digits, the precision a
// float64 holds for every decimal, so that decade points come out exactly as
// 10, 1, 0.1 ... whatever the last bit of math.Pow, and every value is one a
// person can type back into a query.
func logRange(from, to float64, perDecade int) ([]float64, *rangeError) {
	if from <= 0 || to <= 0 {
		return nil, &rangeError{
			msg:  fmt.Sprintf("a log range needs from and to > 0, got from %s to %s", formatFloat(from), formatFloat(to)),
			hint: "use a linear range {from, to, step} to cross zero",
		}
	}
	lo := math.Log10(from)
	steps := float64(perDecade) * (math.Log10(to) - lo)
	n := math.Round(steps)
	if math.Abs(steps-n) > 1e-9*max(1, math.Abs(steps)) {
		whole := math.Trunc(steps)
		last := round15(math.Pow(10, lo+whole/float64(perDecade)))
		return nil, &rangeError{
			msg: fmt.Sprintf("from %s to %s is not a whole number of steps at %d per decade (%.3g steps)",
				formatFloat(from), formatFloat(to), perDecade, math.Abs(steps)),
			hint: fmt.Sprintf("both ends are included: use to: %s, or ends a power of ten apart", formatFloat(last)),
		}
	}
	if n == 0 && from != to {
		return nil, &rangeError{
			msg:  fmt.Sprintf("from %s to %s is less than one step at %d per decade", formatFloat(from), formatFloat(to), perDecade),
			hint: "give one value instead of a range, or ends at least a step apart",
		}
	}
	count := int(math.Abs(n)) + 1
	if count > MaxAxisValues {
		return nil, &rangeError{
			msg:  fmt.Sprintf("from %s to %s at %d per decade is more than %d values", formatFloat(from), formatFloat(to), perDecade, MaxAxisValues),
			hint: "use a smaller per_decade",
		}
	}
	values := make([]float64, count)
	dir := math.Copysign(1, n)
	for k := range values {
		values[k] = round15(math.Pow(10, lo+dir*float64(k)/float64(perDecade)))
	}
	values[0], values[count-1] = from, to
	return values, nil
}

// countError refuses num values between from and to that cannot be: one
// value for two ends, or two or more for one.
func countError(from, to float64, num int) *rangeError {
	switch {
	case num == 1 && from != to:
		return &rangeError{msg: fmt.Sprintf("num 1 cannot hold both from %s and to %s", formatFloat(from), formatFloat(to)),
			hint: "both ends are included: num is at least 2, or give one value instead of a range"}
	case num > 1 && from == to:
		return &rangeError{msg: fmt.Sprintf("from and to are both %s: there are no %d values between them", formatFloat(from), num),
			hint: "give one value instead of a range"}
	}
	return nil
}

// linearCount returns num values evenly spaced from from to to, both
// included: computed in exact decimals, as linearRange steps, and written
// as the decimals a person would (15 significant digits, so 1/3 is
// 0.333333333333333).
func linearCount(from, to float64, num int) ([]float64, *rangeError) {
	if err := countError(from, to, num); err != nil {
		return nil, err
	}
	if num == 1 {
		return []float64{from}, nil
	}
	rf := decimal(from)
	step := new(big.Rat).Quo(new(big.Rat).Sub(decimal(to), rf), new(big.Rat).SetInt64(int64(num-1)))
	values := make([]float64, num)
	v := new(big.Rat).Set(rf)
	for i := range values {
		f, _ := v.Float64()
		values[i] = round15(f)
		v.Add(v, step)
	}
	values[0], values[num-1] = from, to
	return distinct(values, from, to, num)
}

// distinct refuses count-spaced values that rounding made equal (or
// reordered): ends too close for num values told apart in 15 digits.
func distinct(values []float64, from, to float64, num int) ([]float64, *rangeError) {
	for i := 1; i < len(values); i++ {
		if (to > from) != (values[i] > values[i-1]) || values[i] == values[i-1] {
			return nil, &rangeError{
				msg:  fmt.Sprintf("from %s to %s is too narrow for %d distinct values of 15 significant digits", formatFloat(from), formatFloat(to), num),
				hint: "use fewer values, or ends further apart",
			}
		}
	}
	return values, nil
}

// logCount returns num values evenly spaced in log space from from to to,
// both included, rounded as logRange rounds them: where a whole number of
// values per decade fits (10 to 0.0001 with num 21 is per_decade 4), the
// very values of that per_decade range.
func logCount(from, to float64, num int) ([]float64, *rangeError) {
	if err := countError(from, to, num); err != nil {
		return nil, err
	}
	if from <= 0 || to <= 0 {
		return nil, &rangeError{
			msg:  fmt.Sprintf("a log range needs from and to > 0, got from %s to %s", formatFloat(from), formatFloat(to)),
			hint: "add scale: linear for evenly spaced values, or use {from, to, step} to cross zero",
		}
	}
	if num == 1 {
		return []float64{from}, nil
	}
	lo, hi := math.Log10(from), math.Log10(to)
	perDecade := float64(num-1) / math.Abs(hi-lo)
	if k := math.Round(perDecade); k >= 1 && k <= MaxAxisValues && math.Abs(perDecade-k) <= 1e-9*perDecade {
		vs, err := logRange(from, to, int(k))
		if err != nil || len(vs) != num {
			return nil, &rangeError{msg: fmt.Sprintf("from %s to %s is too narrow for %d log-spaced values", formatFloat(from), formatFloat(to), num),
				hint: "use fewer values, or ends further apart"}
		}
		return distinct(vs, from, to, num)
	}
	values := make([]float64, num)
	for i := range values {
		values[i] = round15(math.Pow(10, lo+(hi-lo)*float64(i)/float64(num-1)))
	}
	values[0], values[num-1] = from, to
	return distinct(values, from, to, num)
}

// round15 rounds f to 15 significant decimal digits.
func round15(f float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return r
}
