package store

import (
	"context"
	"fmt"

	"github.com/newswatch/newswatch/internal/model"
)

// alertsInSQL reads the alerts whose IDs are in a JSON array, by primary
// key, whatever their status.
const alertsInSQL = `SELECT ` + alertColumns + ` FROM json_each(?1) AS j
	CROSS JOIN alerts AS a ON a.id = j.value
	LEFT JOIN alerts AS p ON p.id = a.parent_id
	ORDER BY a.id`

// alertsInPG is alertsInSQL on PostgreSQL.
const alertsInPG = `SELECT ` + alertColumns + alertsFrom + `
	WHERE a.id = ANY(?1) ORDER BY a.id`

// AlertsIn returns the alerts ids, oldest first, whatever their status; an
// ID with no alert is left out. A dispatcher with a long queue keeps only
// the head of it whole and reads the rest again through AlertsIn when its
// turn comes.
func (s *Store) AlertsIn(ctx context.Context, ids []int64) ([]*model.Alert, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.idList(ids)
	if err != nil {
		return nil, fmt.Errorf("store: alerts in: %w", err)
	}
	alerts, err := s.queryAlerts(ctx, sqlFor(s.engine, alertsInSQL, alertsInPG), list)
	if err != nil {
		return nil, fmt.Errorf("store: alerts in: %w", err)
	}
	return alerts, nil
}
