package estate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// ZombieDetail is what a zombie finding adds.
type ZombieDetail struct {
	Lifecycle string `json:"lifecycle"`
	Tier      int    `json:"tier"`
	// ThresholdDays is how many days without an execution make a zombie.
	ThresholdDays float64 `json:"threshold_days"`
	// SilentDays is how long since the last execution seen; null when
	// none was seen in the traffic read.
	SilentDays *float64 `json:"silent_days"`
	// ExpectedTraffic is the intops.dev/expected-traffic annotation, if any.
	ExpectedTraffic string `json:"expected_traffic,omitempty"`
}

// RetirementDetail is what retired_with_traffic and
// deprecated_with_traffic findings add.
type RetirementDetail struct {
	Lifecycle  string `json:"lifecycle"`
	Retirement string `json:"retirement,omitempty"` // YYYY-MM-DD
	// DaysPastRetirement is set when the retirement date has passed.
	DaysPastRetirement *int `json:"days_past_retirement,omitempty"`
	// ReplacedBy is the replacement the catalog names, if any, and
	// ReplacementVolume its executions over the window read.
	ReplacedBy        string `json:"replaced_by,omitempty"`
	ReplacementVolume uint64 `json:"replacement_volume"`
	// RecentDays is how recent traffic must be to count.
	RecentDays float64 `json:"recent_days"`
}

// Zombies reports the production integrations without an execution in
// the last `after` (never seen included). Design, deprecated and retired
// ones are not zombies. The intops.dev/expected-traffic annotation hides
// nothing: a flow nobody expects to run and nobody switched off is the
// point; the summary says so.
func Zombies(cat *catalog.Catalog, traffic []intops.Traffic, now time.Time, after time.Duration) []Finding {
	if after <= 0 {
		after = DefaultZombieAfter
	}
	used := byIntegration(traffic)
	since := now.Add(-after)
	var out []Finding
	for _, in := range cat.Integrations {
		if in.Lifecycle != intops.LifecycleProduction {
			continue
		}
		u := used[in.ID]
		if u.executedSince(since) {
			continue
		}
		d := &ZombieDetail{Lifecycle: string(in.Lifecycle), Tier: in.Tier, ThresholdDays: days(after),
			ExpectedTraffic: in.Annotations[intops.AnnotationExpectedTraffic]}
		var silence string
		if u != nil && u.Executions > 0 {
			end := u.Last.Add(time.Hour)
			s := math.Round(days(now.Sub(end))*10) / 10
			d.SilentDays = &s
			silence = fmt.Sprintf("its last execution was in the hour from %s, %.1f days ago", hourText(u.Last), s)
		} else {
			silence = "none was seen at all in the traffic read"
		}
		sev := SeverityWarning
		if in.Tier == 1 {
			sev = SeverityError
		}
		vol, unit := u.volume()
		first, last := u.seenRange()
		summary := fmt.Sprintf("%s is in production but has had no execution for %s: %s.", in.ID, durationText(after), silence)
		if d.ExpectedTraffic == "none" {
			summary += " It is annotated intops.dev/expected-traffic: \"none\": nobody expects it to run and nobody has switched it off."
		}
		summary += " Retire it in the catalog and switch it off, or find out why it stopped."
		out = append(out, Finding{
			ID: "zombie:" + in.ID, Kind: KindZombie, Severity: sev, Integration: in.ID, Systems: integrationSystems(in),
			Team: in.Owner, Summary: summary, FirstSeen: first, LastSeen: last, Volume: vol, VolumeUnit: unit, Zombie: d,
		})
	}
	return out
}

