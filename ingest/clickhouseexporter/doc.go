// Package clickhouseexporter stores flow spans in ClickHouse through
// batched native inserts behind the collector's persistent sending queue.
package clickhouseexporter
