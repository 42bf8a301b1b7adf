package veeam

import "net/http"

func httpStatusText(code int) string { return http.StatusText(code) }
