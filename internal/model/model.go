// Package model holds the entities and sentinel errors shared by every part of
// Ruche. It has no behaviour and imports nothing from the rest of the project.
package model

import (
	"errors"
	"fmt"
)

// Sentinel errors. Services return them (wrapped with %w); the HTTP layer maps
// them to status codes in one place (internal/httpx).
var (
	ErrNotFound     = errors.New("not found")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid")
	ErrRateLimited  = errors.New("rate limited")
)

// InvalidError explains which input was wrong and why. It matches ErrInvalid
// with errors.Is, so callers can test for the class and show the message.
type InvalidError struct {
	Field  string // the input's name as the client sent it, e.g. "login"
	Reason string // a short English sentence, shown to API clients
	Key    string // message catalog key for the web UI; optional
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds an *InvalidError.
func Invalid(field, reason string) error { return &InvalidError{Field: field, Reason: reason} }

// RateLimitError says when the caller may try again.
type RateLimitError struct {
	RetryAfterSeconds int
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many attempts; try again in %d seconds", e.RetryAfterSeconds)
}

func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }
