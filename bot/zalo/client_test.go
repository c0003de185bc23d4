package zalo_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
	"quizbot/internal/testlog"
	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	fake  *zalotest.Fake
	db    *storage.DB
	clock *quiz.FakeClock
	logs  *testlog.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{fake: zalotest.New(t), db: storagetest.NewDB(t), clock: quiz.NewFakeClock(t0), logs: &testlog.Buffer{}}
}

func (e *env) client(seed string) *zalo.Client {
	return zalo.New(zalo.Config{
		AppID: zalotest.AppID, AppSecret: zalotest.AppSecret, RefreshToken: seed,
		APIURL: e.fake.URL(), OAuthURL: e.fake.URL(), TemplateURL: e.fake.URL(),
		Clock: e.clock, Log: slog.New(slog.NewTextHandler(e.logs, nil)),
	}, e.db)
}

// store puts a pair the fake issued in the database, expiring at exp.
func (e *env) store(t *testing.T, exp time.Time) zalo.TokenPair {
	t.Helper()
	a, r := e.fake.IssuePair()
	p := zalo.TokenPair{AccessToken: a, RefreshToken: r, ExpiresAt: exp}
	err := e.db.UpdateZaloTokens(context.Background(), zalotest.AppID, func(zalo.TokenPair, bool) (*zalo.TokenPair, error) { return &p, nil })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stored returns the pair in the database, opened with the app secret as
// the client opens it (a pair put there by e.store is in the clear, as
// before tokens were sealed, and read as it is).
func (e *env) stored(t *testing.T) zalo.TokenPair {
	t.Helper()
	sealed, err := zalo.SealTokens(e.db, zalotest.AppSecret)
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := sealed.ZaloTokens(context.Background(), zalotest.AppID)
	if err != nil || !ok {
		t.Fatalf("stored pair: %v %v", ok, err)
	}
	return p
}

// storedSealed is stored for a pair the client wrote: the row must not hold
// either token in the clear.
func (e *env) storedSealed(t *testing.T) zalo.TokenPair {
	t.Helper()
	p := e.stored(t)
	raw, _, err := e.db.ZaloTokens(context.Background(), zalotest.AppID)
	if err != nil || strings.Contains(raw.AccessToken+raw.RefreshToken, p.AccessToken) ||
		strings.Contains(raw.AccessToken+raw.RefreshToken, p.RefreshToken) {
		t.Fatalf("the pair is stored in the clear: %+v, %v", raw, err)
	}
	return p
}

func TestSendRefreshesOnInvalidTokenAndRetries(t *testing.T) {
	t.Parallel()
	for _, code := range []int{-216, -220} {
		e := newEnv(t)
		old := e.store(t, t0.Add(20*time.Hour))
		c := e.client("")
		e.fake.FailNext(code)
		id, err := c.Send(context.Background(), "u1", zalo.Message{Text: "Câu 1/10"})
		if err != nil || id == "" {
			t.Fatalf("%d: send: %q %v", code, id, err)
		}
		if n := e.fake.Refreshes(); n != 1 {
			t.Fatalf("%d: %d refreshes, want 1", code, n)
		}
		now := e.storedSealed(t)
		if now.AccessToken == old.AccessToken || now.RefreshToken == old.RefreshToken || !e.fake.Valid(now.AccessToken) {
			t.Fatalf("%d: the new pair was not stored: %+v", code, now)
		}
		if !now.ExpiresAt.Equal(t0.Add(25 * time.Hour)) {
			t.Fatalf("%d: expires at %v, want 25 h from now (expires_in \"90000\")", code, now.ExpiresAt)
		}
		if s := e.fake.Sent(); len(s) != 1 || s[0].Text != "Câu 1/10" || s[0].UserID != "u1" {
			t.Fatalf("%d: sent %+v", code, s)
		}
	}
}

func TestSendRefreshesWhenTheTokenWasVoided(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.store(t, t0.Add(20*time.Hour))
	e.fake.ExpireAccess(old.AccessToken)
	if _, err := e.client("").Send(context.Background(), "u1", zalo.Message{Text: "Xin chào"}); err != nil {
		t.Fatal(err)
	}
	if e.fake.Refreshes() != 1 || len(e.fake.Sent()) != 1 {
		t.Fatalf("refreshes %d, sent %d", e.fake.Refreshes(), len(e.fake.Sent()))
	}
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.ExpiresInNumber = true
	old := e.store(t, t0.Add(2*time.Hour))
	c := e.client("")
	ctx := context.Background()
	if _, err := c.Send(ctx, "u1", zalo.Message{Text: "một"}); err != nil {
		t.Fatal(err)
	}
	if e.fake.Refreshes() != 0 {
		t.Fatal("refreshed with 2 h left")
	}
	e.clock.Advance(61 * time.Minute) // 59 minutes left
	if _, err := c.Send(ctx, "u1", zalo.Message{Text: "hai"}); err != nil {
		t.Fatal(err)
	}
	if e.fake.Refreshes() != 1 {
		t.Fatalf("%d refreshes with less than an hour left, want 1", e.fake.Refreshes())
	}
	now := e.stored(t)
	if now.AccessToken == old.AccessToken || !now.ExpiresAt.Equal(e.clock.Now().Add(25*time.Hour)) {
		t.Fatalf("stored %+v", now)
	}
	// The old access token still worked; the new one is what was used.
	e.fake.ExpireAccess(old.AccessToken)
	if _, err := c.Send(ctx, "u1", zalo.Message{Text: "ba"}); err != nil || e.fake.Refreshes() != 1 {
		t.Fatalf("third send: %v, %d refreshes", err, e.fake.Refreshes())
	}
	if c.TokenStatus() != nil {
		t.Fatalf("status %v", c.TokenStatus())
	}
	if logs := e.logs.String(); !strings.Contains(logs, "access token refreshed") || strings.Contains(logs, now.AccessToken) || strings.Contains(logs, now.RefreshToken) {
		t.Fatalf("logs: %s", logs)
	}
}

// TestTwoReplicasRefreshOnce: two clients on one database, as two replicas,
// both find the stored pair expired at once. The first to take the row's
// lock spends the refresh token; Zalo's answer is held until the second is
// waiting on the lock (or has reached Zalo itself, which a missing lock
// would allow). The second then reads the new pair instead of spending the
// old refresh token again.
func TestTwoReplicasRefreshOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store(t, t0.Add(-time.Minute))
	a, b := e.client(""), e.client("")
	release := e.fake.HoldRefreshes()
	defer release()
	ctx := context.Background()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, c := range []*zalo.Client{a, b} {
		wg.Go(func() { _, errs[i] = c.Send(ctx, "u1", zalo.Message{Text: "Nhắc nhở"}) })
	}
	<-e.fake.Arrived()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-e.fake.Arrived():
			goto released // the second reached Zalo too: no lock held it
		default:
		}
		var waiting int
		if err := e.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second replica neither waited on the lock nor reached Zalo")
		}
		time.Sleep(2 * time.Millisecond) // polling PostgreSQL's view, not a synchronization by time
	}
