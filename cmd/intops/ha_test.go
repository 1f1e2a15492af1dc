package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intops/intops/alerting/slack/slacktest"
	"github.com/intops/intops/clickhouse"
	"github.com/intops/intops/clickhouse/chtest"
)

// haEstate: one team and twelve flows whose alerts page it.
func haEstate() string {
	var b strings.Builder
	b.WriteString(`apiVersion: intops.dev/v1alpha1
kind: Team
metadata: {name: orders}
spec: {slackChannel: "#order-alerts", onCall: "@orders-oncall"}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: shop}
---
apiVersion: intops.dev/v1alpha1
kind: System
metadata: {name: erp}
`)
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, `---
apiVersion: intops.dev/v1alpha1
kind: Integration
metadata: {name: flow-%02d}
spec: {source: shop, targets: [erp], owner: orders, mechanism: event, tier: 2}
`, i)
	}
	return b.String()
}

// replica is an `intops server` child process.
type replica struct {
	name string
	base string
	cmd  *exec.Cmd
	done chan struct{}
}

func startReplica(t *testing.T, name, dsn, catalogDir, slackURL string) *replica {
	t.Helper()
	port, err := clickhouse.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal([]string{"server", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--clickhouse", dsn,
		"--catalog", catalogDir, "--alert-interval", "300ms", "--alert-group-wait", "1s", "--lease-ttl", "6s",
		"--slo-interval", "1h", "--anomaly-interval", "1h"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INTOPS_TEST_MAIN="+string(args), "INTOPS_SLACK_TOKEN="+slacktest.Token,
		"INTOPS_SLACK_API_URL="+slackURL, "INTOPS_SLACK_SIGNING_SECRET=ha-test-secret")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if l := sc.Text(); strings.Contains(l, "lease") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
				t.Logf("%s: %s", name, l)
			}
		}
		_ = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
	})
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := http.Get(r.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case <-r.done:
			t.Fatalf("%s exited before serving", name)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not serve within a minute", name)
		}
	}
}

// leading reads the replica's intops_analyzer_leader gauge.
func (r *replica) leading() bool {
	resp, err := http.Get(r.base + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "intops_analyzer_leader 1" {
			return true
		}
	}
	return false
}

// waitFor polls cond every 100ms until it holds or the time is up.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, within)
	return 0
}

// sent returns the notification ids of the fake Slack's messages in a
// channel, each as many times as it was posted, and the flows with a
// root message.
func sent(fake *slacktest.Server, channel string) (ids map[string]int, roots map[string]bool) {
	ids, roots = map[string]int{}, map[string]bool{}
	for _, m := range fake.Messages(channel) {
		var md struct {
			Payload struct {
				Notification string `json:"notification_id"`
			} `json:"event_payload"`
		}
		if json.Unmarshal(m.Metadata, &md) == nil && md.Payload.Notification != "" {
			ids[md.Payload.Notification]++
		}
		if m.ThreadTS == "" {
			for i := 1; i <= 12; i++ {
				if f := fmt.Sprintf("flow-%02d", i); strings.Contains(m.Text, f) {
					roots[f] = true
				}
			}
		}
	}
	return ids, roots
}

// TestLeaderHandOver: two server replicas share one ClickHouse; exactly
// one sends to Slack. An acknowledgement made on the follower is carried
// out by the leader. The leader is killed (SIGKILL) while alerts keep
// coming: the follower takes over within a minute, and every alert is
// posted once: none lost, none twice.
func TestLeaderHandOver(t *testing.T) {
	srv := chtest.Shared(t)
	dsn := srv.NewDatabase(t)
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "estate.yaml"), []byte(haEstate()), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := slacktest.New(t)
	const channel = "C0ORDER001" // #order-alerts
	a := startReplica(t, "replica-a", dsn, dir, fake.URL)
	b := startReplica(t, "replica-b", dsn, dir, fake.URL)
	waitFor(t, 30*time.Second, "a leader", func() bool { return a.leading() != b.leading() })
	leader, follower := a, b
	if b.leading() {
		leader, follower = b, a
	}
	t.Logf("%s leads, %s follows", leader.name, follower.name)

	fire := func(i int) {
		t.Helper()
		flow := fmt.Sprintf("flow-%02d", i)
		err := db.AppendAlertEvents(ctx, []clickhouse.AlertEvent{{At: time.Now(), Key: "anomaly/" + flow + "/executions/drop", Source: "anomaly",
			Integration: flow, Severity: "warning", State: "firing", Summary: flow + ": executions dropped by 90%", Evidence: "{}"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 4; i++ {
		fire(i)
	}
	waitFor(t, 30*time.Second, "the first four posts", func() bool { _, roots := sent(fake, channel); return len(roots) == 4 })

	// An acknowledgement on the follower is handed to the leader, which
	// answers it in the incident's thread.
	var doc struct {
		Incidents []struct{ ID, Integration, State string }
	}
	getJSON(t, follower.base+"/api/v1/alerts", &doc)
	var first string
	for _, in := range doc.Incidents {
		if in.Integration == "flow-01" {
			first = in.ID
		}
	}
	if first == "" {
		t.Fatalf("the follower does not show flow-01's incident: %+v", doc.Incidents)
	}
	resp, err := http.Post(follower.base+"/api/v1/alerts/"+first+"/ack", "application/json", strings.NewReader(`{"actor":"ana"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ack on the follower: %d", resp.StatusCode)
	}
	getJSON(t, follower.base+"/api/v1/alerts", &doc)
	for _, in := range doc.Incidents {
		if in.ID == first && in.State != "acknowledged" {
			t.Errorf("after the ack the follower shows %s as %s", first, in.State)
		}
	}
	waitFor(t, 15*time.Second, "the leader's acknowledgement reply", func() bool {
		for _, m := range fake.Messages(channel) {
			if m.ThreadTS != "" && strings.Contains(m.Text, "Acknowledged by ana") {
				return true
			}
		}
		return false
	})

	// Alerts keep coming; the leader dies in the middle of them.
	var killed time.Time
	for i := 5; i <= 12; i++ {
		fire(i)
		if i == 7 {
			time.Sleep(400 * time.Millisecond) // a tick of the leader's
			if err := leader.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-leader.done
			killed = time.Now()
			t.Logf("%s killed", leader.name)
		}
		time.Sleep(250 * time.Millisecond)
	}
	waitFor(t, time.Minute, "the hand-over", follower.leading)
	t.Logf("%s leads %v after the kill", follower.name, time.Since(killed).Round(100*time.Millisecond))
	waitFor(t, time.Minute, "all twelve posts", func() bool { _, roots := sent(fake, channel); return len(roots) == 12 })
	time.Sleep(2 * time.Second) // anything sent twice would be by now
	ids, roots := sent(fake, channel)
	if len(roots) != 12 {
		t.Errorf("root posts for %d flows, want 12: %v", len(roots), roots)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("notification %s posted %d times", id, n)
		}
	}
	if handover := time.Since(killed); handover > time.Minute {
		t.Errorf("hand-over and delivery took %v", handover)
	}
}
