package quiz_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func TestCodeFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c, err := quiz.NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != quiz.CodeLen || strings.Trim(c, quiz.CodeAlphabet) != "" {
			t.Fatalf("code %q: want %d characters of %s", c, quiz.CodeLen, quiz.CodeAlphabet)
		}
		seen[c] = true
	}
	if len(seen) < 1999 {
		t.Fatalf("%d distinct codes in 2000", len(seen))
	}
	if strings.ContainsAny(quiz.CodeAlphabet, "0O1IL") || len(quiz.CodeAlphabet) != 31 {
		t.Fatalf("alphabet %q has look-alikes", quiz.CodeAlphabet)
	}
	for typed, want := range map[string]string{
		"ABCD-EFGH": "ABCDEFGH", "abcd-efgh": "ABCDEFGH", " ab cd ef gh ": "ABCDEFGH", "ABCD–EFGH": "ABCDEFGH", "23456789": "23456789",
		"ABCD-EFG": "", "ABCD-EFGHJ": "", "ABCD-EFG0": "", "OBCD-EFGH": "", "ABCD-EFG1": "", "LBCD-EFGH": "", "IBCD-EFGH": "", "ABCĐ-EFGH": "", "": "",
	} {
		got, ok := quiz.NormalizeCode(typed)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", typed, got, ok, want)
		}
	}
	if !quiz.LooksLikeCode("abcd efg1") || quiz.LooksLikeCode("xin chào") || quiz.LooksLikeCode("15000") {
		t.Error("LooksLikeCode: an eight-character try is a code, a greeting or a short number is not")
	}
}

// issue gives new codes to the active members of the unit tree, valid for
// d from the rig's clock, and returns them by member key.
func (r *rig) issue(unit string, d time.Duration) map[string]string {
	r.t.Helper()
	now := r.clock.Now()
	issued, err := r.db.IssueActivationCodes(context.Background(), storage.CodeScope{UnitCode: unit}, now, now.Add(d), quiz.NewCode,
		func([]storage.IssuedCode) error { return nil })
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range issued {
		for k, m := range r.f.Members {
			if m.ID == c.Member.ID {
				out[k] = c.Code
			}
		}
	}
	return out
}

// activate sends a code from an account and returns the member bound, or
// the message shown.
func (r *rig) activate(p quiz.Platform, account, typed string) (quiz.Member, string) {
	r.t.Helper()
	m, err := r.svc.Activate(quiz.WithEvent(context.Background()), p, account, account, typed)
	if quiz.ErrorCode(err) == quiz.EINTERNAL {
		r.t.Fatal(err)
	}
	return m, quiz.ErrorMessage(err)
}

func (r *rig) bound(p quiz.Platform, account string) int64 {
	r.t.Helper()
	m, err := r.db.MemberByIdentity(context.Background(), p, account)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return 0
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return m.ID
}

