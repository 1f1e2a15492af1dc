package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// DB is a connection pool to one ClickHouse server (or a server of a
// cluster) and the database that holds intops' tables.
type DB struct {
	conn     driver.Conn
	database string
	cluster  string // cluster mode (cluster.go) when set
	version  driver.ServerVersion
	// legacy is true on servers older than 19.x (Debian's 18.16), which
	// get the common subset of the schema (no LowCardinality).
	legacy bool
}

var dbName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Open connects to the server named by dsn
// (clickhouse://user:password@host:9000/database?dial_timeout=5s), creates
// the database when it is missing, and detects the server version. With
// cluster=NAME in the DSN the tables are spread over that cluster of the
// server's remote_servers (cluster.go).
func Open(ctx context.Context, dsn string) (*DB, error) {
	dsn, cluster, err := cutCluster(dsn)
	if err != nil {
		return nil, err
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse dsn %s: %w", Redact(dsn), err)
	}
	database := opts.Auth.Database
	if database == "" {
		database = "intops"
	}
	if !dbName.MatchString(database) {
		return nil, fmt.Errorf("clickhouse dsn %s: database name %q: want letters, digits and '_'", Redact(dsn), database)
	}
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 || opts.DialTimeout > 10*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 8
	}
	if cluster != "" {
		if opts.Settings == nil {
			opts.Settings = ch.Settings{}
		}
		// An insert returns once every shard has its rows, not when the
		// Distributed table has queued them on this server: what the
		// collector acknowledges is stored where queries find it.
		opts.Settings["insert_distributed_sync"] = 1
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse open %s: %w", Redact(dsn), err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse ping %s: %w", Redact(dsn), err)
	}
	v, err := conn.ServerVersion()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse server version: %w", err)
	}
	db := &DB{conn: conn, database: database, cluster: cluster, version: *v, legacy: v.Version.Major < 19}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database+db.onCluster()); err != nil {
		conn.Close()
		return nil, fmt.Errorf("create database %s: %w", database, err)
	}
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() error { return db.conn.Close() }

// Database is the name of the database intops' tables live in.
func (db *DB) Database() string { return db.database }

// ServerVersion is the version the server reported at connect.
func (db *DB) ServerVersion() string { return db.version.Version.String() }

// Ping checks that the server answers.
func (db *DB) Ping(ctx context.Context) error { return db.conn.Ping(ctx) }

var dsnPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)

// Redact hides the password of a DSN so that it can be logged.
func Redact(dsn string) string {
	dsn = dsnPassword.ReplaceAllString(dsn, "${1}xxxxx@")
	if i := strings.Index(dsn, "password="); i >= 0 {
		end := strings.IndexByte(dsn[i:], '&')
		if end < 0 {
			dsn = dsn[:i] + "password=xxxxx"
		} else {
			dsn = dsn[:i] + "password=xxxxx" + dsn[i+end:]
		}
	}
	return dsn
}

// Permanent reports whether err is a server's refusal of the data itself,
// which no retry can fix. Connection failures, timeouts and overload are
// not permanent: the data waits and is sent again.
func Permanent(err error) bool {
	var ex *ch.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case 6, 27, 38, 41, 53, 69, 70, 72, 130, 131, 321: // parse, type mismatch, too large strings/arrays, overflow
			return true
		}
	}
	return false
}

// Exec runs a statement (tests and tools).
func (db *DB) Exec(ctx context.Context, sql string, args ...any) error {
	return db.conn.Exec(ctx, sql, args...)
}
