// Package slo computes error budgets and multiwindow, multi-burn-rate
// alerts from per-minute good/total counts. Pure math, no I/O.
package slo