func TestActivationCodes(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{})
	tg, zalo := quiz.PlatformTelegram, quiz.PlatformZalo

	// The unit and the units under it; active members only (giang is not).
	if got := keys(r.issue("XA1", 24*time.Hour)); !slices.Equal(got, []string{"em"}) {
		t.Fatalf("XA1 codes for %v, want em", got)
	}
	codes := r.issue("SNV", 30*24*time.Hour)
	if got := keys(codes); !slices.Equal(got, []string{"an", "binh", "chi", "dung", "em"}) {
		t.Fatalf("SNV tree codes for %v", got)
	}

	// Lower case, a dash: bound, and Identify knows the account.
	an := r.f.Members["an"]
	typed := strings.ToLower(quiz.FormatCode(codes["an"]))
	if m, msg := r.activate(tg, "tg-an", typed); m.ID != an.ID {
		t.Fatalf("activate %q: %q", typed, msg)
	}
	if m, err := r.svc.Identify(context.Background(), tg, "tg-an"); err != nil || m.ID != an.ID {
		t.Fatalf("identify after activation: %v %v", m.ID, err)
	}
	// Once: another account gets "used", and nothing is bound.
	if _, msg := r.activate(zalo, "z-other", codes["an"]); !strings.Contains(msg, "đã được sử dụng") {
		t.Fatalf("second use: %q", msg)
	}
	if r.bound(zalo, "z-other") != 0 {
		t.Fatal("a used code bound a second account")
	}
	// The same account sending it again is simply welcomed.
	if m, msg := r.activate(tg, "tg-an", codes["an"]); m.ID != an.ID {
		t.Fatalf("the code again from its own account: %q", msg)
	}

	// An account bound to someone else: refused, the code stays unused.
	if _, msg := r.activate(tg, "tg-an", codes["binh"]); !strings.Contains(msg, "đã được xác thực cho một cán bộ khác") {
		t.Fatalf("bound account: %q", msg)
	}
	if m, msg := r.activate(tg, "tg-binh", codes["binh"]); m.ID != r.f.Members["binh"].ID {
		t.Fatalf("binh's code after the refusal: %q", msg)
	}

	// A re-issue voids the member's previous code; the new one works.
	again := r.issue("XA1", 24*time.Hour)
	if _, msg := r.activate(zalo, "z-em", codes["em"]); !strings.Contains(msg, "đã được thay bằng mã mới") {
		t.Fatalf("voided code: %q", msg)
	}
	if r.bound(zalo, "z-em") != 0 {
		t.Fatal("a voided code bound an account")
	}

	// Expired: refused with a clear message, nothing bound; the next
	// issue works.
	r.clock.Advance(24 * time.Hour)
	if _, msg := r.activate(zalo, "z-em", again["em"]); !strings.Contains(msg, "đã hết hạn") {
		t.Fatalf("expired code: %q", msg)
	}
	if r.bound(zalo, "z-em") != 0 {
		t.Fatal("an expired code bound an account")
	}
	fresh := r.issue("XA1", time.Hour)
	if m, msg := r.activate(zalo, "z-em", fresh["em"]); m.ID != r.f.Members["em"].ID {
		t.Fatalf("fresh code: %q", msg)
	}

	// One member on Telegram (by phone) and on Zalo (by code); a second
	// Telegram account of the same member is refused.
	chi := r.f.Members["chi"]
	if _, err := r.svc.Verify(quiz.WithEvent(context.Background()), tg, "tg-chi", "tg-chi", chi.Phone); err != nil {
		t.Fatal(err)
	}
	if _, msg := r.activate(tg, "tg-chi-2", codes["chi"]); !strings.Contains(msg, "đã được xác thực trên một tài khoản khác") {
		t.Fatalf("second Telegram account: %q", msg)
	}
	if m, msg := r.activate(zalo, "z-chi", codes["chi"]); m.ID != chi.ID {
		t.Fatalf("chi on Zalo: %q", msg)
	}
	if r.bound(tg, "tg-chi") != chi.ID || r.bound(zalo, "z-chi") != chi.ID {
		t.Fatal("chi is not bound on both platforms")
	}
	rosters, err := r.db.UnitRosters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rosters {
		// an, binh, chi; chi once though on two platforms.
		if u.Code == "SNV" && u.Verified != 3 {
			t.Fatalf("SNV verified %d, want 3: %+v", u.Verified, u)
		}
	}

	// The codes are nowhere in the database in clear.
	var dump string
	if err := r.db.Get(&dump, `SELECT coalesce(string_agg(t::text, ' '), '') FROM activation_codes t`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []map[string]string{codes, again, fresh} {
		for _, code := range c {
			if strings.Contains(strings.ToUpper(dump), code) || strings.Contains(dump, hex.EncodeToString([]byte(code))) {
				t.Fatalf("code %s stored in clear", code)
			}
		}
	}
}

