package anomaly

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// A holiday is judged against weekend normal, and a holiday in the
// history does not become a weekday's normal: a flow that runs 300 an
// hour on weekdays and 20 at weekends, quiet on a Thursday holiday.
func TestHolidays(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
	past, today := "2026-11-12", "2026-11-26"             // Thursdays
	rnd := rand.New(rand.NewPCG(11, 12))
	var hours []intops.Bucket
	end := start.Add(25 * 24 * time.Hour)
	quiet := func(t time.Time) bool {
		d := t.Format("2006-01-02")
		return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday || d == past || d == today
	}
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		rate := 300.0
		if quiet(h) {
			rate = 20
		}
		n := uint64(poisson(rnd, rate))
		hours = append(hours, intops.Bucket{Minute: h, Width: time.Hour, Executions: n, Records: n})
	}
	learnTo := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	hol := Holidays{past: true, today: true}
	with := LearnWith(hours[:firstBucket(hours, learnTo)], start, learnTo, time.UTC, hol)
	without := Learn(hours[:firstBucket(hours, learnTo)], start, learnTo, time.UTC)
	noon := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	if e := with.Exec[with.dayType(noon)][12]; e > 40 {
		t.Errorf("a holiday expects %.0f an hour, want weekend normal (about 20)", e)
	}
	if e := with.Exec[with.dayType(noon.AddDate(0, 0, -3))][12]; e < 250 {
		t.Errorf("a weekday expects %.0f an hour once the past holiday is a holiday, want about 300", e)
	}
	if e := without.Exec[without.dayType(noon)][12]; e < 250 {
		t.Errorf("without the calendar the holiday is a weekday (%.0f expected): the test shows nothing", e)
	}

	// The catalog's Holidays: dates and an iCalendar file.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "holidays.ics"), []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(oneFlow+"---\napiVersion: intops.dev/v1alpha1\nkind: Holidays\nmetadata: {name: de}\nspec: {dates: [\"2026-10-03\"], ics: holidays.ics}\n"), 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26"} {
		if !cat.Holidays[d] {
			t.Errorf("%s is not a holiday: %v", d, cat.Holidays)
		}
	}
	if cat.Holidays["2026-12-27"] || len(cat.Holidays) != 4 {
		t.Errorf("holidays %v, want 4 (DTEND is exclusive)", cat.Holidays)
	}
	if _, err := catalog.Parse("e.yaml", []byte("apiVersion: intops.dev/v1alpha1\nkind: Holidays\nmetadata: {name: x}\nspec: {dates: [\"26.12.2026\"]}\n")); err == nil {
		t.Error("a date that is not YYYY-MM-DD was taken")
	}
}
