// Package estate compares what the catalog says with what the traffic
// shows: shadow, zombie and duplicate integrations, retired or deprecated
// flows still running, point-to-point complexity, and a system's blast
// radius. The analyses are pure functions; Service adds the traffic query.
package estate