func TestActivationLockout(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{})
	tg := quiz.PlatformTelegram
	codes := r.issue("SNV", 30*24*time.Hour)
	wrong := "2222-2222"
	if codes["an"] == "22222222" {
		wrong = "3333-3333"
	}
	// A malformed code is not a guess: it counts nothing.
	if _, msg := r.activate(tg, "mallory", "ABCD-EFG0"); !strings.Contains(msg, "Mã kích hoạt không đúng") || !strings.Contains(msg, "8 ký tự") {
		t.Fatalf("malformed: %q", msg)
	}
	for i := 1; i <= 4; i++ {
		r.clock.Advance(time.Minute)
		_, msg := r.activate(tg, "mallory", wrong)
		if !strings.HasPrefix(msg, "Mã kích hoạt không đúng") || !strings.Contains(msg, "còn "+string(rune('0'+5-i))+" lần thử") {
			t.Fatalf("wrong code %d: %q", i, msg)
		}
	}
	r.clock.Advance(time.Minute)
	if _, msg := r.activate(tg, "mallory", wrong); !strings.Contains(msg, "nhập sai 5 lần") || !strings.Contains(msg, "tạm thời không thể kích hoạt đến") {
		t.Fatalf("fifth wrong code: %q", msg)
	}
	// Locked for an hour: a good code is refused and stays unused.
	r.clock.Advance(59 * time.Minute)
	if m, msg := r.activate(tg, "mallory", codes["an"]); m.ID != 0 || !strings.Contains(msg, "tạm thời không thể kích hoạt đến") {
		t.Fatalf("good code during the lockout: %d %q", m.ID, msg)
	}
	var used int
	if err := r.db.Get(&used, `SELECT count(*) FROM activation_codes WHERE used_at IS NOT NULL`); err != nil || used != 0 {
		t.Fatalf("%d codes used during the lockout (%v)", used, err)
	}
	// Another account is not locked.
	if _, msg := r.activate(tg, "someone", wrong); !strings.Contains(msg, "còn 4 lần thử") {
		t.Fatalf("another account: %q", msg)
	}
	// An hour after the fifth wrong code, the good code works.
	r.clock.Advance(time.Minute)
	if m, msg := r.activate(tg, "mallory", codes["an"]); m.ID != r.f.Members["an"].ID {
		t.Fatalf("after the lockout: %q", msg)
	}
	// Wrong codes an hour apart never lock: the count is per hour.
	for range 8 {
		r.clock.Advance(16 * time.Minute)
		if _, msg := r.activate(tg, "slow", wrong); strings.Contains(msg, "tạm thời") {
			t.Fatalf("four wrong codes an hour locked the account: %q", msg)
		}
	}
}

func keys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// An issue whose workbook cannot be written changes nothing: the previous
// codes stay valid and none of the new ones exists.
func TestIssueIsAllOrNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{})
	codes := r.issue("", 30*24*time.Hour)
	var before int
	if err := r.db.Get(&before, `SELECT count(*) FROM activation_codes`); err != nil {
		t.Fatal(err)
	}
	now := r.clock.Now()
	var drawn []string
	boom := errors.New("disk full")
	_, err := r.db.IssueActivationCodes(context.Background(), storage.CodeScope{}, now, now.Add(time.Hour), quiz.NewCode,
		func(issued []storage.IssuedCode) error {
			for _, c := range issued {
				drawn = append(drawn, c.Code)
			}
			return boom
		})
	if !errors.Is(err, boom) || len(drawn) != 5 {
		t.Fatalf("issue with a failing write: %v, %d codes drawn", err, len(drawn))
	}
	var after int
	if err := r.db.Get(&after, `SELECT count(*) FROM activation_codes`); err != nil || after != before {
		t.Fatalf("%d codes stored after a failed issue, %d before (%v)", after, before, err)
	}
	if _, msg := r.activate(quiz.PlatformZalo, "z-x", drawn[0]); !strings.HasPrefix(msg, "Mã kích hoạt không đúng") {
		t.Fatalf("a code of the failed issue: %q", msg)
	}
	if m, msg := r.activate(quiz.PlatformZalo, "z-an", codes["an"]); m.ID != r.f.Members["an"].ID {
		t.Fatalf("the previous code after a failed issue: %q", msg)
	}
}

// Two accounts sending one code at once: one is bound, the other is told
// the code is used.
func TestActivationCodeRace(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{})
	codes := r.issue("SNV", time.Hour)
	const n = 8
	msgs := make([]string, n)
	ids := make([]int64, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			m, err := r.svc.Activate(quiz.WithEvent(context.Background()), quiz.PlatformZalo, fmt.Sprint("z-", i), "c", codes["an"])
			ids[i], msgs[i] = m.ID, quiz.ErrorMessage(err)
			if quiz.ErrorCode(err) == quiz.EINTERNAL {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		switch {
		case ids[i] == r.f.Members["an"].ID && msgs[i] == "":
			won++
		case !strings.Contains(msgs[i], "đã được sử dụng"):
			t.Errorf("account %d: %q", i, msgs[i])
		}
	}
	var links int
	if err := r.db.Get(&links, `SELECT count(*) FROM identities`); err != nil || won != 1 || links != 1 {
		t.Fatalf("%d accounts bound (%d identities, %v), want 1", won, links, err)
	}
}
