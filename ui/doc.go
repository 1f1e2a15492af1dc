// Package ui serves intops over HTTP: the JSON API, health and metrics
// (and, as later issues land, the templ pages and reports).
package ui
