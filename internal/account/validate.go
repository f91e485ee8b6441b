package account

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"ruche/internal/model"
)

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// Login normalises and checks a login: 2 to 64 characters, lower-case ASCII
// letters, digits, '.', '_' and '-', starting with a letter or digit. Logins
// appear in mentions and URLs, so they stay plain.
func Login(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !loginRE.MatchString(s) {
		return "", &model.InvalidError{Field: "login", Key: "err.login",
			Reason: "login must have 2 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit"}
	}
	return s, nil
}

// Email normalises and checks an e-mail address; "" is allowed (optional).
func Email(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", &model.InvalidError{Field: "email", Reason: "e-mail address is not valid", Key: "err.email"}
	}
	return s, nil
}

// Text normalises free text to NFC, trims it and checks its length in
// characters; control characters are refused.
func Text(field, s string, min, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", &model.InvalidError{Field: field, Reason: "text is not valid UTF-8", Key: "err.text"}
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	n := utf8.RuneCountInString(s)
	if n < min || n > max {
		return "", &model.InvalidError{Field: field, Reason: fmt.Sprintf("must have %d to %d characters", min, max), Key: "err.length"}
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return "", &model.InvalidError{Field: field, Reason: "must not contain control characters", Key: "err.text"}
		}
	}
	return s, nil
}

// Locales are the UI languages; "" follows the browser.
var Locales = []string{"en", "fr"}

func locale(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, l := range Locales {
		if s == l {
			return s, nil
		}
	}
	return "", &model.InvalidError{Field: "locale", Reason: "locale must be en, fr or empty", Key: "err.locale"}
}

func timeZone(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) > 64 || strings.Contains(s, "..") || strings.HasPrefix(s, "/") {
		return "", &model.InvalidError{Field: "time_zone", Reason: "unknown time zone", Key: "err.time_zone"}
	}
	if _, err := time.LoadLocation(s); err != nil || s == "Local" {
		return "", &model.InvalidError{Field: "time_zone", Reason: "unknown time zone", Key: "err.time_zone"}
	}
	return s, nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

func color(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !colorRE.MatchString(s) {
		return "", &model.InvalidError{Field: "accent_color", Reason: "colour must look like #1a2b3c", Key: "err.color"}
	}
	return s, nil
}
