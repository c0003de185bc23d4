package zalo

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealedStore keeps the OA's tokens encrypted in the store: a copy of the
// database (a backup, a dump handed to someone) does not hold a refresh
// token that would let its reader message every follower for three months.
// The key is derived from the app secret, which the configuration holds and
// the database does not (AES-256-GCM, HKDF-SHA256); each token is bound to
// its app and its role, so that a sealed access token cannot be passed off
// as a refresh token. A token stored before sealing (no prefix) is read as
// it is and sealed at the next refresh.
type sealedStore struct {
	TokenStore
	aead cipher.AEAD
}

// sealPrefix marks a sealed token; what follows is base64 (URL alphabet,
// no padding) of the nonce and the ciphertext.
const sealPrefix = "sealed1:"

// ErrUnsealable means a stored token cannot be opened with this app
// secret: the secret changed, or the row was altered.
var ErrUnsealable = errors.New("zalo: the stored tokens cannot be opened with this ZALO_APP_SECRET (it changed, or the row was altered); run `quizbot zalo connect` to connect the OA again")

// SealTokens returns store with its tokens sealed under a key derived from
// secret; an empty secret leaves store as it is.
func SealTokens(store TokenStore, secret string) (TokenStore, error) {
	if secret == "" || store == nil {
		return store, nil
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "quizbot zalo tokens v1", 32)
	if err != nil {
		return nil, fmt.Errorf("zalo token key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("zalo token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("zalo token key: %w", err)
	}
	return &sealedStore{TokenStore: store, aead: aead}, nil
}

func (s *sealedStore) ZaloTokens(ctx context.Context, appID string) (TokenPair, bool, error) {
	p, ok, err := s.TokenStore.ZaloTokens(ctx, appID)
	if err != nil || !ok {
		return p, ok, err
	}
	if p, err = s.open(appID, p); err != nil {
		return TokenPair{}, false, err
	}
	return p, true, nil
}

// UpdateZaloTokens gives fn the pair opened, and seals the pair fn returns.
// A stored pair that cannot be opened is given as none: connecting the OA
// again (`quizbot zalo connect`) replaces it.
func (s *sealedStore) UpdateZaloTokens(ctx context.Context, appID string, fn func(cur TokenPair, ok bool) (*TokenPair, error)) error {
	return s.TokenStore.UpdateZaloTokens(ctx, appID, func(cur TokenPair, ok bool) (*TokenPair, error) {
		if ok {
			var err error
			if cur, err = s.open(appID, cur); err != nil {
				cur, ok = TokenPair{}, false
			}
		}
		next, err := fn(cur, ok)
		if err != nil || next == nil {
			return next, err
		}
		sealed := *next
		if sealed.AccessToken, err = s.seal(appID, "access", next.AccessToken); err != nil {
			return nil, err
		}
		if sealed.RefreshToken, err = s.seal(appID, "refresh", next.RefreshToken); err != nil {
			return nil, err
		}
		return &sealed, nil
	})
}

func (s *sealedStore) open(appID string, p TokenPair) (TokenPair, error) {
	var err error
	if p.AccessToken, err = s.openOne(appID, "access", p.AccessToken); err != nil {
		return TokenPair{}, err
	}
	if p.RefreshToken, err = s.openOne(appID, "refresh", p.RefreshToken); err != nil {
		return TokenPair{}, err
	}
	return p, nil
}

func (s *sealedStore) seal(appID, role, token string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal zalo token: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(token), []byte(appID+"\x00"+role))
	return sealPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

func (s *sealedStore) openOne(appID, role, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealPrefix)
	if !ok {
		return stored, nil // stored before tokens were sealed
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", ErrUnsealable
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(appID+"\x00"+role))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}
