package alertingtest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/alerting/alertingtest"
	"github.com/intops/intops/clickhouse/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// The memory store answers as ClickHouse does: the same writes, then the
// same reads from both.
func TestConformsToClickHouse(t *testing.T) {
	db := chtest.Shared(t).Open(t)
	ctx := context.Background()
	mem := &alertingtest.Store{}
	stores := map[string]interface {
		alerting.Store
		AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
	}{"clickhouse": db, "memory": mem}
	at := time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.UTC)
	evs := []intops.AlertEvent{
		{At: at, Key: "slo/b", Source: "slo", Integration: "x", Severity: "page", State: "firing", Summary: "b", Evidence: "{}"},
		{At: at, Key: "slo/a", Source: "slo", Integration: "x", Severity: "page", State: "firing", Summary: "a", Evidence: "{}"},
		{At: at.Add(time.Second), Key: "anomaly/y/executions/low", Source: "anomaly", Integration: "y", Severity: "warning", State: "firing", Summary: "y", Evidence: `{"k":1}`},
		{At: at.Add(2 * time.Second), Key: "slo/a", Source: "slo", Integration: "x", State: "resolved", Summary: "a ok", Evidence: "{}"},
	}
	log := []intops.LogEntry{
		{At: at, Seq: 1, Term: 1, Stream: "incident", Key: "inc-1", Body: `{"kind":"opened"}`},
		{At: at, Seq: 2, Term: 1, Stream: "outbox", Key: "n2", Body: "{}"},
		{At: at.Add(time.Second), Seq: 3, Term: 2, Stream: "incident", Key: "inc-1", Body: `{"kind":"alert"}`},
		{At: at.Add(time.Second), Seq: 3, Term: 1, Stream: "incident", Key: "inc-1", Body: `{"kind":"stale"}`},
		{At: at.Add(2 * time.Second), Seq: 4, Term: 2, Stream: "incident", Key: "inc-2", Body: `{"kind":"opened"}`},
	}
	for _, s := range stores {
		if err := s.AppendAlertEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendLog(ctx, log); err != nil {
			t.Fatal(err)
		}
	}
	type answers struct {
		After0, After1, Limited []intops.AlertEvent
		Incidents, FromSeq2     []intops.LogEntry
		ByKey, Since            []intops.LogEntry
		Terms                   map[uint64]uint64
		Max                     uint64
	}
	got := map[string]answers{}
	for name, s := range stores {
		var a answers
		var err error
		must := func(e error) {
			if e != nil && err == nil {
				err = e
			}
		}
		var e error
		a.After0, e = s.AlertEventsAfter(ctx, 0, 100)
		must(e)
		a.After1, e = s.AlertEventsAfter(ctx, uint64(at.UnixNano()), 100)
		must(e)
		a.Limited, e = s.AlertEventsAfter(ctx, 0, 2)
		must(e)
		a.Incidents, e = s.ReadLog(ctx, "incident", 0)
		must(e)
		a.FromSeq2, e = s.ReadLog(ctx, "incident", 2)
		must(e)
		a.ByKey, e = s.QueryLog(ctx, intops.LogFilter{Stream: "incident", Key: "inc-2"})
		must(e)
		a.Since, e = s.QueryLog(ctx, intops.LogFilter{Stream: "incident", Since: at.Add(time.Second)})
		must(e)
		a.Terms, e = s.LogTerms(ctx)
		must(e)
		a.Max, e = s.MaxLogSeq(ctx)
		must(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got[name] = a
	}
	if !reflect.DeepEqual(got["clickhouse"], got["memory"]) {
		t.Errorf("the stores disagree:\nclickhouse %+v\nmemory     %+v", got["clickhouse"], got["memory"])
	}
	if len(got["memory"].After0) != 4 || got["memory"].After0[0].Key != "slo/a" || len(got["memory"].Since) != 3 {
		t.Errorf("answers %+v", got["memory"])
	}
}
