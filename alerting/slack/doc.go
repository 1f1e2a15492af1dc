// Package slack delivers intops incident notifications to Slack and serves
// Slack's button clicks and the /intops slash command.
package slack
