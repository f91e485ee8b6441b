package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"ruche/internal/access"
	"ruche/internal/auth"
)

// Cookie names. Over HTTPS the session cookie takes the __Host- prefix, which
// browsers only accept with Secure, Path=/ and no Domain: no subdomain can
// plant or overwrite it.
const (
	sessionCookie       = "ruche_session"
	secureSessionCookie = "__Host-ruche_session"
	csrfCookie          = "ruche_csrf"
	secureCSRFCookie    = "__Host-ruche_csrf"
	CSRFHeader          = "X-CSRF-Token"
	CSRFField           = "csrf"
)

// Network knows which proxies to believe about the client's address and scheme.
type Network struct {
	Trusted     []netip.Prefix
	ForceSecure bool // the public URL is https: always set Secure cookies
}

func (n Network) trusted(a netip.Addr) bool {
	for _, p := range n.Trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// ClientIP is the client's address: the peer's, or, when the peer is a
// trusted proxy, the right-most untrusted address of X-Forwarded-For.
func (n Network) ClientIP(r *http.Request) string {
	a := remoteAddr(r)
	if n.trusted(a) {
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			a = h.Unmap()
			if !n.trusted(a) {
				break
			}
		}
	}
	return a.String()
}

// IsHTTPS reports whether the client reached us over HTTPS.
func (n Network) IsHTTPS(r *http.Request) bool {
	if r.TLS != nil || n.ForceSecure {
		return true
	}
	return n.trusted(remoteAddr(r)) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Client is what auth wants to know of where a request comes from.
func (n Network) Client(r *http.Request) auth.Client {
	return auth.Client{IP: n.ClientIP(r), UserAgent: r.UserAgent()}
}

type ctxKey int

const (
	principalKey ctxKey = iota
	viaCookieKey
)

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the request's principal, if signed in.
func PrincipalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey).(auth.Principal)
	return p, ok
}

// Actor is the request's actor for internal/access (Anonymous if not signed in).
func Actor(r *http.Request) access.Actor {
	p, _ := PrincipalFrom(r.Context())
	return p.Actor()
}

func viaCookie(r *http.Request) bool { v, _ := r.Context().Value(viaCookieKey).(bool); return v }

// Authenticator resolves each request's principal.
type Authenticator struct {
	Auth *auth.Service
	Net  Network
	Log  *slog.Logger
}

// Middleware puts the principal in the request context. A bearer token that
// does not authenticate is refused at once (401); a stale session cookie is
// cleared and the request goes on anonymous.
func (a Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				WriteError(w, r, a.Log, errUnauthorized)
				return
			}
			p, err := a.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil {
				WriteError(w, r, a.Log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
			return
		}
		token := SessionToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		p, err := a.Auth.Authenticate(r.Context(), token)
		if err != nil {
			ClearSessionCookie(w, a.Net.IsHTTPS(r))
			next.ServeHTTP(w, r)
			return
		}
		ctx := context.WithValue(WithPrincipal(r.Context(), p), viaCookieKey, true)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// SessionToken returns the session cookie's value, "" if none.
func SessionToken(r *http.Request) string {
	for _, name := range []string{secureSessionCookie, sessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// SetSessionCookie gives the browser its session token: HttpOnly,
// SameSite=Lax, and Secure with the __Host- prefix over HTTPS. It lives as
// long as the session may; the server ends it earlier when idle.
func SetSessionCookie(w http.ResponseWriter, secure bool, token string, maxAge time.Duration) {
	name := sessionCookie
	if secure {
		name = secureSessionCookie
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	name := sessionCookie
	if secure {
		name = secureSessionCookie
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

var (
	errCSRF         = errors.New("missing or wrong CSRF token; reload the page and try again")
	errUnauthorized = auth.ErrUnauthenticated
)

// FormCSRFToken returns the token a page must put in its forms: the
// session's when signed in; otherwise a random value also set as a cookie
// (double submit), so that anonymous forms (login, setup, invitation) are
// protected too.
func FormCSRFToken(w http.ResponseWriter, r *http.Request, secure bool) string {
	if p, ok := PrincipalFrom(r.Context()); ok && p.CSRFToken != "" {
		return p.CSRFToken
	}
	for _, name := range []string{secureCSRFCookie, csrfCookie} {
		if c, err := r.Cookie(name); err == nil && len(c.Value) == 43 {
			return c.Value
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	name := csrfCookie
	if secure {
		name = secureCSRFCookie
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	return v
}

// CheckCSRF verifies a state-changing request. Requests authenticated by a
// bearer token carry no ambient credential and need no token. Signed-in
// browser requests must echo the session's CSRF token (header or form field).
// Anonymous requests must be JSON (which a cross-site form cannot send without
// a CORS preflight) or carry the double-submit token. Cross-origin requests
// are refused earlier by http.CrossOriginProtection (see Protect).
func CheckCSRF(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	p, signedIn := PrincipalFrom(r.Context())
	if signedIn && !viaCookie(r) {
		return nil // bearer token
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" && isForm(r) {
		got = r.PostFormValue(CSRFField)
	}
	if signedIn {
		if auth.CheckCSRF(p.CSRFToken, got) {
			return nil
		}
		return errCSRF
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		return nil
	}
	for _, name := range []string{secureCSRFCookie, csrfCookie} {
		if c, err := r.Cookie(name); err == nil && auth.CheckCSRF(c.Value, got) {
			return nil
		}
	}
	return errCSRF
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}
