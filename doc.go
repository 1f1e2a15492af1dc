// Package intops holds the domain types every area of intops shares:
// integrations, systems, teams, flow spans and error classes. It does no I/O.
package intops
