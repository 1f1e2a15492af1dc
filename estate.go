package intops

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Team owns systems and integrations and is where their alerts go.
type Team struct {
	Name         string
	Title        string
	SlackChannel string
	OnCall       string
	Escalation   string
	Members      []string
}

// System is an application that integrations connect: a CRM, an ERP, an
// ITSM tool, a partner's gateway.
type System struct {
	Name        string
	Title       string
	Kind        string // CRM, ERP, ITSM, WMS, monitoring, CMDB, partner, …
	Owner       string // team name
	Vendor      string
	DataDomains []string // data domains it is the system of record for
}

// Lifecycle is the stage an integration is in.
type Lifecycle string

const (
	LifecycleDesign     Lifecycle = "design"
	LifecycleProduction Lifecycle = "production"
	LifecycleDeprecated Lifecycle = "deprecated"
	LifecycleRetired    Lifecycle = "retired"
)

// Lifecycles lists the accepted lifecycle stages in order.
var Lifecycles = []Lifecycle{LifecycleDesign, LifecycleProduction, LifecycleDeprecated, LifecycleRetired}

// Mechanisms lists how integrations move data.
var Mechanisms = []string{"api", "event", "batch", "file", "rpa", "db-link"}

// MatchRule attributes spans that carry none of their own integration.id:
// a span matches when every condition equals the span's (or its
// resource's) attribute. A value ending in '*' matches by prefix.
type MatchRule struct {
	Conditions []Condition
}

// Condition is one attribute test of a MatchRule.
type Condition struct {
	Key   string
	Value string
}

// Matches reports whether v satisfies the condition's value.
func (c Condition) Matches(v string) bool {
	if n := len(c.Value); n > 0 && c.Value[n-1] == '*' {
		return len(v) >= n-1 && v[:n-1] == c.Value[:n-1]
	}
	return v == c.Value
}

// Integration is one catalogued flow between systems, run as a product.
type Integration struct {
	ID             string
	Title          string
	Description    string
	Source         string   // system name
	Targets        []string // system names
	Pattern        string
	Mechanism      string
	DataDomains    []string
	Owner          string // team name
	TechnicalOwner string
	BusinessOwner  string
	DataSteward    string
	Lifecycle      Lifecycle
	GoLive         time.Time
	Retirement     time.Time
	Tier           int
	RunbookURL     string
	// ContractTest is the status of the integration's contract tests:
	// none, partial, passing or failing.
	ContractTest string
	// ReplacedBy names the integration that replaces a deprecated one.
	ReplacedBy string
	Match      []MatchRule
	// Annotations are the catalog entry's metadata annotations, as
	// written (e.g. intops.dev/expected-traffic: "none"); nil when none.
	Annotations map[string]string
}

// Annotations intops reads from an integration's metadata.
const (
	// AnnotationExpectedTraffic: "none" says the integration is not
	// expected to carry traffic (a zombie candidate nobody switched off).
	AnnotationExpectedTraffic = "intops.dev/expected-traffic"
	// AnnotationAnomalySensitivity: "low", "normal" (the default) or
	// "high": how readily the anomaly detectors alarm on the integration
	// (low: a hundredth of the false alarms and only larger changes; high:
	// a hundred times more and smaller ones).
	AnnotationAnomalySensitivity = "intops.dev/anomaly-sensitivity"
)

// AnomalySensitivities are the accepted values of
// AnnotationAnomalySensitivity.
var AnomalySensitivities = []string{"low", "normal", "high"}

// ContractTestStatuses lists the accepted contract-test statuses.
var ContractTestStatuses = []string{"none", "partial", "passing", "failing"}

// Target returns the first target system, or "".
func (i *Integration) Target() string {
	if len(i.Targets) == 0 {
		return ""
	}
	return i.Targets[0]
}

var idPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$`)

// ValidID reports whether s may name a team, system or integration:
// lowercase letters, digits, '.', '_' and '-', at most 128 characters.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// FieldError is a problem with one field of a catalog entity.
type FieldError struct {
	Field string // as written in the catalog: tier, lifecycle, match…
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks the integration's own values (what it refers to, and
// what it lacks, is governance: the catalog's lint rules).
func (i *Integration) Validate() error {
	var errs []error
	if !ValidID(i.ID) {
		errs = append(errs, fieldErr("name", "id %q: want lowercase letters, digits, '.', '_' or '-'", i.ID))
	}
	if i.Lifecycle != "" && !oneOf(string(i.Lifecycle), Lifecycles) {
		errs = append(errs, fieldErr("lifecycle", "lifecycle %q: want one of design, production, deprecated, retired", i.Lifecycle))
	}
	if i.Mechanism != "" && !oneOf(i.Mechanism, Mechanisms) {
		errs = append(errs, fieldErr("mechanism", "mechanism %q: want one of api, event, batch, file, rpa, db-link", i.Mechanism))
	}
	if i.ContractTest != "" && !oneOf(i.ContractTest, ContractTestStatuses) {
		errs = append(errs, fieldErr("contractTest", "contractTest %q: want one of none, partial, passing, failing", i.ContractTest))
	}
	if i.Tier != 0 && (i.Tier < 1 || i.Tier > 3) {
		errs = append(errs, fieldErr("tier", "tier %d: want 1, 2 or 3", i.Tier))
	}
	for n, r := range i.Match {
		if len(r.Conditions) == 0 {
			errs = append(errs, fieldErr("match", "match rule %d has no conditions", n+1))
		}
		for _, c := range r.Conditions {
			if c.Key == "" || c.Value == "" || c.Value == "*" {
				errs = append(errs, fieldErr("match", "match rule %d: condition %q=%q must name an attribute and a value", n+1, c.Key, c.Value))
			}
		}
	}
	return errors.Join(errs...)
}

func oneOf[T ~string](s string, list []T) bool {
	for _, v := range list {
		if string(v) == s {
			return true
		}
	}
	return false
}
