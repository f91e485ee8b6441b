package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"ruche/internal/account"
	"ruche/internal/httpx"
)

// FuzzDecoders feeds arbitrary bodies to the decoder of every request type
// the API accepts: it must never panic, and every failure must be a client
// error (4xx) with a message, never a 500.
func FuzzDecoders(f *testing.F) {
	for _, seed := range []string{
		`{"login":"a","password":"b"}`, `{}`, `[]`, `null`, ``, `{"login":1}`, `{"x":1}`, `{"a":"b"}{}`,
		`{"name":"` + strings.Repeat("é", 100) + `"}`, `{"role":"admin","expires_in_hours":-1}`, "{\"login\":\"\xff\"}",
		`{"display_name":null,"theme":"dark"}`, `{"token":"t","login":"x","password":"12345678","role":""}`,
		`{"login":"a"` + strings.Repeat(" ", 70000) + `}`,
	} {
		f.Add(seed)
	}
	targets := []func() any{
		func() any { return &loginRequest{} },
		func() any { return &tokenRequest{} },
		func() any { return &passwordRequest{} },
		func() any { return &account.ProfileUpdate{} },
		func() any { return &account.NewUser{} },
		func() any { return &userUpdate{} },
		func() any { return &resetRequest{} },
		func() any { return &account.GroupSpec{} },
		func() any { return &invitationRequest{} },
		func() any { return &acceptRequest{} },
		func() any { return &account.BrandingUpdate{} },
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			err := httpx.DecodeJSON(w, r, target(), 0)
			if err == nil {
				continue
			}
			p := httpx.ProblemOf(err)
			if p.Status < 400 || p.Status > 499 || p.Message == "" {
				t.Fatalf("body %q into %T: status %d message %q (err %v)", body, target(), p.Status, p.Message, err)
			}
		}
	})
}
