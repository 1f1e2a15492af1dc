// Package web holds what every page and API of the intops server shares:
// the sources the handlers read (the store, the catalog, SLOs, anomalies,
// findings, alerting), the frame of every page (layout.templ), the error
// pages, the embedded static files, JSON and form helpers, the formatting
// of numbers, times and statuses, and the views of SLOs, incidents and
// silence windows that several pages show.
package web
