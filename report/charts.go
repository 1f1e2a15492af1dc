package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Charts are drawn here as inline SVG, so that they print and appear in
// the PDF without scripts. Colours are attributes, not CSS, so that the
// UI's Content-Security-Policy accepts them.

// series is one line or one set of bars; NaN values are gaps.
type series struct {
	Name   string
	Values []float64
	Color  string
}

var palette = []string{"#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#65a30d", "#db2777", "#475569", "#ca8a04", "#0d9488"}

const (
	chartW, chartH                   = 480.0, 210.0
	padL, padR, padT, padB           = 40.0, 10.0, 14.0, 40.0
	plotW, plotH                     = chartW - padL - padR, chartH - padT - padB
	fontSize, legendSize, smallWidth = 11, 10, 120.0
)

func esc(s string) string { return html.EscapeString(s) }

// niceStep is the step of about four ticks up to x: 1, 2 or 5 times a
// power of ten (at least 1 when whole is set).
func niceStep(x float64, whole bool) float64 {
	s := niceMax(x / 4)
	if whole {
		s = math.Max(1, math.Round(s))
	}
	return s
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceMax(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

type axis struct {
	min, max float64
	ticks    []float64
	format   func(float64) string
}

func (a axis) y(v float64) float64 {
	return padT + plotH - (v-a.min)/(a.max-a.min)*plotH
}

func frame(b *strings.Builder, title string, labels []string, a axis, every int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" class="chart" role="img" aria-label="%s">`, chartW, chartH, esc(title))
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	for _, t := range a.ticks {
		y := a.y(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d4d4d8" stroke-width="0.6"/>`, padL, y, chartW-padR, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="end" fill="#52525b">%s</text>`, padL-4, y+3.5, fontSize, esc(a.format(t)))
	}
	n := len(labels)
	for i, l := range labels {
		if every > 1 && i%every != 0 && (i != n-1 || i%every < every/2) {
			continue
		}
		x := padL + (float64(i)+0.5)*plotW/float64(n)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle" fill="#3f3f46">%s</text>`, x, padT+plotH+14, fontSize, esc(l))
	}
}

func legend(b *strings.Builder, ss []series) {
	x := padL
	for _, s := range ss {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`, x, chartH-14, s.Color)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" fill="#27272a">%s</text>`, x+14, chartH-5, legendSize, esc(s.Name))
		x += 24 + 6.2*float64(len([]rune(s.Name)))
	}
}

func ticks(min, max, step float64) []float64 {
	var out []float64
	for v := min; v <= max+step/1e6; v += step {
		out = append(out, v)
	}
	return out
}

// barChart draws grouped bars: one group per label, one bar per series,
// each bar labelled with its value.
func barChart(title string, labels []string, ss []series, format func(float64) string) string {
	top := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	step := niceStep(top, true)
	a := axis{min: 0, max: math.Max(step, math.Ceil(top/step)*step), format: format}
	a.ticks = ticks(0, a.max, step)
	var b strings.Builder
	frame(&b, title, labels, a, 1)
	group := plotW / float64(max(len(labels), 1))
	bar := group * 0.7 / float64(max(len(ss), 1))
	for i := range labels {
		for k, s := range ss {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			x := padL + float64(i)*group + group*0.15 + float64(k)*bar
			y := a.y(v)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, bar-1, padT+plotH-y, s.Color)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle" fill="#18181b">%s</text>`, x+bar/2, y-3, legendSize, esc(format(v)))
		}
	}
	legend(&b, ss)
	b.WriteString(`</svg>`)
	return b.String()
}

// lineChart draws lines over the labels between min and max (a step line
// when step is set: levels hold until they change); every is how often a
// label is written.
func lineChart(title string, labels []string, ss []series, lo, hi, tick float64, step bool, every int, format func(float64) string) string {
	a := axis{min: lo, max: hi, format: format}
	a.ticks = ticks(lo, hi, tick)
	var b strings.Builder
	frame(&b, title, labels, a, every)
	n := float64(max(len(labels), 1))
	for _, s := range ss {
		var d strings.Builder
		pen := false
		for i, v := range s.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			x, y := padL+(float64(i)+0.5)*plotW/n, a.y(math.Min(math.Max(v, lo), hi))
			switch {
			case !pen:
				fmt.Fprintf(&d, "M%.1f %.1f", x, y)
			case step:
				fmt.Fprintf(&d, "H%.1fV%.1f", x, y)
			default:
				fmt.Fprintf(&d, "L%.1f %.1f", x, y)
			}
			pen = true
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, d.String(), s.Color)
		if len(labels) <= 12 {
			for i, v := range s.Values {
				if !math.IsNaN(v) {
					x, y := padL+(float64(i)+0.5)*plotW/n, a.y(v)
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, x, y, s.Color)
					fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle" fill="#18181b">%s</text>`, x, y-6, legendSize, esc(format(v)))
				}
			}
		}
	}
	legend(&b, ss)
	b.WriteString(`</svg>`)
	return b.String()
}

// sparkline is a small line of values between their minimum and maximum
// (or lo and hi when the values stay inside them).
func sparkline(values []float64, lo, hi float64, color string) string {
	for _, v := range values {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi <= lo {
		hi = lo + 1
	}
	const w, h = smallWidth, 24.0
	var d strings.Builder
	pen := false
	for i, v := range values {
		if math.IsNaN(v) {
			pen = false
			continue
		}
		x := 2 + float64(i)*(w-4)/math.Max(float64(len(values)-1), 1)
		y := h - 3 - (v-lo)/(hi-lo)*(h-6)
		if pen {
			fmt.Fprintf(&d, "L%.1f %.1f", x, y)
		} else {
			fmt.Fprintf(&d, "M%.1f %.1f", x, y)
		}
		pen = true
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" class="spark" aria-hidden="true"><path d="%s" fill="none" stroke="%s" stroke-width="1.5"/></svg>`, w, h, d.String(), color)
}

func nan(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
