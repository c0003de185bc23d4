package zalo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"quizbot/bot/zalo"
)

// memStore is a TokenStore in memory, for the sealing alone.
type memStore struct {
	p  zalo.TokenPair
	ok bool
}

func (m *memStore) ZaloTokens(context.Context, string) (zalo.TokenPair, bool, error) {
	return m.p, m.ok, nil
}

func (m *memStore) UpdateZaloTokens(_ context.Context, _ string, fn func(zalo.TokenPair, bool) (*zalo.TokenPair, error)) error {
	next, err := fn(m.p, m.ok)
	if err != nil || next == nil {
		return err
	}
	m.p, m.ok = *next, true
	return nil
}

func TestSealedTokens(t *testing.T) {
	ctx := context.Background()
	exp := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	mem := &memStore{}
	sealed, err := zalo.SealTokens(mem, "app secret")
	if err != nil {
		t.Fatal(err)
	}
	pair := zalo.TokenPair{AccessToken: "access-1", RefreshToken: "refresh-1", ExpiresAt: exp}
	if err := sealed.UpdateZaloTokens(ctx, "app", func(zalo.TokenPair, bool) (*zalo.TokenPair, error) { return &pair, nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mem.p.AccessToken+mem.p.RefreshToken, "access-1") || strings.Contains(mem.p.AccessToken+mem.p.RefreshToken, "refresh-1") ||
		!mem.p.ExpiresAt.Equal(exp) {
		t.Fatalf("stored %+v: want the tokens sealed, the expiry as it is", mem.p)
	}
	if got, ok, err := sealed.ZaloTokens(ctx, "app"); err != nil || !ok || got != pair {
		t.Fatalf("opened %+v %v %v, want %+v", got, ok, err, pair)
	}
	// The refresh sees the pair opened.
	if err := sealed.UpdateZaloTokens(ctx, "app", func(cur zalo.TokenPair, ok bool) (*zalo.TokenPair, error) {
		if !ok || cur != pair {
			t.Errorf("update saw %+v %v", cur, ok)
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}

	// Another secret, another app, or the two tokens swapped: unopenable.
	other, _ := zalo.SealTokens(mem, "another secret")
	if _, _, err := other.ZaloTokens(ctx, "app"); !errors.Is(err, zalo.ErrUnsealable) {
		t.Errorf("with another secret: %v", err)
	}
	if _, _, err := sealed.ZaloTokens(ctx, "another app"); !errors.Is(err, zalo.ErrUnsealable) {
		t.Errorf("for another app: %v", err)
	}
	kept := mem.p
	mem.p.AccessToken, mem.p.RefreshToken = kept.RefreshToken, kept.AccessToken
	if _, _, err := sealed.ZaloTokens(ctx, "app"); !errors.Is(err, zalo.ErrUnsealable) {
		t.Errorf("tokens swapped: %v", err)
	}
	mem.p.AccessToken, mem.p.RefreshToken = kept.AccessToken, kept.RefreshToken[:len(kept.RefreshToken)-2]+"AA"
	if _, _, err := sealed.ZaloTokens(ctx, "app"); !errors.Is(err, zalo.ErrUnsealable) {
		t.Errorf("altered: %v", err)
	}
	// Connecting again replaces a pair that cannot be opened: the update
	// gets none.
	if err := other.UpdateZaloTokens(ctx, "app", func(cur zalo.TokenPair, ok bool) (*zalo.TokenPair, error) {
		if ok {
			t.Errorf("an unopenable pair given as %+v", cur)
		}
		return &pair, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := other.ZaloTokens(ctx, "app"); err != nil || got != pair {
		t.Errorf("after connecting again: %+v %v", got, err)
	}

	// A pair stored before tokens were sealed is read as it is.
	legacy := &memStore{p: pair, ok: true}
	s2, _ := zalo.SealTokens(legacy, "app secret")
	if got, ok, err := s2.ZaloTokens(ctx, "app"); err != nil || !ok || got != pair {
		t.Errorf("a pair in the clear: %+v %v %v", got, ok, err)
	}
}