released:
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if n := e.fake.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes, want exactly 1", n)
	}
	stored := e.storedSealed(t)
	ta, _ := a.AccessToken(ctx)
	tb, _ := b.AccessToken(ctx)
	if ta != stored.AccessToken || tb != stored.AccessToken {
		t.Fatalf("replicas use %q and %q, stored %q", ta, tb, stored.AccessToken)
	}
	if len(e.fake.Sent()) != 2 {
		t.Fatalf("sent %d, want 2", len(e.fake.Sent()))
	}
}

func TestRevokedRefreshTokenIsReportedClearly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.store(t, t0.Add(-time.Minute))
	e.fake.RevokeAll()
	c := e.client("")
	_, err := c.Send(context.Background(), "u1", zalo.Message{Text: "Nhắc nhở"})
	var te *zalo.TokenError
	if !errors.Is(err, zalo.ErrTokenRevoked) || !errors.As(err, &te) || te.Code != zalotest.ErrInvalidRefreshToken {
		t.Fatalf("err = %v, want a *zalo.TokenError", err)
	}
	for _, want := range []string{"refused the OA's refresh token", "Invalid refresh token", "quizbot zalo connect"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	for _, secret := range []string{old.AccessToken, old.RefreshToken, zalotest.AppSecret} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("a secret in %q", err)
		}
	}
	if errors.Is(err, outbound.ErrUnreachable) || errors.Is(err, outbound.ErrRejected) {
		t.Fatalf("a token problem is not the recipient's: %v", err)
	}
	if !strings.Contains(e.logs.String(), "Invalid refresh token") {
		t.Errorf("the refusal is not logged: %s", e.logs)
	}
	for _, secret := range []string{old.AccessToken, old.RefreshToken, zalotest.AppSecret} {
		if strings.Contains(e.logs.String(), secret) {
			t.Fatalf("a secret in the logs: %s", e.logs)
		}
	}
	if !errors.Is(c.TokenStatus(), zalo.ErrTokenRevoked) {
		t.Fatalf("TokenStatus = %v", c.TokenStatus())
	}
	if s := e.stored(t); len(e.fake.Sent()) != 0 || s.AccessToken != old.AccessToken || s.RefreshToken != old.RefreshToken {
		t.Fatal("something was sent or stored")
	}
	// The refused token is not offered to Zalo on every send.
	<-e.fake.Arrived()
	if _, err := c.Send(context.Background(), "u2", zalo.Message{Text: "Nhắc nhở"}); !errors.Is(err, zalo.ErrTokenRevoked) {
		t.Fatalf("second send: %v", err)
	}
	select {
	case <-e.fake.Arrived():
		t.Fatal("the refused refresh token was sent to Zalo again")
	default:
	}
}

