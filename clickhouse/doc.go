// Package clickhouse is where intops speaks SQL: connection, embedded
// migrations, the flow span writer, read queries and retention.
package clickhouse
