package flowprocessor

import (
	"errors"
	"fmt"
	"time"
)

// Config of the intops_flow processor.
type Config struct {
	// Catalog is a catalog file or directory whose integrations' match
	// rules attribute spans; empty means explicit integration.id only.
	Catalog string `mapstructure:"catalog"`
	// Limits bound what one span may carry.
	Limits Limits `mapstructure:"limits"`
}

// Limits are the documented span size limits (docs/conventions.md).
// Larger spans are truncated, never rejected.
type Limits struct {
	MaxAttributes     int `mapstructure:"max_attributes"`       // per span and per resource
	MaxValueBytes     int `mapstructure:"max_value_bytes"`      // per attribute value and status message
	MaxNameBytes      int `mapstructure:"max_name_bytes"`       // span name
	MaxEvents         int `mapstructure:"max_events"`           // span events kept
	MaxEventAttrBytes int `mapstructure:"max_event_attr_bytes"` // per event attribute value
	MaxValueDepth     int `mapstructure:"max_value_depth"`      // nesting of a value kept as it is; deeper ones become text

	// MaxSpanAge refuses spans that started longer ago (retention would
	// drop them at once); MaxClockSkew clamps spans that start further
	// ahead of the collector's clock to the time they are received.
	MaxSpanAge   time.Duration `mapstructure:"max_span_age"`
	MaxClockSkew time.Duration `mapstructure:"max_clock_skew"`
}

// DefaultLimits are what a span may carry unless configured otherwise.
var DefaultLimits = Limits{
	MaxAttributes:     128,
	MaxValueBytes:     4096,
	MaxNameBytes:      1024,
	MaxEvents:         32,
	MaxEventAttrBytes: 4096,
	MaxValueDepth:     16,
	MaxSpanAge:        14 * 24 * time.Hour,
	MaxClockSkew:      24 * time.Hour,
}

func createDefaultConfig() *Config {
	return &Config{Limits: DefaultLimits}
}

// Validate checks the limits.
func (c *Config) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		v    int
		min  int
	}{
		{"limits.max_attributes", c.Limits.MaxAttributes, 16},
		{"limits.max_value_bytes", c.Limits.MaxValueBytes, 64},
		{"limits.max_name_bytes", c.Limits.MaxNameBytes, 64},
		{"limits.max_events", c.Limits.MaxEvents, 0},
		{"limits.max_event_attr_bytes", c.Limits.MaxEventAttrBytes, 64},
		{"limits.max_value_depth", c.Limits.MaxValueDepth, 2},
	} {
		if l.v < l.min {
			errs = append(errs, fmt.Errorf("%s is %d: want at least %d", l.name, l.v, l.min))
		}
	}
	if c.Limits.MaxSpanAge < time.Hour {
		errs = append(errs, fmt.Errorf("limits.max_span_age is %s: want at least 1h", c.Limits.MaxSpanAge))
	}
	if c.Limits.MaxClockSkew < time.Minute {
		errs = append(errs, fmt.Errorf("limits.max_clock_skew is %s: want at least 1m", c.Limits.MaxClockSkew))
	}
	return errors.Join(errs...)
}
