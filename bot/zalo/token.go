package zalo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenPair is the OA's OAuth pair. The access token lasts about 25 hours;
// the refresh token about three months and works once: every refresh
// returns a new pair, which must be stored before anything else uses it.
// (Zalo's OA docs, as quoted by integrators; the PHP SDK's ZaloToken keeps
// the same three fields.)
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time // when the access token stops working
}

// TokenStore keeps the pair of each Zalo app, shared by every replica
// (storage implements it in PostgreSQL).
type TokenStore interface {
	// ZaloTokens returns the stored pair; ok is false when none is stored.
	ZaloTokens(ctx context.Context, appID string) (p TokenPair, ok bool, err error)
	// UpdateZaloTokens runs fn under a lock every replica shares, with the
	// pair as stored at that moment (read after taking the lock). When fn
	// returns a pair, it is stored before the lock is released; when fn
	// fails, nothing changes and its error is returned.
	UpdateZaloTokens(ctx context.Context, appID string, fn func(cur TokenPair, ok bool) (*TokenPair, error)) error
}

// RefreshAhead is how long before the access token expires it is replaced,
// so that a send never starts with a token about to lapse.
const RefreshAhead = time.Hour

// defaultTokenLife is used when Zalo's answer has no usable expires_in:
// "90000" seconds, 25 hours, is what it documents.
const defaultTokenLife = 25 * time.Hour

// refreshTimeout bounds a refresh, lock wait included. A refresh, once
// begun, is not cut short by its caller's context: the refresh token is
// spent when Zalo answers, so the new pair must reach the store.
const refreshTimeout = 30 * time.Second

// ErrTokenRevoked is what a *TokenError is: Zalo refused the OA's refresh
// token or authorization code.
var ErrTokenRevoked = errors.New("zalo token refused")

// ErrNotConnected means no pair is stored and ZALO_REFRESH_TOKEN is unset.
var ErrNotConnected = errors.New("zalo: the OA is not connected: no token pair is stored and ZALO_REFRESH_TOKEN is not set; run `quizbot zalo connect`")

// TokenError means Zalo refused a refresh token (expired after about three
// months, already used, or the app's access removed from the OA) or an
// authorization code. Nothing can be sent until an OA admin connects again
// with `quizbot zalo connect`. Its text names no token and is fit for logs
// and /readyz.
type TokenError struct {
	Grant       string // "refresh_token" or "authorization_code"
	HTTPStatus  int
	Code        int    // Zalo's error, when a number
	Name        string // error_name, or error when it is a word
	Description string
}

func (e *TokenError) Error() string {
	what := "refresh token"
	if e.Grant == "authorization_code" {
		what = "authorization code"
	}
	var detail []string
	if e.Code != 0 {
		detail = append(detail, strconv.Itoa(e.Code))
	}
	for _, s := range []string{e.Name, e.Description} {
		if s != "" {
			detail = append(detail, s)
		}
	}
	if len(detail) == 0 {
		detail = append(detail, fmt.Sprintf("HTTP %d, no token in the answer", e.HTTPStatus))
	}
	return fmt.Sprintf("zalo: Zalo refused the OA's %s (%s): connect the OA again with `quizbot zalo connect`", what, strings.Join(detail, " "))
}

func (e *TokenError) Unwrap() error { return ErrTokenRevoked }

// TokenStatus is the last token problem (a *TokenError, ErrNotConnected, a
// store or network error), or nil when the last refresh worked or none was
// needed: for /readyz's detail.
func (c *Client) TokenStatus() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Client) setStatus(err error) {
	c.mu.Lock()
	c.status = err
	c.mu.Unlock()
}

func (c *Client) setCurrent(p TokenPair) {
	c.mu.Lock()
	c.cur, c.have = p, true
	c.mu.Unlock()
}

// fresh reports whether p's access token can be used without refreshing.
func (c *Client) fresh(p TokenPair) bool {
	return p.AccessToken != "" && c.clock.Now().Before(p.ExpiresAt.Add(-RefreshAhead))
}

// AccessToken returns an access token to call Zalo with, refreshing the pair
// when it has less than RefreshAhead left.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	cur, have := c.cur, c.have
	c.mu.Unlock()
	if have && c.fresh(cur) {
		return cur.AccessToken, nil
	}
	// Another replica may have refreshed already: read before spending.
	p, ok, err := c.store.ZaloTokens(ctx, c.cfg.AppID)
	if err != nil {
		return "", fmt.Errorf("zalo: read the stored tokens: %w", err)
	}
	if ok && c.fresh(p) {
		c.setCurrent(p)
		return p.AccessToken, nil
	}
	np, err := c.refresh(ctx, p.AccessToken)
	if err != nil {
		// An access token that has not lapsed yet still works: use it
		// while the refresh is failing, and say so.
		if ok && p.AccessToken != "" && c.clock.Now().Before(p.ExpiresAt) {
			c.log.Warn("zalo: token refresh failed, using the current access token until it expires",
				"expires_at", p.ExpiresAt, "err", err)
			c.setCurrent(p)
			return p.AccessToken, nil
		}
		return "", err
	}
	return np.AccessToken, nil
}

