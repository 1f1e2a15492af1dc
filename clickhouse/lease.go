package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/intops/intops/internal/lease"
)

// LeaseClaim is one row of a lease (lease.Claim).
type LeaseClaim = lease.Claim

// ClaimLease appends a claim (or a renewal) of a lease's term, valid for
// ttl from the server's clock, so that every replica judges expiry by the
// same clock.
func (db *DB) ClaimLease(ctx context.Context, name string, term uint64, holder, url string, ttl time.Duration) error {
	secs := max(int64(ttl/time.Second), 0) // 0: the term ends now
	err := db.conn.Exec(ctx, `INSERT INTO `+db.database+`.leases (date, name, term, holder, url, at, expires)
		SELECT today(), ?, ?, ?, ?, now(), now() + ?`, name, term, holder, url, secs)
	if err != nil {
		return fmt.Errorf("claim lease %s term %d: %w", name, term, err)
	}
	return nil
}

// LeaseClaims returns the server's clock and the claims of a lease's
// highest term, oldest first (none when the lease was never claimed).
func (db *DB) LeaseClaims(ctx context.Context, name string) (time.Time, []LeaseClaim, error) {
	var now time.Time
	if err := db.conn.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return time.Time{}, nil, fmt.Errorf("read lease %s: %w", name, err)
	}
	rows, err := db.conn.Query(ctx, `SELECT term, holder, url, at, expires FROM `+db.database+`.leases
		WHERE name = ? AND term = (SELECT max(term) FROM `+db.database+`.leases WHERE name = ?)
		ORDER BY at, holder`, name, name)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("read lease %s: %w", name, err)
	}
	defer rows.Close()
	var out []LeaseClaim
	for rows.Next() {
		var c LeaseClaim
		if err := rows.Scan(&c.Term, &c.Holder, &c.URL, &c.At, &c.Expires); err != nil {
			return time.Time{}, nil, fmt.Errorf("scan lease %s: %w", name, err)
		}
		c.At, c.Expires = c.At.UTC(), c.Expires.UTC()
		out = append(out, c)
	}
	return now.UTC(), out, rows.Err()
}