// Retirements reports integrations still executing (within `recent`)
// although they are retired or past their retirement date
// (retired_with_traffic, an error), or deprecated (deprecated_with_traffic:
// info while a named replacement exists, a warning without one).
func Retirements(cat *catalog.Catalog, traffic []intops.Traffic, now time.Time, recent time.Duration) []Finding {
	if recent <= 0 {
		recent = DefaultZombieAfter
	}
	used := byIntegration(traffic)
	since := now.Add(-recent)
	var out []Finding
	for _, in := range cat.Integrations {
		u := used[in.ID]
		if !u.executedSince(since) {
			continue
		}
		past := !in.Retirement.IsZero() && in.Retirement.Before(now)
		retired := in.Lifecycle == intops.LifecycleRetired || (past && in.Lifecycle != intops.LifecycleDesign)
		if !retired && in.Lifecycle != intops.LifecycleDeprecated {
			continue
		}
		d := &RetirementDetail{Lifecycle: string(in.Lifecycle), ReplacedBy: in.ReplacedBy, RecentDays: days(recent)}
		if !in.Retirement.IsZero() {
			d.Retirement = day(in.Retirement)
		}
		if past {
			n := int(now.Sub(in.Retirement) / (24 * time.Hour))
			d.DaysPastRetirement = &n
		}
		var replacement *intops.Integration
		if in.ReplacedBy != "" {
			replacement = cat.Integration(in.ReplacedBy)
			if u := used[in.ReplacedBy]; u != nil {
				d.ReplacementVolume = u.Executions
			}
		}
		vol, unit := u.volume()
		first, last := u.seenRange()
		f := Finding{
			Integration: in.ID, Systems: integrationSystems(in), Team: in.Owner,
			FirstSeen: first, LastSeen: last, Volume: vol, VolumeUnit: unit, Retirement: d,
		}
		ran := fmt.Sprintf("carried %s, the last in the hour from %s", plural(u.Executions, "execution", "executions"), hourText(u.Last))
		var b strings.Builder
		if retired {
			f.Kind, f.Severity = KindRetiredWithTraffic, SeverityError
			if in.Lifecycle == intops.LifecycleRetired {
				fmt.Fprintf(&b, "%s is retired but still %s.", in.ID, ran)
			} else {
				state := "in production"
				if in.Lifecycle == intops.LifecycleDeprecated {
					state = "deprecated"
				}
				fmt.Fprintf(&b, "%s was due to retire on %s but is still %s and %s.", in.ID, d.Retirement, state, ran)
			}
			b.WriteString(" Switch it off, or move its retirement date and record why.")
		} else {
			f.Kind, f.Severity = KindDeprecatedWithTraffic, SeverityInfo
			fmt.Fprintf(&b, "%s is deprecated and still %s.", in.ID, ran)
			switch {
			case in.ReplacedBy == "":
				f.Severity = SeverityWarning
				b.WriteString(" The catalog names no replacement: choose one and plan the switch.")
			case replacement == nil:
				f.Severity = SeverityWarning
				fmt.Fprintf(&b, " Its replacement %s is not in the catalog.", in.ReplacedBy)
			case d.ReplacementVolume == 0:
				f.Severity = SeverityWarning
				fmt.Fprintf(&b, " Its replacement %s carries no traffic yet.", in.ReplacedBy)
			default:
				fmt.Fprintf(&b, " Its replacement %s carried %s: move what is left and retire it.", in.ReplacedBy, plural(d.ReplacementVolume, "execution", "executions"))
			}
			if d.Retirement != "" {
				fmt.Fprintf(&b, " Retirement is planned for %s.", d.Retirement)
			}
		}
		f.ID = string(f.Kind) + ":" + in.ID
		f.Summary = b.String()
		out = append(out, f)
	}
	return out
}

// integrationSystems are an integration's source and targets, sorted.
func integrationSystems(in *intops.Integration) []string {
	set := map[string]bool{in.Source: true}
	for _, t := range in.Targets {
		set[t] = true
	}
	return sortedKeys(set)
}

func days(d time.Duration) float64 { return d.Hours() / 24 }

func durationText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := uint64(d / (24 * time.Hour))
		return plural(n, "day", "days")
	}
	if d%time.Hour == 0 {
		return plural(uint64(d/time.Hour), "hour", "hours")
	}
	return d.String()
}
