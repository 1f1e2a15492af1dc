package alerting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// LoadRoutes reads per-team routing overrides: a JSON object by team,
// e.g. {"order-platform": {"channel": "#orders", "page_channel":
// "#orders-pages", "escalation_channel": "#orders-esc", "escalate_after": "30m"}}.
func LoadRoutes(path string) (map[string]TeamRoute, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]struct {
		Channel           string `json:"channel"`
		PageChannel       string `json:"page_channel"`
		EscalationChannel string `json:"escalation_channel"`
		EscalateAfter     string `json:"escalate_after"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %v (want {\"team\": {\"channel\", \"page_channel\", \"escalation_channel\", \"escalate_after\"}})", path, err)
	}
	out := map[string]TeamRoute{}
	for team, r := range raw {
		tr := TeamRoute{Channel: r.Channel, PageChannel: r.PageChannel, EscalationChannel: r.EscalationChannel}
		if r.EscalateAfter != "" {
			d, err := time.ParseDuration(r.EscalateAfter)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s: team %q: escalate_after %q: want a duration such as 30m", path, team, r.EscalateAfter)
			}
			tr.EscalateAfter = d
		}
		out[team] = tr
	}
	return out, nil
}
