package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// CatalogSnapshot is one stored catalog load.
type CatalogSnapshot struct {
	TakenAt                            time.Time
	Version                            string
	Teams, Systems, Integrations, SLOs uint32
	LintErrors, LintWarnings           uint32
	Model                              string // JSON
}

// LatestCatalogVersion is the version of the newest snapshot ("" if none).
func (db *DB) LatestCatalogVersion(ctx context.Context) (string, error) {
	var v string
	var n uint64
	err := db.conn.QueryRow(ctx, `SELECT argMax(version, taken_at), count() FROM `+db.database+`.catalog_snapshots`).Scan(&v, &n)
	if err != nil {
		return "", fmt.Errorf("latest catalog snapshot: %w", err)
	}
	if n == 0 {
		return "", nil
	}
	return v, nil
}

// InsertCatalogSnapshot stores a snapshot.
func (db *DB) InsertCatalogSnapshot(ctx context.Context, s CatalogSnapshot) error {
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+db.database+`.catalog_snapshots
		(date, taken_at, version, teams, systems, integrations, slos, lint_errors, lint_warnings, model)`)
	if err != nil {
		return fmt.Errorf("prepare catalog snapshot: %w", err)
	}
	defer batch.Abort()
	t := s.TakenAt.UTC()
	if err := batch.Append(t, t, s.Version, s.Teams, s.Systems, s.Integrations, s.SLOs, s.LintErrors, s.LintWarnings, s.Model); err != nil {
		return fmt.Errorf("append catalog snapshot: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert catalog snapshot: %w", err)
	}
	return nil
}

// CatalogSnapshots lists snapshots taken in [from, to), oldest first,
// without their models.
func (db *DB) CatalogSnapshots(ctx context.Context, from, to time.Time) ([]CatalogSnapshot, error) {
	rows, err := db.conn.Query(ctx, `SELECT taken_at, version, teams, systems, integrations, slos, lint_errors, lint_warnings
		FROM `+db.database+`.catalog_snapshots WHERE taken_at >= ? AND taken_at < ? ORDER BY taken_at`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query catalog snapshots: %w", err)
	}
	defer rows.Close()
	var out []CatalogSnapshot
	for rows.Next() {
		var s CatalogSnapshot
		if err := rows.Scan(&s.TakenAt, &s.Version, &s.Teams, &s.Systems, &s.Integrations, &s.SLOs, &s.LintErrors, &s.LintWarnings); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
