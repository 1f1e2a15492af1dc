// Package servicenow files tickets as ServiceNow incidents through the
// Table API: an incident's trigger creates one (found again by its
// correlation id), its acknowledgement puts it In Progress, its
// resolution resolves it.
package servicenow
