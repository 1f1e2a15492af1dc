package estate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/catalog"
)

// Kind is what a finding is about.
type Kind string

const (
	// KindShadow: traffic that no catalog entry claims.
	KindShadow Kind = "shadow"
	// KindZombie: a production integration that carries nothing.
	KindZombie Kind = "zombie"
	// KindDuplicate: catalog entries moving the same data between the
	// same systems.
	KindDuplicate Kind = "duplicate"
	// KindRetiredWithTraffic: retired, or past its retirement date, and
	// still running.
	KindRetiredWithTraffic Kind = "retired_with_traffic"
	// KindDeprecatedWithTraffic: deprecated and still running.
	KindDeprecatedWithTraffic Kind = "deprecated_with_traffic"
	// KindComplexity: how far the estate is from point-to-point sprawl.
	KindComplexity Kind = "complexity"
)

// Kinds lists every kind of finding, in the order findings are reported.
var Kinds = []Kind{KindShadow, KindZombie, KindDuplicate, KindRetiredWithTraffic, KindDeprecatedWithTraffic, KindComplexity}

// ParseKind returns the kind named s, or an error that lists the kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown kind %q: want one of %s", s, strings.Join(names, ", "))
}

// Severity says how urgently a finding needs a decision.
type Severity string

const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Finding is one thing the ICoE should look at. Its JSON shape is stable:
// fields are only ever added. Exactly one of the kind-specific details is
// set, named after the kind (retirement for both *_with_traffic kinds).
type Finding struct {
	// ID identifies the finding across runs: kind:subject.
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Integration is the catalog entry the finding is about, when one.
	Integration string `json:"integration,omitempty"`
	// Systems are the catalogued systems involved.
	Systems []string `json:"systems"`
	// Team is the team to act: the integration's owner; for a shadow flow
	// the owner of the systems it touches.
	Team    string `json:"team"`
	Summary string `json:"summary"`
	// FirstSeen and LastSeen bound the traffic seen (hour resolution);
	// null when there was none.
	FirstSeen *time.Time `json:"first_seen"`
	LastSeen  *time.Time `json:"last_seen"`
	// Volume is the traffic seen over the window read, in VolumeUnit:
	// executions, or spans when no span stood for an execution.
	Volume     uint64 `json:"volume"`
	VolumeUnit string `json:"volume_unit"`

	Shadow     *ShadowDetail     `json:"shadow,omitempty"`
	Zombie     *ZombieDetail     `json:"zombie,omitempty"`
	Duplicate  *DuplicateDetail  `json:"duplicate,omitempty"`
	Retirement *RetirementDetail `json:"retirement,omitempty"`
	Complexity *ComplexityDetail `json:"complexity,omitempty"`
}

// Config holds the analyses' thresholds.
type Config struct {
	// ZombieAfter is how long a production integration may go without an
	// execution before it is a zombie; it is also how recent traffic must
	// be to count against a retired or deprecated integration. Default 7
	// days.
	ZombieAfter time.Duration
	// Hubs is how many of the most connected systems count as hubs in the
	// complexity finding. Default 3.
	Hubs int
}

// DefaultZombieAfter is Config.ZombieAfter's default.
const DefaultZombieAfter = 7 * 24 * time.Hour

// DefaultHubs is Config.Hubs' default.
const DefaultHubs = 3

func (c Config) withDefaults() Config {
	if c.ZombieAfter <= 0 {
		c.ZombieAfter = DefaultZombieAfter
	}
	if c.Hubs <= 0 {
		c.Hubs = DefaultHubs
	}
	return c
}

// Analyze returns every finding of the catalog against the traffic read
// (rows as the store's Traffic returns them) at now, most severe first.
func Analyze(cat *catalog.Catalog, traffic []intops.Traffic, now time.Time, cfg Config) []Finding {
	cfg = cfg.withDefaults()
	var out []Finding
	out = append(out, Shadows(cat, traffic)...)
	out = append(out, Zombies(cat, traffic, now, cfg.ZombieAfter)...)
	out = append(out, Duplicates(cat, traffic)...)
	out = append(out, Retirements(cat, traffic, now, cfg.ZombieAfter)...)
	out = append(out, Complexity(cat, traffic, cfg.Hubs))
	Sort(out)
	return out
}

// Sort orders findings most severe first, then by kind (in Kinds order)
// and id.
func Sort(fs []Finding) {
	order := map[Kind]int{}
	for i, k := range Kinds {
		order[k] = i
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		return a.ID < b.ID
	})
}

// Filter keeps the findings of the kinds given (all when none are).
func Filter(fs []Finding, kinds ...Kind) []Finding {
	if len(kinds) == 0 {
		return fs
	}
	want := map[Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	out := []Finding{}
	for _, f := range fs {
		if want[f.Kind] {
			out = append(out, f)
		}
	}
	return out
}
