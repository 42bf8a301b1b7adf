package veeam

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// OAuth2 keeps the bearer token of one target (VBR /api/oauth2/token, VSPC
// /api/v3/token): one password-grant login shared by every concurrent call,
// a proactive refresh_token grant shortly before expiry, and a fresh login
// after a 401. Token calls are serialised, so a single-use refresh token is
// never spent twice.
type OAuth2 struct {
	t        *Transport
	path     string
	username string
	password string
	header   http.Header
	sem      chan struct{}

	mu       sync.Mutex
	access   string
	refresh  string
	expires  time.Time
	lifetime time.Duration
}

// NewOAuth2 returns the token keeper for the token endpoint path; header
// is added to every token call (VBR x-api-version).
func NewOAuth2(t *Transport, path, username, password string, header http.Header) *OAuth2 {
	return &OAuth2{t: t, path: path, username: username, password: password, header: header, sem: make(chan struct{}, 1)}
}

// Current returns the access token held now, possibly expired; "" before
// the first login and after Forget.
func (o *OAuth2) Current() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.access
}

// Forget drops the tokens (after logout).
func (o *OAuth2) Forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.access, o.refresh, o.expires = "", "", time.Time{}
}

// fresh returns the access token if it is not due for refresh.
func (o *OAuth2) fresh() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.access == "" {
		return ""
	}
	// Refresh a fifth of the lifetime (at most a minute) before expiry.
	skew := min(o.lifetime/5, time.Minute)
	if o.t.clock.Now().Add(skew).Before(o.expires) {
		return o.access
	}
	return ""
}

func (o *OAuth2) lock(ctx context.Context) error {
	select {
	case o.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (o *OAuth2) unlock() { <-o.sem }

// Token returns a valid access token, logging in or refreshing first when
// needed. Concurrent callers share one login.
func (o *OAuth2) Token(ctx context.Context) (string, error) {
	if tok := o.fresh(); tok != "" {
		return tok, nil
	}
	if err := o.lock(ctx); err != nil {
		return "", err
	}
	defer o.unlock()
	if tok := o.fresh(); tok != "" {
		return tok, nil // another caller refreshed while we waited
	}
	o.mu.Lock()
	refresh := o.refresh
	o.mu.Unlock()
	if refresh != "" {
		// A failed refresh (revoked, expired or already used) falls back
		// to a password login.
		if tok, err := o.grant(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); err == nil {
			return tok, nil
		}
	}
	return o.login(ctx)
}

// Reauth is called after the server rejected the token rejected with 401.
// Unless another caller already replaced it, it logs in again with the
// password grant. It returns the token to retry with.
func (o *OAuth2) Reauth(ctx context.Context, rejected string) (string, error) {
	if err := o.lock(ctx); err != nil {
		return "", err
	}
	defer o.unlock()
	o.mu.Lock()
	cur := o.access
	o.mu.Unlock()
	if cur != "" && cur != rejected {
		return cur, nil
	}
	return o.login(ctx)
}

func (o *OAuth2) login(ctx context.Context) (string, error) {
	tok, err := o.grant(ctx, url.Values{"grant_type": {"password"}, "username": {o.username}, "password": {o.password}})
	if err != nil {
		return "", fmt.Errorf("log in as %q: %w", o.username, err)
	}
	return tok, nil
}

// grant posts one token request (safe to repeat) and stores the answer.
func (o *OAuth2) grant(ctx context.Context, form url.Values) (string, error) {
	sent := o.t.clock.Now()
	resp, err := o.t.Send(ctx, &Request{
		Method:      http.MethodPost,
		Path:        o.path,
		Header:      o.header.Clone(),
		Body:        []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded",
		Safe:        true,
	})
	if err != nil {
		return "", err
	}
	d, err := DecodeDoc(resp.Body)
	if err != nil {
		return "", err
	}
	access := String(d, "access_token")
	if access == "" {
		return "", fmt.Errorf("%s POST %s: token response has no access_token", o.t.api, o.path)
	}
	life := time.Hour
	if n, ok := Int(d, "expires_in"); ok && n > 0 {
		life = time.Duration(n) * time.Second
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.access = access
	o.refresh = String(d, "refresh_token")
	o.lifetime = life
	o.expires = sent.Add(life)
	return access, nil
}

// Send performs req with the bearer token. A 401 answer means the server
// did nothing, so after one fresh login the same request is sent once more,
// whatever its method.
func (o *OAuth2) Send(ctx context.Context, req *Request) (*Response, error) {
	tok, err := o.Token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := o.t.Send(ctx, withBearer(req, tok))
	if !IsStatus(err, http.StatusUnauthorized) {
		return resp, err
	}
	tok, rerr := o.Reauth(ctx, tok)
	if rerr != nil {
		return nil, fmt.Errorf("after 401 on %s %s: %w", req.Method, req.Path, rerr)
	}
	return o.t.Send(ctx, withBearer(req, tok))
}

func withBearer(req *Request, tok string) *Request {
	r := *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	return &r
}
