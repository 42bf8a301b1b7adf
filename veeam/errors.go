package veeam

import "errors"

// IsStatus reports whether err is (or wraps) an *APIError with the given
// HTTP status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}
