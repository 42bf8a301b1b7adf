package vbrsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/sim/simapi"
)

// refreshTTL is the documented refresh-token lifetime.
const refreshTTL = 14 * 24 * time.Hour

// tokenStore holds issued tokens in memory only: after a restart clients
// log in again, as they would after a real service restart.
type tokenStore struct {
	access  map[string]*accessToken
	refresh map[string]*refreshToken
}

type accessToken struct {
	user    string
	expires time.Time
	refresh string // the refresh token issued with it
}

type refreshToken struct {
	user    string
	expires time.Time
	used    bool
}

// randomToken returns an opaque bearer token shaped like a JWT.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	return head + "." + base64.RawURLEncoding.EncodeToString(b[:16]) + "." + base64.RawURLEncoding.EncodeToString(b[16:])
}

// accessJWT returns an access token shaped like the vendor's: a JWT whose
// payload decodes to the user, issue and expiry times (seconds) and a
// random token id. The signature is random: only the simulator checks the
// token, by lookup.
func accessJWT(user string, iat, exp time.Time) string {
	var id, sig [16]byte
	_, _ = rand.Read(id[:])
	_, _ = rand.Read(sig[:])
	payload, _ := json.Marshal(map[string]any{
		"unique_name": user, "role": user, "nbf": iat.Unix(), "iat": iat.Unix(), "exp": exp.Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(id[:]), "iss": "vplay-sim", "aud": "vbr-rest-api",
	})
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	return head + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(sig[:])
}

// token serves POST /api/oauth2/token: the password and refresh_token
// grants, form-encoded. The grant type is matched case-insensitively (rev2
// spells the enum Password/Refresh_token while its examples send
// lowercase).
func (a *API) token(c *call) *reply {
	mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return badRequest("The token request must be sent as application/x-www-form-urlencoded.")
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		return badRequest("The token request body is not a valid form.")
	}
	short := false
	if v := form.Get("use_short_term_refresh"); v != "" {
		if short, err = strconv.ParseBool(v); err != nil {
			return badRequest("use_short_term_refresh must be a boolean.")
		}
	}
	switch strings.ToLower(form.Get("grant_type")) {
	case "password":
		user := form.Get("username")
		if i := strings.LastIndexAny(user, `\/`); i >= 0 { // ".\admin", "DOMAIN\admin"
			user = user[i+1:]
		}
		if !contains(simapi.Users, user) || form.Get("password") != a.env.Password {
			// (inferred) the vendor documents 401 with an Error body.
			return vbrError(http.StatusUnauthorized, "AccessDenied", "Invalid user name or password.", "")
		}
		return a.issue(c, user, short)
	case "refresh_token":
		rt, ok := a.tokens.refresh[form.Get("refresh_token")]
		if !ok || rt.used || !c.now.Before(rt.expires) {
			// Refresh tokens are single-use (API reference 1.2).
			return vbrError(http.StatusUnauthorized, "InvalidToken", "The refresh token is invalid, expired or has already been used.", "")
		}
		rt.used = true
		return a.issue(c, rt.user, short)
	case "":
		return badRequest("The grant_type parameter is required.")
	default:
		return badRequest("The grant type " + strconv.Quote(form.Get("grant_type")) + " is not supported.")
	}
}

// issue creates an access and refresh token pair (TokenModel).
func (a *API) issue(c *call, user string, shortRefresh bool) *reply {
	a.tokens.prune(c.now)
	exp := c.now.Add(a.env.TokenTTL)
	access, refresh := accessJWT(user, c.now, exp), randomToken()
	rexp := c.now.Add(refreshTTL)
	if shortRefresh {
		rexp = exp.Add(15 * time.Minute)
	}
	a.tokens.access[access] = &accessToken{user: user, expires: exp, refresh: refresh}
	a.tokens.refresh[refresh] = &refreshToken{user: user, expires: rexp}
	return a.jsonReply(c, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "bearer",
		"refresh_token": refresh,
		"expires_in":    int(a.env.TokenTTL / time.Second),
		".issued":       c.now.UTC().Format(time.RFC3339),
		".expires":      exp.UTC().Format(time.RFC3339),
		"username":      user,
	})
}

// prune drops expired and used tokens once the store grows.
func (t *tokenStore) prune(now time.Time) {
	if len(t.access)+len(t.refresh) < 4096 {
		return
	}
	for k, v := range t.access {
		if !now.Before(v.expires) {
			delete(t.access, k)
		}
	}
	for k, v := range t.refresh {
		if v.used || !now.Before(v.expires) {
			delete(t.refresh, k)
		}
	}
}

// authenticate checks the bearer token: 401 bodies per API reference 1.2
// (AccessDenied without a token; ExpiredToken and InvalidToken inferred for
// expired and unknown tokens).
func (a *API) authenticate(r *http.Request, now time.Time) (string, *reply) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "bearer ")
	}
	if !ok || tok == "" {
		return "", vbrError(http.StatusUnauthorized, "AccessDenied", "Unauthorized. Get bearer JWT token at /api/login", "")
	}
	at, ok := a.tokens.access[strings.TrimSpace(tok)]
	if !ok {
		return "", vbrError(http.StatusUnauthorized, "InvalidToken", "The access token is invalid.", "")
	}
	if !now.Before(at.expires) {
		return "", vbrError(http.StatusUnauthorized, "ExpiredToken", "The access token has expired.", "")
	}
	return at.user, nil
}

// logout serves POST /api/oauth2/logout: both tokens of the pair become
// invalid.
func (a *API) logout(c *call) *reply {
	h := c.r.Header.Get("Authorization")
	tok := strings.TrimSpace(h[len("Bearer "):])
	if at, ok := a.tokens.access[tok]; ok {
		delete(a.tokens.refresh, at.refresh)
		delete(a.tokens.access, tok)
	}
	return a.jsonReply(c, http.StatusOK, map[string]any{})
}
