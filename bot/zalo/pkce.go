package zalo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// PKCE is one first connection's secrets: the verifier stays here, its S256
// challenge goes in the permission URL, and state comes back with the code.
type PKCE struct {
	Verifier  string
	Challenge string
	State     string
}

// NewPKCE makes a verifier of 32 random bytes, base64url without padding,
// and its challenge base64url(sha256(verifier)): as PKCEUtil does in both
// SDKs (zalo-java-sdk utils/PKCEUtil.java, zalo-php-sdk Util/PKCEUtil.php).
func NewPKCE() (PKCE, error) {
	var v, s [32]byte
	if _, err := rand.Read(v[:]); err != nil {
		return PKCE{}, fmt.Errorf("zalo pkce: %w", err)
	}
	if _, err := rand.Read(s[:]); err != nil {
		return PKCE{}, fmt.Errorf("zalo pkce: %w", err)
	}
	verifier := base64.RawURLEncoding.EncodeToString(v[:])
	return PKCE{Verifier: verifier, Challenge: Challenge(verifier), State: base64.RawURLEncoding.EncodeToString(s[:16])}, nil
}

// Challenge is the S256 code challenge of verifier.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// PermissionURL is the page where an OA admin grants the app access to the
// OA: {OAuthURL}/v4/oa/permission?app_id&redirect_uri&code_challenge&state
// (zalo-php-sdk OAuth2Client::getAuthorizationUrlByOA). Zalo then sends the
// browser to redirectURI with ?code=…&oa_id=…&state=….
func (c *Client) PermissionURL(redirectURI string, p PKCE) string {
	q := url.Values{
		"app_id":         {c.cfg.AppID},
		"redirect_uri":   {redirectURI},
		"code_challenge": {p.Challenge},
		"state":          {p.State},
	}
	return c.cfg.OAuthURL + "/v4/oa/permission?" + q.Encode()
}

// ErrBadRedirect means what the admin pasted holds no usable code.
var ErrBadRedirect = errors.New("zalo: no authorization code in what was pasted")

// ParseRedirect takes what the admin pasted after granting access: the code
// alone, or the whole address Zalo sent the browser to. When that address
// carries a state, it must be p's (it proves the code answers this URL).
func ParseRedirect(pasted string, p PKCE) (code string, err error) {
	s := strings.TrimSpace(pasted)
	if s == "" {
		return "", ErrBadRedirect
	}
	if !strings.Contains(s, "code=") {
		if strings.ContainsAny(s, " \t") || strings.Contains(s, "://") {
			return "", ErrBadRedirect
		}
		return s, nil
	}
	raw := s
	if i := strings.IndexByte(s, '?'); i >= 0 {
		raw = s[i+1:]
	}
	q, err := url.ParseQuery(raw)
	if err != nil || q.Get("code") == "" {
		return "", ErrBadRedirect
	}
	if st := q.Get("state"); st != "" && subtle.ConstantTimeCompare([]byte(st), []byte(p.State)) != 1 {
		return "", fmt.Errorf("zalo: the pasted address's state does not match this connection's: use the address that the URL printed above led to")
	}
	return q.Get("code"), nil
}

// Connect exchanges an authorization code for the OA's first pair (form
// body code, app_id, grant_type=authorization_code, code_verifier, as
// zalo-php-sdk OAuth2Client::getZaloTokenFromCode) and stores it, replacing
// whatever pair was stored.
func (c *Client) Connect(ctx context.Context, code string, p PKCE) (TokenPair, error) {
	var got TokenPair
	err := c.store.UpdateZaloTokens(ctx, c.cfg.AppID, func(TokenPair, bool) (*TokenPair, error) {
		np, err := c.grant(ctx, "authorization_code", url.Values{
			"code":          {code},
			"app_id":        {c.cfg.AppID},
			"grant_type":    {"authorization_code"},
			"code_verifier": {p.Verifier},
		})
		if err != nil {
			return nil, err
		}
		got = np
		return &np, nil
	})
	if err != nil {
		return TokenPair{}, err
	}
	c.setCurrent(got)
	c.setStatus(nil)
	return got, nil
}
