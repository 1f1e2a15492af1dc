// Package ui is intops' HTTP server: the pages (the estate, an
// integration, the map, the catalog review, SLOs, alerts, silences,
// reports), the JSON API, health and /metrics, behind authentication,
// CSRF and cross-site protection and the security headers. Each feature
// is a package below ui holding its handlers, page models and templ
// views; routes.go registers every route of every feature, and New hands
// each feature the sources of Options it reads.
package ui

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.977 generate
