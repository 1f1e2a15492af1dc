// Package jira files tickets in Jira Cloud (REST API v3): an incident's
// trigger creates an issue, its acknowledgement and resolution are
// comments, the resolution also moves the issue to a done status.
package jira