func TestNotConnected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client("")
	if _, err := c.Send(context.Background(), "u1", zalo.Message{Text: "x"}); !errors.Is(err, zalo.ErrNotConnected) {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(c.TokenStatus(), zalo.ErrNotConnected) {
		t.Fatalf("status %v", c.TokenStatus())
	}
	if _, ok, _ := e.db.ZaloTokens(context.Background(), zalotest.AppID); ok {
		t.Fatal("a pair is stored")
	}
}

// TestSeedIsUsedOnce: ZALO_REFRESH_TOKEN seeds the store when it is empty,
// and is never offered again once a pair is stored.
func TestSeedIsUsedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, seed := e.fake.IssuePair()
	ctx := context.Background()
	if _, err := e.client(seed).Send(ctx, "u1", zalo.Message{Text: "một"}); err != nil {
		t.Fatal(err)
	}
	first := e.stored(t)
	if first.RefreshToken == seed || e.fake.Refreshes() != 1 {
		t.Fatalf("stored %+v after %d refreshes", first, e.fake.Refreshes())
	}
	// A restart with the seed still set, the pair now near expiry: the
	// stored refresh token is spent, not the seed (which Zalo would refuse).
	e.clock.Advance(24*time.Hour + 30*time.Minute)
	if _, err := e.client(seed).Send(ctx, "u1", zalo.Message{Text: "hai"}); err != nil {
		t.Fatal(err)
	}
	if e.fake.Refreshes() != 2 || e.stored(t).RefreshToken == first.RefreshToken {
		t.Fatalf("%d refreshes, stored %+v", e.fake.Refreshes(), e.stored(t))
	}
}

func TestSendShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store(t, t0.Add(20*time.Hour))
	c := e.client("")
	ctx := context.Background()
	btns := []zalo.Button{{Title: "A", Payload: "/tl 1 A"}, {Title: "B", Payload: "/tl 1 B"}}
	if _, err := c.Send(ctx, "u1", zalo.Message{Text: "Câu 1/10\nA. Một\nB. Hai", Buttons: btns}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RequestUserInfo(ctx, "u1", zalo.InfoRequest{Title: "Xác thực cán bộ", Subtitle: "Vui lòng chia sẻ số điện thoại", ImageURL: "https://example.vn/logo.png"}); err != nil {
		t.Fatal(err)
	}
	id, err := c.SendTemplate(ctx, zalo.Template{Phone: "84912345678", TemplateID: "231677", Data: map[string]string{"ten": "An", "vong": "2"}, TrackingID: "remind-2-an"})
	if err != nil || id == "" {
		t.Fatalf("template: %q %v", id, err)
	}
	s := e.fake.Sent()
	if len(s) != 3 {
		t.Fatalf("sent %d", len(s))
	}
	if len(s[0].Buttons) != 2 || s[0].Buttons[1] != (zalotest.Button{Title: "B", Type: "oa.query.hide", Payload: "/tl 1 B"}) {
		t.Fatalf("buttons %+v", s[0].Buttons)
	}
	if s[1].TemplateType != "request_user_info" || len(s[1].Elements) != 1 || s[1].Elements[0].Title != "Xác thực cán bộ" {
		t.Fatalf("form %+v", s[1])
	}
	if s[2].Endpoint != "message/template" || s[2].Phone != "84912345678" || s[2].TemplateData["ten"] != "An" || s[2].TrackingID != "remind-2-an" || s[2].MessageID != id {
		t.Fatalf("template %+v", s[2])
	}
}

func TestLimitsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store(t, t0.Add(20*time.Hour))
	c := e.client("")
	ctx := context.Background()
	six := make([]zalo.Button, 6)
	for i := range six {
		six[i] = zalo.Button{Title: "X", Payload: "x"}
	}
	cases := []struct {
		name string
		send func() error
	}{
		{"empty text", func() error { _, err := c.Send(ctx, "u1", zalo.Message{Text: " "}); return err }},
		{"2001 characters", func() error {
			_, err := c.Send(ctx, "u1", zalo.Message{Text: strings.Repeat("ệ", 2001)})
			return err
		}},
		{"no recipient", func() error { _, err := c.Send(ctx, "", zalo.Message{Text: "x"}); return err }},
		{"6 buttons", func() error { _, err := c.Send(ctx, "u1", zalo.Message{Text: "x", Buttons: six}); return err }},
		{"long title", func() error {
			_, err := c.Send(ctx, "u1", zalo.Message{Text: "x", Buttons: []zalo.Button{{Title: strings.Repeat("a", 101), Payload: "x"}}})
			return err
		}},
		{"empty title", func() error {
			_, err := c.Send(ctx, "u1", zalo.Message{Text: "x", Buttons: []zalo.Button{{Title: "", Payload: "x"}}})
			return err
		}},
		{"long payload", func() error {
			_, err := c.Send(ctx, "u1", zalo.Message{Text: "x", Buttons: []zalo.Button{{Title: "A", Payload: strings.Repeat("a", 1001)}}})
			return err
		}},
		{"form without image", func() error {
			_, err := c.RequestUserInfo(ctx, "u1", zalo.InfoRequest{Title: "a", Subtitle: "b"})
			return err
		}},
		{"template phone 09…", func() error {
			_, err := c.SendTemplate(ctx, zalo.Template{Phone: "0912345678", TemplateID: "1"})
			return err
		}},
		{"template without id", func() error {
			_, err := c.SendTemplate(ctx, zalo.Template{Phone: "84912345678"})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.send()
		if !errors.Is(err, zalo.ErrInvalid) || !errors.Is(err, outbound.ErrRejected) {
			t.Errorf("%s: err = %v, want zalo.ErrInvalid", tc.name, err)
		}
	}
	if s := e.fake.Sent(); len(s) != 0 {
		t.Fatalf("sent %+v", s)
	}
	// At the limits exactly, Zalo accepts.
	five := six[:5]
	if _, err := c.Send(ctx, "u1", zalo.Message{Text: strings.Repeat("ệ", 2000), Buttons: append(five[:4:4], zalo.Button{Title: strings.Repeat("a", 100), Payload: strings.Repeat("b", 1000)})}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store(t, t0.Add(20*time.Hour))
	c := e.client("")
	ctx := context.Background()
	e.fake.FailNext(-230)
	_, err := c.Send(ctx, "u1", zalo.Message{Text: "x"})
	var ae *zalo.APIError
	if !errors.Is(err, zalo.ErrOutsideWindow) || !errors.Is(err, outbound.ErrUnreachable) || !errors.As(err, &ae) || ae.Code != -230 {
		t.Fatalf("-230: %v", err)
	}
	e.fake.FailNext(-32)
	_, err = c.Send(ctx, "u1", zalo.Message{Text: "x"})
	var rl *outbound.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != zalo.RateLimitBackoff {
		t.Fatalf("-32: %v", err)
	}
	e.fake.FailNext(-201)
	if _, err = c.Send(ctx, "u1", zalo.Message{Text: "x"}); !errors.Is(err, outbound.ErrRejected) || !strings.Contains(err.Error(), "-201") {
		t.Fatalf("-201: %v", err)
	}
	if e.fake.Refreshes() != 0 || len(e.fake.Sent()) != 0 {
		t.Fatal("a refusal was retried or refreshed")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code      int
		is        []error
		rateLimit bool
	}{
		{0, nil, false},
		{-216, []error{zalo.ErrAccessToken}, false},
		{-220, []error{zalo.ErrAccessToken}, false},
		{-230, []error{zalo.ErrOutsideWindow, outbound.ErrUnreachable}, false},
		{-232, []error{zalo.ErrOutsideWindow, outbound.ErrUnreachable}, false},
		{-213, []error{zalo.ErrNotFollower, outbound.ErrUnreachable}, false},
		{-227, []error{zalo.ErrInactive, outbound.ErrUnreachable}, false},
		{-32, nil, true},
		{-201, []error{outbound.ErrRejected}, false},
		{-235, []error{outbound.ErrRejected}, false},
		{-124, []error{outbound.ErrRejected}, false},
		{7, []error{outbound.ErrRejected}, false},
	}
	all := []error{zalo.ErrAccessToken, zalo.ErrOutsideWindow, zalo.ErrNotFollower, zalo.ErrInactive, outbound.ErrUnreachable, outbound.ErrRejected}
	for _, tc := range cases {
		err := zalo.Classify("message/cs", tc.code, "msg")
		if tc.code == 0 {
			if err != nil {
				t.Errorf("0: %v", err)
			}
			continue
		}
		var ae *zalo.APIError
		if !errors.As(err, &ae) || ae.Code != tc.code || !strings.Contains(err.Error(), "message/cs") {
			t.Errorf("%d: %v carries no APIError with the code", tc.code, err)
		}
		var rl *outbound.RateLimitError
		if errors.As(err, &rl) != tc.rateLimit {
			t.Errorf("%d: rate limit %v, want %v", tc.code, !tc.rateLimit, tc.rateLimit)
		}
		for _, k := range all {
			want := false
			for _, w := range tc.is {
				want = want || w == k
			}
			if errors.Is(err, k) != want {
				t.Errorf("%d: errors.Is(%v) = %v, want %v", tc.code, k, !want, want)
			}
		}
	}
}
