package anomaly

import (
	"math"
	"slices"
)

// Tail probabilities for counts. A window's count is modelled as
// Poisson around its expected value, widened to a negative binomial
// (variance E + k·E²) by the integration's own day-to-day variation k:
// a quiet flow gets exact Poisson tails, a busy one the spread its
// history shows, so false-alarm rates are right at every volume.

// lowerTail is P(X ≤ o) for X with mean e and overdispersion k.
func lowerTail(o, e, k float64) float64 {
	if e <= 0 {
		return 1
	}
	if k*e < 0.1 && e < 5000 {
		return poissonCDF(math.Floor(o), e)
	}
	z := (o + 0.5 - e) / math.Sqrt(e+k*e*e)
	return normalCDF(z)
}

// upperTail is P(X ≥ o).
func upperTail(o, e, k float64) float64 {
	if o <= 0 {
		return 1
	}
	if e <= 0 {
		e = 1e-9
	}
	if k*e < 0.1 && e < 5000 {
		return 1 - poissonCDF(math.Ceil(o)-1, e)
	}
	z := (o - 0.5 - e) / math.Sqrt(e+k*e*e)
	return normalCDF(-z) // not 1 - normalCDF(z), which is 0 beyond z = 8
}

// poissonCDF is P(X ≤ n) for X ~ Poisson(lambda), summed in log space
// from the mode outwards so it stays accurate in both tails.
func poissonCDF(n, lambda float64) float64 {
	if n < 0 {
		return 0
	}
	if lambda <= 0 {
		return 1
	}
	// For n far above the mean the complement is tiny: sum the upper tail.
	if n > lambda {
		return 1 - poissonUpper(n+1, lambda)
	}
	logp := n*math.Log(lambda) - lambda - lgamma(n+1)
	sum, term := 0.0, math.Exp(logp)
	for i := n; i >= 0; i-- {
		sum += term
		if term < sum*1e-17 {
			break
		}
		term *= i / lambda
	}
	return math.Min(sum, 1)
}

// poissonUpper is P(X ≥ n) for n > lambda.
func poissonUpper(n, lambda float64) float64 {
	logp := n*math.Log(lambda) - lambda - lgamma(n+1)
	sum, term := 0.0, math.Exp(logp)
	for i := n + 1; ; i++ {
		sum += term
		if term < sum*1e-17 || i > n+1e6 {
			break
		}
		term *= lambda / i
	}
	return math.Min(sum, 1)
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// log10NormalTail is log10 P(Z > z) for a standard normal Z, accurate
// far beyond where the probability itself underflows (an asymptotic
// series past z = 30).
func log10NormalTail(z float64) float64 {
	if z < 30 {
		return math.Log10(0.5 * math.Erfc(z/math.Sqrt2))
	}
	z2 := z * z
	ln := -z2/2 - math.Log(z) - 0.5*math.Log(2*math.Pi) + math.Log(1-1/z2+3/(z2*z2))
	return ln / math.Ln10
}

// surprise maps a tail probability to a score in [0, 1]: 0 for p ≥ 0.5,
// 1 at p ≤ 1e-9 (a one-in-a-billion event), log-linear between.
func surprise(p float64) float64 {
	if p >= 0.5 {
		return 0
	}
	if p <= 1e-9 {
		return 1
	}
	return math.Min(1, math.Log10(0.5/p)/math.Log10(0.5/1e-9))
}

// median of xs (sorted in place).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
