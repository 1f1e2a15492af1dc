// Package ui serves intops over HTTP: the templ pages (the estate, an
// integration, the map, the catalog review, SLOs, alerts, silences,
// reports), the JSON API, health and /metrics, with authentication,
// CSRF and cross-site protection.
package ui

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate
