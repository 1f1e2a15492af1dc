package main

import (
	"fmt"
	"net/netip"
	"net/url"
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

// webDefense reads the session secret (INTOPS_SESSION_SECRET; "" means
// a random one per process) and the origin of --base-url, which counts as
// this server's for cross-site checks when a proxy rewrites Host.
func webDefense(secret, baseURL string) ([]byte, []string, error) {
	if secret != "" && len(secret) < 32 {
		// The secret itself is never echoed.
		return nil, nil, fmt.Errorf("INTOPS_SESSION_SECRET: want 32 or more characters (openssl rand -base64 32), got %d", len(secret))
	}
	var origins []string
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, fmt.Errorf("--base-url %q: want http(s)://host[:port]", baseURL)
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	if secret == "" {
		return nil, origins, nil
	}
	return []byte(secret), origins, nil
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
