package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"quizbot/bot/zalo"
	"quizbot/storage/storagetest"
)

// TestZaloTokens: a pair is stored per app; a failed update leaves nothing,
// not even the empty row taken to lock a first pair.
func TestZaloTokens(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	boom := errors.New("refused")
	err := db.UpdateZaloTokens(ctx, "1", func(cur zalo.TokenPair, ok bool) (*zalo.TokenPair, error) {
		if ok {
			t.Errorf("a pair before any: %+v", cur)
		}
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var rows int
	if err := db.GetContext(ctx, &rows, `SELECT count(*) FROM zalo_tokens`); err != nil || rows != 0 {
		t.Fatalf("%d rows after a failed update (%v)", rows, err)
	}
	exp := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	want := zalo.TokenPair{AccessToken: "a1", RefreshToken: "r1", ExpiresAt: exp}
	if err := db.UpdateZaloTokens(ctx, "1", func(zalo.TokenPair, bool) (*zalo.TokenPair, error) { return &want, nil }); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.ZaloTokens(ctx, "1")
	if err != nil || !ok || got.AccessToken != "a1" || got.RefreshToken != "r1" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("got %+v %v %v", got, ok, err)
	}
	if _, ok, err := db.ZaloTokens(ctx, "2"); ok || err != nil {
		t.Fatalf("another app: %v %v", ok, err)
	}
	// fn sees the stored pair; returning nil keeps it.
	err = db.UpdateZaloTokens(ctx, "1", func(cur zalo.TokenPair, ok bool) (*zalo.TokenPair, error) {
		if !ok || cur.RefreshToken != "r1" {
			t.Errorf("cur %+v %v", cur, ok)
		}
		return nil, nil
	})
	if got, _, _ := db.ZaloTokens(ctx, "1"); err != nil || got.AccessToken != "a1" {
		t.Fatalf("kept: %+v %v", got, err)
	}
}
