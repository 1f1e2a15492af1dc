package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/intops/intops/ui"
)

// authConfig reads who may use the server: trusted proxy addresses and
// group roles (flags or env), and API tokens (env INTOPS_API_TOKENS only,
// so that they stay out of process listings): "name:role:token,…".
// Nothing set: no authentication (everyone is admin; bind to 127.0.0.1).
func authConfig(proxies, groupRoles, tokens string) (*ui.AuthConfig, error) {
	a := &ui.AuthConfig{Tokens: map[string]ui.Principal{}, GroupRoles: map[string]string{}}
	for _, p := range splitList(proxies) {
		if !strings.Contains(p, "/") {
			ip, err := netip.ParseAddr(p)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an IP address or CIDR", p)
			}
			p = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an IP address or CIDR", p)
		}
		a.TrustedProxies = append(a.TrustedProxies, pr)
	}
	for _, g := range splitList(groupRoles) {
		group, role, ok := strings.Cut(g, "=")
		if !ok || group == "" || !ui.ValidRole(role) {
			return nil, fmt.Errorf("group role %q: want group=viewer|operator|icoe|admin", g)
		}
		a.GroupRoles[group] = role
	}
	for i, t := range splitList(tokens) {
		parts := strings.SplitN(t, ":", 3)
		if len(parts) != 3 || parts[0] == "" || !ui.ValidRole(parts[1]) || len(parts[2]) < 16 {
			// The token itself is never echoed.
			return nil, fmt.Errorf("INTOPS_API_TOKENS entry %d: want name:role:token with a role of viewer, operator, icoe or admin and a token of 16 or more characters", i+1)
		}
		a.Tokens[ui.TokenHash(parts[2])] = ui.Principal{Name: parts[0], Role: parts[1]}
	}
	if !a.Enabled() {
		return nil, nil
	}
	return a, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
