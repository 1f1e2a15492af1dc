package flowprocessor

import (
	"errors"
	"fmt"
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
}

// DefaultLimits are what a span may carry unless configured otherwise.
var DefaultLimits = Limits{
	MaxAttributes:     128,
	MaxValueBytes:     4096,
	MaxNameBytes:      1024,
	MaxEvents:         32,
	MaxEventAttrBytes: 4096,
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
	} {
		if l.v < l.min {
			errs = append(errs, fmt.Errorf("%s is %d: want at least %d", l.name, l.v, l.min))
		}
	}
	return errors.Join(errs...)
}
