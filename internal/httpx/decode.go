package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"ruche/internal/model"
)

// MaxJSONBody is the default limit of a JSON request body.
const MaxJSONBody = 64 << 10

var (
	errTooLarge  = errors.New("request body too large")
	errMediaType = errors.New("unsupported media type")
)

func invalid(reason string, class error) error {
	inv := &model.InvalidError{Field: "body", Reason: reason, Key: "err.body"}
	if class == nil {
		return inv
	}
	return fmt.Errorf("%w (%w)", inv, class)
}

// DecodeJSON reads one JSON object into v: the body must be JSON, at most
// max bytes (MaxJSONBody when max is 0), with no unknown fields and nothing
// after the object. Every failure is a clear 4xx, never a 500.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	if max <= 0 {
		max = MaxJSONBody
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return invalid("Content-Type must be application/json", errMediaType)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, max)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err, max)
		}
		return invalid("body must hold a single JSON object", nil)
	}
	return nil
}

func jsonError(err error, max int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return invalid(fmt.Sprintf("body must be at most %d bytes", max), errTooLarge)
	case errors.As(err, &syn):
		return invalid(fmt.Sprintf("malformed JSON at byte %d", syn.Offset), nil)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return invalid("body must be a JSON object", nil)
		}
		return &model.InvalidError{Field: field, Reason: fmt.Sprintf("must be of type %s", typ.Type), Key: "err.body"}
	case errors.Is(err, io.EOF):
		return invalid("body is empty", nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("malformed JSON: unexpected end", nil)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &model.InvalidError{Field: name, Reason: "unknown field", Key: "err.body"}
	}
	return invalid("malformed JSON", nil)
}
