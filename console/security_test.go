package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// Every console response, signed in or not, page, fragment, error or
// asset, carries the headers: a policy allowing only the console's own
// assets and framing by nobody, no sniffing, no caching, no Referer to
// other sites (the sign-in page carries the token in its address).
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := f.signIn("org")
	anon := f.newClient()
	link := f.link("head")
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{anon, strings.TrimPrefix(link, f.srv.URL)},
		{anon, "/console/login?token=forged"},
		{anon, "/console/"},
		{anon, "/console/static/live.js"},
		{org, "/console/"},
		{org, "/console/live"},
		{org, "/console/units/SNV"},
		{org, "/console/units/NOPE"},
		{org, "/console/data"},
		{org, "/console/audit"},
	} {
		res, err := tc.c.c.Get(f.srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code", tc.path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Cache-Control": "no-store", "Referrer-Policy": "same-origin"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", tc.path, k, h.Get(k), v)
			}
		}
	}
	// The sign-in button's answer too (the cookie is set there).
	res, err := http.DefaultTransport.RoundTrip(loginRequest(t, f, link))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("sign-in answer headers: %v", res.Header)
	}
}
