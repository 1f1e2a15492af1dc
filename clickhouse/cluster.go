package clickhouse

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Cluster mode: with a cluster named in the DSN (cluster=NAME), the same
// migrations create, ON CLUSTER, a Replicated* table T_local on every
// server and a Distributed table T over them; intops reads and writes T,
// so no query changes. Tables with an integration id are sharded by it,
// so that the materialized views, which run where a span lands, keep
// every rollup of an integration on its shard; the small tables of
// coordination and reports (leases, the alerting log, snapshots, digests,
// migrations) live whole on the first shard, so that each is one
// replicated table that every node reads alike.

// localSuffix names the replicated table under a Distributed one.
const localSuffix = "_local"

var clusterName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// cutCluster removes the cluster parameter from a DSN (clickhouse-go
// would send it to the server as a setting) and returns it.
func cutCluster(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn, "", nil // ParseDSN says what is wrong
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", "", fmt.Errorf("clickhouse dsn %s: %w", Redact(dsn), err)
	}
	if !q.Has("cluster") {
		return dsn, "", nil
	}
	cluster := q.Get("cluster")
	q.Del("cluster")
	u.RawQuery = q.Encode()
	if err := CheckCluster(cluster); err != nil {
		return "", "", fmt.Errorf("clickhouse dsn %s: %w", Redact(u.String()), err)
	}
	return u.String(), cluster, nil
}

// CheckCluster says what is wrong with a cluster name, if anything.
func CheckCluster(name string) error {
	if !clusterName.MatchString(name) {
		return fmt.Errorf("cluster name %q: want letters, digits and '_'", name)
	}
	return nil
}

// WithCluster adds cluster=NAME to a DSN (no change when cluster is empty).
func WithCluster(dsn, cluster string) string {
	if cluster == "" {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "cluster=" + url.QueryEscape(cluster)
}

// Cluster is the cluster intops' tables are spread over ("" on a single
// server).
func (db *DB) Cluster() string { return db.cluster }

// onCluster is " ON CLUSTER name", or "" on a single server.
func (db *DB) onCluster() string {
	if db.cluster == "" {
		return ""
	}
	return " ON CLUSTER " + db.cluster
}

// local is the table that holds a table's rows on this server: T_local in
// cluster mode, T itself on a single server.
func (db *DB) local(table string) string {
	if db.cluster == "" {
		return table
	}
	return table + localSuffix
}

var (
	createTable = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+) (\(.*\)) ENGINE = ([A-Za-z]*)(MergeTree|Null)(.*)$`)
	createView  = regexp.MustCompile(`(?s)^CREATE MATERIALIZED VIEW IF NOT EXISTS ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+) TO ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+) AS\s+(.*)$`)
	fromTable   = regexp.MustCompile(`\bFROM ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)`)
	dropTable   = regexp.MustCompile(`(?s)^DROP TABLE IF EXISTS ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$`)
	alterTable  = regexp.MustCompile(`(?s)^ALTER TABLE ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+) (ADD COLUMN .*)$`)
	hasColumn   = func(name string) *regexp.Regexp { return regexp.MustCompile(`(?m)[(,]\s*` + name + `\s+[A-Za-z]`) }
	byIntegID   = hasColumn("integration_id")
	byInteg     = hasColumn("integration")
)

// clusterTable is what cluster mode knows of a table from the
// migrations so far: ALTERs that ON CLUSTER cannot run (on Distributed
// and Null tables) become a drop and a create with the new columns.
type clusterTable struct {
	cols string // "(…)", as created, with the columns added since
	null bool   // a Null table: nothing stored, only its views run
	key  string // the Distributed table's sharding key
}

// clusterize rewrites one migration statement for cluster mode, and
// records the tables it creates in schema. A statement it does not know
// is refused: a migration must not silently create a table on one server
// only.
func (db *DB) clusterize(stmt string, schema map[string]*clusterTable) ([]string, error) {
	on := db.onCluster()
	distributed := func(d, t string, tb *clusterTable) string {
		return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s ENGINE = Distributed(%s, %s, %s, %s)",
			d, t, on, d, t+localSuffix, db.cluster, d, t+localSuffix, tb.key)
	}
	if m := createTable.FindStringSubmatch(stmt); m != nil {
		d, t, cols, family, engine, rest := m[1], m[2], m[3], m[4], m[5], m[6]
		tb := &clusterTable{cols: cols, null: engine == "Null", key: "0"} // 0: the first shard
		switch {
		case byIntegID.MatchString(cols):
			tb.key = "cityHash64(integration_id)"
		case byInteg.MatchString(cols):
			tb.key = "cityHash64(integration)"
		}
		localEngine := "Null" + rest
		if !tb.null {
			args, tail, ok := strings.Cut(strings.TrimPrefix(rest, "("), ")")
			if !strings.HasPrefix(rest, "(") || !ok {
				return nil, fmt.Errorf("cluster mode: engine of %s.%s: want %sMergeTree(…)", d, t, family)
			}
			zk := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", d, t)
			if strings.TrimSpace(args) != "" {
				zk += ", " + args
			}
			localEngine = "Replicated" + family + "MergeTree(" + zk + ")" + tail
		}
		schema[t] = tb
		return []string{
			"CREATE TABLE IF NOT EXISTS " + d + "." + t + localSuffix + on + " " + cols + " ENGINE = " + localEngine,
			distributed(d, t, tb),
		}, nil
	}
	if m := createView.FindStringSubmatch(stmt); m != nil {
		body := fromTable.ReplaceAllString(m[5], "FROM ${1}.${2}"+localSuffix)
		return []string{fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s.%s%s TO %s.%s%s AS %s", m[1], m[2], on, m[3], m[4], localSuffix, body)}, nil
	}
	if m := dropTable.FindStringSubmatch(stmt); m != nil {
		return []string{"DROP TABLE IF EXISTS " + m[1] + "." + m[2] + on}, nil
	}
	if m := alterTable.FindStringSubmatch(stmt); m != nil {
		d, t, add := m[1], m[2], m[3]
		tb := schema[t]
		if tb == nil {
			return nil, fmt.Errorf("cluster mode: ALTER of %s.%s, which no migration created", d, t)
		}
		tb.cols = strings.TrimSuffix(strings.TrimSpace(tb.cols), ")") + ",\n    " + strings.TrimPrefix(add, "ADD COLUMN ") + "\n)"
		var out []string
		if tb.null {
			// Null tables are not replicated, so ON CLUSTER will not alter
			// them: they hold nothing, and are created anew.
			out = append(out, "DROP TABLE IF EXISTS "+d+"."+t+localSuffix+on,
				"CREATE TABLE IF NOT EXISTS "+d+"."+t+localSuffix+on+" "+tb.cols+" ENGINE = Null")
		} else {
			out = append(out, "ALTER TABLE "+d+"."+t+localSuffix+on+" "+add)
		}
		// Nor will it alter a Distributed table: it holds nothing either.
		return append(out, "DROP TABLE IF EXISTS "+d+"."+t+on, distributed(d, t, tb)), nil
	}
	if strings.HasPrefix(stmt, "INSERT INTO ") {
		return []string{stmt}, nil // through the Distributed tables
	}
	first, _, _ := strings.Cut(stmt, "\n")
	return nil, fmt.Errorf("cluster mode: no cluster form for the statement %q", first)
}