// refresh replaces the access token stale ("" when none is stored) with a
// new pair, under the lock every replica shares, and returns the pair to
// use. Under the lock the stored pair is read again: when another process
// has already replaced stale, its pair is used and no refresh token is
// spent; so two processes never spend the same one.
func (c *Client) refresh(ctx context.Context, stale string) (TokenPair, error) {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	var got TokenPair
	err := c.store.UpdateZaloTokens(ctx, c.cfg.AppID, func(cur TokenPair, ok bool) (*TokenPair, error) {
		var rt string
		switch {
		case ok && cur.AccessToken != stale && c.fresh(cur):
			got = cur // refreshed by someone else meanwhile
			return nil, nil
		case ok:
			rt = cur.RefreshToken
		case c.cfg.RefreshToken != "":
			rt = c.cfg.RefreshToken // the seed, used only while nothing is stored
		default:
			return nil, ErrNotConnected
		}
		c.mu.Lock()
		dead, deadErr := c.dead, c.deadErr
		c.mu.Unlock()
		if rt == dead {
			return nil, deadErr
		}
		p, err := c.grant(ctx, "refresh_token", url.Values{
			"refresh_token": {rt},
			"app_id":        {c.cfg.AppID},
			"grant_type":    {"refresh_token"},
		})
		if c.tokens != nil {
			c.tokens.TokenRefreshed(err == nil)
		}
		if err != nil {
			if errors.Is(err, ErrTokenRevoked) {
				c.mu.Lock()
				c.dead, c.deadErr = rt, err
				c.mu.Unlock()
				c.log.Error("zalo: cannot send until the OA is connected again", "err", err)
			}
			return nil, err
		}
		got = p
		return &p, nil
	})
	if err != nil {
		c.setStatus(err)
		return TokenPair{}, err
	}
	c.setCurrent(got)
	c.setStatus(nil)
	if got.AccessToken != stale {
		c.log.Info("zalo: access token refreshed", "expires_at", got.ExpiresAt)
	}
	return got, nil
}

// maxTokenAnswer bounds the OAuth answer read into memory.
const maxTokenAnswer = 64 << 10

// grant asks Zalo's OAuth v4 for a pair: POST {OAuthURL}/v4/oa/access_token,
// form body, header secret_key = the app secret (confirmed in zalo-php-sdk
// OAuth2Client::sendRequest and zalo-java-sdk GetAccessTokenByRefreshToken).
// The answer is {"access_token","refresh_token","expires_in"} with
// expires_in a string ("90000") or a number; an error comes as JSON with
// error (a number or a word), error_name, error_description, or message.
func (c *Client) grant(ctx context.Context, grant string, form url.Values) (TokenPair, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.OAuthURL+"/v4/oa/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return TokenPair{}, fmt.Errorf("zalo access_token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", c.cfg.AppSecret)
	resp, err := c.hc.Do(req)
	if err != nil {
		return TokenPair{}, fmt.Errorf("zalo access_token: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return TokenPair{}, fmt.Errorf("zalo access_token: read the answer: %w", err)
	}
	var r struct {
		AccessToken      string          `json:"access_token"`
		RefreshToken     string          `json:"refresh_token"`
		ExpiresIn        json.RawMessage `json:"expires_in"`
		Error            json.RawMessage `json:"error"`
		ErrorName        string          `json:"error_name"`
		ErrorDescription string          `json:"error_description"`
		Message          string          `json:"message"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		// Not Zalo answering (a proxy's error page, an outage): the token
		// was not refused, try again later.
		return TokenPair{}, fmt.Errorf("zalo access_token: HTTP %d, not a JSON answer", resp.StatusCode)
	}
	code, word := flexCode(r.Error)
	if resp.StatusCode >= 500 {
		return TokenPair{}, fmt.Errorf("zalo access_token: HTTP %d", resp.StatusCode)
	}
	if code != 0 || word != "" || r.AccessToken == "" || r.RefreshToken == "" {
		te := &TokenError{Grant: grant, HTTPStatus: resp.StatusCode, Code: code,
			Name: cmp.Or(r.ErrorName, word), Description: cmp.Or(r.ErrorDescription, r.Message)}
		// Zalo does not echo tokens, but an error's text must never hold one.
		secrets := []string{c.cfg.AppSecret}
		for _, k := range []string{"refresh_token", "code", "code_verifier"} {
			secrets = append(secrets, form[k]...)
		}
		for _, secret := range secrets {
			if secret != "" {
				te.Name = strings.ReplaceAll(te.Name, secret, "…")
				te.Description = strings.ReplaceAll(te.Description, secret, "…")
			}
		}
		return TokenPair{}, te
	}
	life := defaultTokenLife
	if n, ok := flexSeconds(r.ExpiresIn); ok {
		life = time.Duration(n) * time.Second
	}
	return TokenPair{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, ExpiresAt: c.clock.Now().Add(life)}, nil
}

// flexCode reads an error field that is a number (-14014), a numeric
// string, or a word ("invalid_grant").
func flexCode(raw json.RawMessage) (code int, word string) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, ""
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return int(i), ""
		}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return i, ""
		}
		return 0, s
	}
	return 0, string(raw)
}

// flexSeconds reads expires_in, a number or a numeric string of seconds.
func flexSeconds(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > 10*365*24*3600 {
		return 0, false
	}
	return n, true
}

// TokenObserver is told of every refresh token spent, for the service's
// metrics: ok when Zalo issued a new pair. It must be quick and safe for
// concurrent use.
type TokenObserver interface {
	TokenRefreshed(ok bool)
}

// ObserveTokens tells o of every refresh from now on; nil, the default,
// tells nobody. Call it before the client is used.
func (c *Client) ObserveTokens(o TokenObserver) { c.tokens = o }
