// Package catalog loads the estate catalog, kept as YAML documents in git,
// into intops domain types.
package catalog
