package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

// TestMain runs the tests, or, as a child process of a test, the intops
// command that INTOPS_TEST_MAIN names (JSON arguments).
func TestMain(m *testing.M) {
	if env := os.Getenv("INTOPS_TEST_MAIN"); env != "" {
		var args []string
		if err := json.Unmarshal([]byte(env), &args); err != nil {
			fmt.Fprintln(os.Stderr, "INTOPS_TEST_MAIN:", err)
			os.Exit(2)
		}
		os.Args = append([]string{"intops"}, args...)
		main()
		os.Exit(0)
	}
	chtest.Main(m)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

type catalogDoc struct {
	Version      string `json:"version"`
	Integrations []struct {
		ID string `json:"id"`
	} `json:"integrations"`
}

func (d catalogDoc) has(id string) bool {
	for _, in := range d.Integrations {
		if in.ID == id {
			return true
		}
	}
	return false
}

// TestServerReloadsTheCatalog edits the catalog under a running server: a
// good edit shows within 5 s, a broken one keeps the last good catalog
// serving and shows its error, and each good load is snapshotted.
func TestServerReloadsTheCatalog(t *testing.T) {
	srv := chtest.Shared(t)
	dsn := srv.NewDatabase(t)
	dir := t.TempDir()
	for _, f := range []string{"base.yaml", "estate.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../catalog/testdata/lint/clean", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	port, _ := clickhouse.FreePort()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go serve(ctx, slog.New(slog.DiscardHandler), serverFlags{listen: fmt.Sprintf("127.0.0.1:%d", port), dsn: dsn, catalog: dir, spanDays: 14, rollupDays: 400}, ready)
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	var before catalogDoc
	getJSON(t, base+"/api/v1/catalog", &before)
	if !before.has("crm-to-erp") || before.has("erp-to-crm") {
		t.Fatalf("initial catalog: %+v", before)
	}

	edit := `
---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: erp-to-crm}
spec: {source: erp, targets: [crm], owner: ops}
`
	f, _ := os.OpenFile(filepath.Join(dir, "estate.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(edit)
	f.Close()
	start := time.Now()
	var after catalogDoc
	for time.Since(start) < 5*time.Second {
		getJSON(t, base+"/api/v1/catalog", &after)
		if after.has("erp-to-crm") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !after.has("erp-to-crm") {
		t.Fatal("the edit did not show within 5 s")
	}
	t.Logf("edit served after %v", time.Since(start).Round(10*time.Millisecond))

	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("apiVersion: intops.dev/v1alpha1\nkind: Integration\nmetadata: {name: x}\nspec:\n  tier: high\n"), 0o644)
	var status struct {
		Status string `json:"status"`
		Errors []struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	start = time.Now()
	for time.Since(start) < 5*time.Second && status.Status != "error" {
		getJSON(t, base+"/api/v1/catalog/status", &status)
		time.Sleep(100 * time.Millisecond)
	}
	if status.Status != "error" || len(status.Errors) != 1 || !strings.HasSuffix(status.Errors[0].File, "broken.yaml") || status.Errors[0].Line != 5 ||
		!strings.Contains(status.Errors[0].Message, "cannot unmarshal") {
		t.Fatalf("status after a broken edit: %+v", status)
	}
	var still catalogDoc
	getJSON(t, base+"/api/v1/catalog", &still)
	if !still.has("erp-to-crm") || still.Version != after.Version {
		t.Errorf("the last good catalog is not serving: %+v", still)
	}

	db, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snaps, err := db.CatalogSnapshots(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Integrations != 1 || snaps[1].Integrations != 2 || snaps[1].Version != after.Version {
		t.Errorf("snapshots: %+v", snaps)
	}
}
