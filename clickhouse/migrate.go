package clickhouse

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one embedded schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string // as embedded, before templating
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		data, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(data)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// render expands a migration's template for this server and database and
// splits it into statements (in cluster mode, their cluster forms; every
// migration is rendered then, applied or not, so that schema knows the
// tables that later ones alter).
func (db *DB) render(m Migration, schema map[string]*clusterTable) ([]string, error) {
	tmpl, err := template.New(m.Name).Funcs(template.FuncMap{
		// lc is LowCardinality(T) where the server has it as a stable type.
		"lc": func(t string) string {
			if db.legacy {
				return t
			}
			return "LowCardinality(" + t + ")"
		},
	}).Parse(m.SQL)
	if err != nil {
		return nil, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
	}
	var buf bytes.Buffer
	bounds := make([]string, len(LatencyBounds))
	for i, b := range LatencyBounds {
		bounds[i] = strconv.FormatInt(int64(b), 10)
	}
	data := struct{ DB, LatencyBounds string }{db.database, strings.Join(bounds, ", ")}
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
	}
	var stmts []string
	for _, s := range strings.Split(buf.String(), ";\n") {
		var lines []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			forms, err := db.statement(strings.TrimSuffix(s, ";"), schema)
			if err != nil {
				return nil, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			stmts = append(stmts, forms...)
		}
	}
	return stmts, nil
}

// statement is a schema statement as this database runs it: itself on a
// single server, its cluster forms in cluster mode.
func (db *DB) statement(s string, schema map[string]*clusterTable) ([]string, error) {
	if db.cluster == "" {
		return []string{s}, nil
	}
	return db.clusterize(s, schema)
}

// Migrate applies the embedded migrations that have not run yet, in order,
// and records each in schema_migrations. Every statement is idempotent, so
// a migration cut off half way is simply run again. It returns the
// versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	create, err := db.statement(`CREATE TABLE IF NOT EXISTS `+db.database+`.schema_migrations (
		version UInt32, name String, applied_at DateTime
	) ENGINE = MergeTree() ORDER BY version`, map[string]*clusterTable{})
	if err != nil {
		return nil, err
	}
	for _, s := range create {
		if err := db.conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	done := map[int]bool{}
	rows, err := db.conn.Query(ctx, `SELECT DISTINCT version FROM `+db.database+`.schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[int(v)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var applied []int
	schema := map[string]*clusterTable{}
	for _, m := range ms {
		if done[m.Version] && db.cluster == "" {
			continue // cluster mode renders it all the same: see render
		}
		stmts, err := db.render(m, schema)
		if err != nil {
			return applied, err
		}
		if done[m.Version] {
			continue
		}
		for _, s := range stmts {
			if skip, err := db.columnExists(ctx, s); err != nil {
				return applied, err
			} else if skip {
				continue // added by an earlier, interrupted run
			}
			if err := db.conn.Exec(ctx, s); err != nil {
				return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
		}
		if err := db.conn.Exec(ctx, `INSERT INTO `+db.database+`.schema_migrations (version, name, applied_at) SELECT ?, ?, now()`, uint32(m.Version), m.Name); err != nil {
			return applied, fmt.Errorf("record migration %04d: %w", m.Version, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

var addColumn = regexp.MustCompile(`(?is)^ALTER TABLE ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)(?: ON CLUSTER \S+)? ADD COLUMN ([A-Za-z0-9_]+) `)

// columnExists reports whether stmt adds a column that is already there:
// 18.16 has no ADD COLUMN IF NOT EXISTS, and migrations must be idempotent.
func (db *DB) columnExists(ctx context.Context, stmt string) (bool, error) {
	m := addColumn.FindStringSubmatch(stmt)
	if m == nil {
		return false, nil
	}
	var n uint64
	err := db.conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?`, m[1], m[2], m[3]).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check column %s.%s: %w", m[2], m[3], err)
	}
	return n > 0, nil
}
