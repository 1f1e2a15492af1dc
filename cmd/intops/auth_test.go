package main

import (
	"strings"
	"testing"
)

func TestAuthConfig(t *testing.T) {
	a, err := authConfig("", "", "")
	if err != nil || a != nil {
		t.Fatalf("nothing configured: %v %v", a, err)
	}
	a, err = authConfig("10.0.0.5, 10.1.0.0/16", "sre=operator,icoe=icoe", "ci:operator:0123456789abcdefXYZ")
	if err != nil || len(a.TrustedProxies) != 2 || a.GroupRoles["sre"] != "operator" || len(a.Tokens) != 1 {
		t.Fatalf("%+v %v", a, err)
	}
	for _, c := range []struct{ proxies, groups, tokens, want string }{
		{"not-an-ip", "", "", `trusted proxy "not-an-ip"`},
		{"", "sre=boss", "", `group role "sre=boss"`},
		{"", "", "ci:operator:short", "INTOPS_API_TOKENS entry 1"},
		{"", "", "ci:root:0123456789abcdefXYZ", "INTOPS_API_TOKENS entry 1"},
	} {
		_, err := authConfig(c.proxies, c.groups, c.tokens)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "0123456789abcdef") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestWebDefense(t *testing.T) {
	secret, origins, err := webDefense("", "")
	if err != nil || secret != nil || origins != nil {
		t.Fatalf("nothing set: %q %v %v", secret, origins, err)
	}
	secret, origins, err = webDefense("0123456789abcdef0123456789abcdef", "https://intops.example.com/ui/")
	if err != nil || string(secret) != "0123456789abcdef0123456789abcdef" || len(origins) != 1 || origins[0] != "https://intops.example.com" {
		t.Fatalf("%q %v %v", secret, origins, err)
	}
	for _, c := range []struct{ secret, base, want string }{
		{"short-secret", "", "INTOPS_SESSION_SECRET: want 32 or more characters"},
		{"", "intops.example.com", `--base-url "intops.example.com"`},
	} {
		_, _, err := webDefense(c.secret, c.base)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "short-secret") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
