package clickhouse

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/cluster-schema.sql")

// TestClusterSchema renders every migration in cluster mode and compares
// the DDL with testdata/cluster-schema.sql (go test -run TestClusterSchema
// -update rewrites it), then checks what must hold of every statement.
func TestClusterSchema(t *testing.T) {
	db := &DB{database: "intops", cluster: "intops"}
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	schema := map[string]*clusterTable{}
	var all []string
	for _, m := range ms {
		stmts, err := db.render(m, schema)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			all = append(all, s+";")
		}
	}
	got := strings.Join(all, "\n\n") + "\n"
	const golden = "testdata/cluster-schema.sql"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("cluster DDL differs from %s (run with -update after checking the change)", golden)
	}
	createLocal := regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS intops\.(\w+)_local ON CLUSTER intops \(`)
	createDist := regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS intops\.(\w+) ON CLUSTER intops AS intops\.(\w+)_local ENGINE = Distributed\(intops, intops, (\w+)_local, (.+)\)$`)
	keys := map[string]string{}
	for _, s := range all {
		s = strings.TrimSuffix(s, ";")
		switch {
		case strings.HasPrefix(s, "INSERT INTO "):
			continue
		case !strings.Contains(s, " ON CLUSTER intops"):
			t.Errorf("runs on one server only: %.80s", s)
		case createLocal.MatchString(s):
			if !strings.Contains(s, "ENGINE = Replicated") && !strings.HasSuffix(s, "ENGINE = Null") {
				t.Errorf("local table neither replicated nor Null: %.80s", s)
			}
		case createDist.MatchString(s):
			m := createDist.FindStringSubmatch(s)
			if m[1] != m[2] || m[2] != m[3] {
				t.Errorf("Distributed table over another table: %.120s", s)
			}
			keys[m[1]] = m[4]
		case strings.HasPrefix(s, "CREATE MATERIALIZED VIEW"):
			if strings.Count(s, "_local") != 2 {
				t.Errorf("view does not read and write local tables: %.160s", s)
			}
		}
	}
	// Every table of an integration's data is sharded by it; the rest
	// live on the first shard.
	for table, key := range map[string]string{
		"flow_spans": "cityHash64(integration_id)", "flow_rollup_1m": "cityHash64(integration_id)", "flow_rollup_1h": "cityHash64(integration_id)",
		"flow_rollup_input": "cityHash64(integration_id)", "flow_rollup_input_1h": "cityHash64(integration_id)",
		"alert_events": "cityHash64(integration)", "alerting_log": "0", "leases": "0", "schema_migrations": "",
	} {
		if table == "schema_migrations" {
			continue // created by Migrate itself
		}
		if keys[table] != key {
			t.Errorf("%s is sharded by %q, want %q", table, keys[table], key)
		}
	}
}

func TestClusterInTheDSN(t *testing.T) {
	for _, tc := range []struct{ dsn, rest, cluster, err string }{
		{"clickhouse://h:9000/intops", "clickhouse://h:9000/intops", "", ""},
		{"clickhouse://h:9000/intops?cluster=prod&dial_timeout=2s", "clickhouse://h:9000/intops?dial_timeout=2s", "prod", ""},
		{"clickhouse://u:secret@h:9000/intops?cluster=a-b", "", "", `clickhouse dsn clickhouse://u:xxxxx@h:9000/intops: cluster name "a-b": want letters, digits and '_'`},
		{"clickhouse://h:9000/intops?cluster=a;b", "", "", `clickhouse dsn clickhouse://h:9000/intops?cluster=a;b: invalid semicolon separator in query`},
	} {
		rest, cluster, err := cutCluster(tc.dsn)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.dsn, err, tc.err)
			}
			continue
		}
		if err != nil || rest != tc.rest || cluster != tc.cluster {
			t.Errorf("%s: %q, %q, %v; want %q, %q", tc.dsn, rest, cluster, err, tc.rest, tc.cluster)
		}
	}
	if got := WithCluster("clickhouse://h:9000/intops?dial_timeout=2s", "prod"); got != "clickhouse://h:9000/intops?dial_timeout=2s&cluster=prod" {
		t.Errorf("WithCluster = %s", got)
	}
	if got := WithCluster("clickhouse://h:9000/intops", ""); got != "clickhouse://h:9000/intops" {
		t.Errorf("WithCluster without a cluster = %s", got)
	}
}

func TestClusterRefusesUnknownStatements(t *testing.T) {
	db := &DB{database: "intops", cluster: "intops"}
	_, err := db.clusterize("RENAME TABLE intops.a TO intops.b", map[string]*clusterTable{})
	if err == nil || err.Error() != `cluster mode: no cluster form for the statement "RENAME TABLE intops.a TO intops.b"` {
		t.Errorf("err = %v", err)
	}
	_, err = db.clusterize("ALTER TABLE intops.nowhere ADD COLUMN x UInt8", map[string]*clusterTable{})
	if err == nil || err.Error() != "cluster mode: ALTER of intops.nowhere, which no migration created" {
		t.Errorf("err = %v", err)
	}
}
