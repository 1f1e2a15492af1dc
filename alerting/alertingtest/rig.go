package alertingtest

import (
	"context"
	"testing"
	"time"

	"github.com/intops/intops"
	"github.com/intops/intops/alerting"
	"github.com/intops/intops/catalog"
)

// RigStore is a store alerting runs on that also takes alert events (the
// ClickHouse store and Store both are).
type RigStore interface {
	alerting.Store
	AppendAlertEvents(ctx context.Context, evs []intops.AlertEvent) error
}

// Rig runs alerting managers over one store, one after another, as intops
// restarted, each with a new receiver: the setting of the receivers'
// outage tests. The one integration it fires for is shop-to-erp-orders
// (catalogtest.Orders).
type Rig struct {
	T           testing.TB
	Store       RigStore
	Catalog     *catalog.Catalog
	Now         time.Time // the managers' clock; Fire moves it on
	NewReceiver func() alerting.Receiver
}

// Start is a new manager, as intops starting, with a new receiver.
func (g *Rig) Start() (*alerting.Manager, alerting.Receiver) {
	r := g.NewReceiver()
	return &alerting.Manager{Store: g.Store, Catalog: func() *catalog.Catalog { return g.Catalog }, Now: func() time.Time { return g.Now },
		Receivers: []alerting.Receiver{r}}, r
}

// Fire records the SLO alert slo/orders-booked in a state and severity,
// a second after the last one.
func (g *Rig) Fire(state, severity string) {
	g.T.Helper()
	g.Now = g.Now.Add(time.Second)
	if err := g.Store.AppendAlertEvents(context.Background(), []intops.AlertEvent{{At: g.Now, Key: "slo/orders-booked", Source: "slo",
		Integration: "shop-to-erp-orders", Severity: intops.Severity(severity), State: intops.AlertState(state),
		Summary: "orders booked: burning the budget 14.4x", Evidence: "{}"}}); err != nil {
		g.T.Fatal(err)
	}
}

// Tick folds what happened into m's incidents.
func (g *Rig) Tick(m *alerting.Manager) {
	g.T.Helper()
	if err := m.Tick(context.Background()); err != nil {
		g.T.Fatal(err)
	}
}

// Drain sends m's pending events to r until none is left, within a time.
func Drain(m *alerting.Manager, r alerting.Receiver, within time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		sent, err := m.PageOnce(ctx, r)
		if err != nil || !sent {
			return err
		}
	}
}

// OpenThroughOutage opens an incident of the given severity while the
// receiver's API is down (setDown), restarts intops while it is still
// down, then brings it back and delivers: the trigger must wait through
// both and go once. It returns the running manager, its receiver and the
// incident.
func (g *Rig) OpenThroughOutage(severity string, setDown func(bool)) (*alerting.Manager, alerting.Receiver, string) {
	g.T.Helper()
	setDown(true)
	m, r := g.Start()
	g.Fire("firing", severity)
	g.Tick(m)
	if m.PendingPages() != 1 {
		g.T.Fatalf("%d events pending, want the trigger", m.PendingPages())
	}
	if err := Drain(m, r, 2500*time.Millisecond); err == nil {
		g.T.Fatal("the receiver's API is down, yet the trigger went")
	}
	m, r = g.Start()
	g.Tick(m)
	if m.PendingPages() != 1 {
		g.T.Fatalf("after the restart %d events pending, want the trigger", m.PendingPages())
	}
	setDown(false)
	if err := Drain(m, r, 30*time.Second); err != nil {
		g.T.Fatal(err)
	}
	open, _, err := m.Incidents(context.Background(), g.Now.Add(-time.Hour))
	if err != nil || len(open) != 1 {
		g.T.Fatalf("incidents %+v %v", open, err)
	}
	return m, r, open[0].ID
}

// ResolveThroughRestarts acknowledges the incident as @ana, resolves its
// alert and delivers both, then restarts intops once more, which must
// send nothing again.
func (g *Rig) ResolveThroughRestarts(m *alerting.Manager, r alerting.Receiver, incident string) {
	g.T.Helper()
	if err := m.Acknowledge(context.Background(), incident, "@ana"); err != nil {
		g.T.Fatal(err)
	}
	g.Fire("resolved", "")
	g.Tick(m)
	if err := Drain(m, r, 30*time.Second); err != nil {
		g.T.Fatal(err)
	}
	m, r = g.Start()
	g.Tick(m)
	if err := Drain(m, r, 5*time.Second); err != nil {
		g.T.Fatal(err)
	}
}
