package web

import (
	"context"
	"net/http"
	"strings"
)

// Principal is who makes a request.
type Principal struct {
	Name string
	Role string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the request's authenticated
// principal.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalIn returns the principal that authentication put in the
// request's context, or false when auth is not configured.
func PrincipalIn(r *http.Request) (Principal, bool) {
	p, ok := r.Context().Value(principalKey{}).(Principal)
	return p, ok
}

// Actor is who acts: the signed-in user or token when auth is configured,
// else body, what the request names (default "api").
func Actor(r *http.Request, body string) string {
	if p, ok := PrincipalIn(r); ok {
		return p.Name
	}
	if body = strings.TrimSpace(body); body != "" {
		return body
	}
	return "api"
}
