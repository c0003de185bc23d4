package chat_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"quizbot/bot/chat"
	"quizbot/bot/chat/chattest"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// A person verifies by sharing their own phone: a forwarded or typed
// contact is refused, an unknown phone is told whom to ask, a phone
// already verified on another account is refused, and no phone reaches
// the logs in full.
func TestVerifyByContact(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		an := r.user("an")
		an.Command("start")
		if m := an.Last(); !strings.Contains(m.Text, "Xin chào") || !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("greeting: %q", m.Text)
		}
		if r.caps.AskPhone && an.ContactButton() != "📱 Chia sẻ số điện thoại" {
			t.Fatalf("no contact button under the greeting: %q", an.ContactButton())
		}

		// Someone else's contact, forwarded, and a typed card: refused.
		an.SendContact("0912000002", "2002")
		if m := an.Last(); !strings.Contains(m.Text, "của chính anh/chị") {
			t.Fatalf("foreign contact: %q", m.Text)
		}
		an.SendContact("0912000001", "")
		if m := an.Last(); !strings.Contains(m.Text, "của chính anh/chị") {
			t.Fatalf("contact without its owner: %q", m.Text)
		}
		if n := r.count(`SELECT count(*) FROM identities`); n != 0 {
			t.Fatalf("%d identities after refused contacts", n)
		}

		// An unknown phone: told to ask the unit's CCHC focal point.
		stranger := r.stranger("3003", "84987654321")
		stranger.Command("start")
		stranger.ShareContact()
		if m := stranger.Last(); !strings.Contains(m.Text, "0987654321 chưa có trong danh sách") || !strings.Contains(m.Text, "đầu mối CCHC") {
			t.Fatalf("unknown phone: %q", m.Text)
		}

		// Own contact, in the international form without "+": greeted by
		// name and unit, with the way to the quiz.
		an.Phone = "84912000001"
		an.ShareContact()
		if m := an.Last(); !strings.Contains(m.Text, "Nguyễn Văn An") || !strings.Contains(m.Text, "Sở Nội vụ") {
			t.Fatalf("verified greeting: %q", m.Text)
		}
		r.wantMenu(an, memberMenu...)

		// A second account claiming the same phone is refused.
		other := r.chat.User(t, "4004", "An2", "0912000001")
		other.Command("start")
		other.ShareContact()
		if m := other.Last(); !strings.Contains(m.Text, "đã được xác thực trên một tài khoản khác") || !strings.Contains(m.Text, "member unlink") {
			t.Fatalf("second account: %q", m.Text)
		}
		if logs := r.logs.String(); strings.Contains(logs, "0912000001") || strings.Contains(logs, "0987654321") {
			t.Fatalf("unmasked phone in logs:\n%s", logs)
		}
	})
}

// A member who had blocked the bot (a reminder got 403) and writes again
// is welcome back and reachable again.
func TestStartAfterUnblockingMakesReachable(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		if _, err := r.db.Exec(`UPDATE identities SET unreachable_at = now()`); err != nil {
			t.Fatal(err)
		}
		an.Command("start")
		if m := an.Last(); !strings.Contains(m.Text, "Xin chào Nguyễn Văn An") {
			t.Fatalf("welcome back: %q", m.Text)
		}
		if n := r.count(`SELECT count(*) FROM identities WHERE unreachable_at IS NOT NULL`); n != 0 {
			t.Fatal("the account is still marked unreachable after the member wrote to the bot")
		}
	})
}

// A 5,000-character name on the roster: the welcome still fits the
// platform's limit (the messenger refuses longer texts) and names the
// member, shortened with "…".
func TestLongRosterNameFitsTheLimit(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		long := strings.Repeat("Nguyễn Văn ", 454) + "An"
		if _, err := r.db.Exec(`UPDATE members SET full_name = $1, position = $1 WHERE phone = '0912000001'`, long); err != nil {
			t.Fatal(err)
		}
		an := r.user("an")
		r.verify(an)
		if m := an.Last(); !strings.Contains(m.Text, "Xin chào Nguyễn Văn Nguyễn") || !strings.Contains(m.Text, "…") {
			t.Fatalf("welcome: %.300q", m.Text)
		}
		an.Command("start")
		if m := an.Last(); !strings.HasPrefix(m.Text, "Xin chào Nguyễn Văn") || !strings.Contains(m.Text, "…") {
			t.Fatalf("welcome back: %.300q", m.Text)
		}
	})
}

// issueCodes gives the active members of unit (all when empty) new
// activation codes, as `quizbot member codes` does, and returns them by
// member name.
func (r *rig) issueCodes(unit string) map[string]string {
	r.t.Helper()
	issued, err := r.db.IssueActivationCodes(context.Background(), storage.CodeScope{UnitCode: unit}, r.clock.Now(),
		r.clock.Now().AddDate(0, 0, 30), quiz.NewCode, func([]storage.IssuedCode) error { return nil })
	if err != nil {
		r.t.Fatal(err)
	}
	codes := map[string]string{}
	for _, c := range issued {
		codes[c.Member.FullName] = quiz.FormatCode(c.Code)
	}
	return codes
}

// unitsCSV is `quizbot report units` for round 1.
func (r *rig) unitsCSV() string {
	r.t.Helper()
	ctx := context.Background()
	roster, err := r.db.UnitRosters(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	atts, err := r.db.RoundAttempts(ctx, r.f.Round.ID, r.clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteCSV(&b, report.UnitsTable(report.Units(roster, atts)), false); err != nil {
		r.t.Fatal(err)
	}
	return b.String()
}

// Activation codes: a code typed alone (any case, with its dash) verifies
// as the phone does; it works once; five wrong codes lock an account out
// for an hour, a good code meanwhile refused and left unused; a re-issue
// voids the old codes; a member bound on two apps counts once; no code
// reaches the logs.
func TestActivationCodes(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		codes := r.issueCodes("")
		an, mallory := r.user("an"), r.stranger("6666", "0900000666")
		an.Command("start")
		if m := an.Last(); !strings.Contains(m.Text, "Chia sẻ số điện thoại") || !strings.Contains(m.Text, "/kichhoat ABCD-EFGH") {
			t.Fatalf("welcome: %q", m.Text)
		}
		if r.caps.AskPhone && an.ContactButton() == "" {
			t.Fatal("VERIFY=either offers no contact button")
		}
		an.Type(strings.ToLower(codes["Nguyễn Văn An"]))
		if m := an.Last(); !strings.Contains(m.Text, "✅ Xác thực thành công!\nXin chào Nguyễn Văn An, Chuyên viên – Sở Nội vụ.") {
			t.Fatalf("after the code: %q", m.Text)
		}
		r.wantMenu(an, memberMenu...)
		mallory.Command("kichhoat", codes["Nguyễn Văn An"])
		if m := mallory.Last(); !strings.Contains(m.Text, "đã được sử dụng") {
			t.Fatalf("a used code: %q", m.Text)
		}

		binhCode := codes["Trần Thị Bình"]
		for i := range 5 {
			mallory.Command("kichhoat", "2222-222"+string(rune('2'+i)))
			if m := mallory.Last(); !strings.HasPrefix(m.Text, "Mã kích hoạt không đúng") {
				t.Fatalf("wrong code %d: %q", i+1, m.Text)
			}
		}
		mallory.Command("kichhoat", binhCode)
		if m := mallory.Last(); !strings.Contains(m.Text, "tạm thời không thể kích hoạt") {
			t.Fatalf("good code during the lockout: %q", m.Text)
		}
		r.clock.Advance(quiz.CodeLockout)
		mallory.Type(binhCode)
		if m := mallory.Last(); !strings.Contains(m.Text, "Xin chào Trần Thị Bình") {
			t.Fatalf("good code after the lockout: %q", m.Text)
		}

		// A re-issue voids the old codes; An binds a second app too.
		old := codes
		codes = r.issueCodes("SNV")
		otherP := quiz.PlatformZalo
		if r.pf.p == quiz.PlatformZalo {
			otherP = quiz.PlatformTelegram
		}
		second := chattest.New(t, otherP, chat.TelegramCapabilities, r.bot)
		r.bot.Attach(otherP, second)
		anThere := second.User(t, "z-an", "An", "")
		anThere.Command("kichhoat", old["Lê Minh Chi"])
		if m := anThere.Last(); !strings.Contains(m.Text, "đã được thay bằng mã mới") {
			t.Fatalf("old code after a re-issue: %q", m.Text)
		}
		anThere.Command("kichhoat", strings.ReplaceAll(codes["Nguyễn Văn An"], "-", " "))
		if m := anThere.Last(); !strings.Contains(m.Text, "Xin chào Nguyễn Văn An") {
			t.Fatalf("An on the second app: %q", m.Text)
		}
		// An, on both apps, and Bình: SNV has two activated.
		if units := r.unitsCSV(); !strings.Contains(units, "\nSNV,Sở Nội vụ,4,2,") {
			t.Fatalf("units report:\n%s", units)
		}
		if n := r.count(`SELECT count(*) FROM identities WHERE platform = $1`, otherP); n != 1 {
			t.Fatalf("%d accounts linked on the second app, want An's", n)
		}
		logs := r.logs.String()
		for _, c := range []map[string]string{old, codes} {
			for _, v := range c {
				if strings.Contains(logs, v) || strings.Contains(strings.ToUpper(logs), strings.ReplaceAll(v, "-", "")) {
					t.Fatalf("code %s in the logs", v)
				}
			}
		}
	})
}

// VERIFY=code: no contact button, a contact refused, the help says how to
// activate; VERIFY=phone: codes are not used and a typed code is no code.
func TestVerifyModes(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.bot.SetVerify(chat.VerifyCode)
		an.Command("start")
		if m := an.Last(); !strings.Contains(m.Text, "mã kích hoạt") || strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("VERIFY=code welcome: %q", m.Text)
		}
		if an.ContactButton() != "" || an.Menu() != nil {
			t.Fatalf("VERIFY=code shows a keyboard: %q %q", an.ContactButton(), an.Menu())
		}
		an.SendContact(an.Phone, an.ID)
		if m := an.Last(); !strings.Contains(m.Text, "đề nghị thủ trưởng đơn vị cấp mã kích hoạt") {
			t.Fatalf("VERIFY=code contact: %q", m.Text)
		}
		if n := r.count(`SELECT count(*) FROM identities`); n != 0 {
			t.Fatal("VERIFY=code verified a phone")
		}
		an.Command("huongdan")
		if m := an.Last(); !strings.Contains(m.Text, "/kichhoat") || strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("VERIFY=code help: %q", m.Text)
		}

		r.bot.SetVerify(chat.VerifyPhone)
		an.Command("kichhoat", "ABCD-EFGH")
		if m := an.Last(); !strings.Contains(m.Text, "không dùng mã kích hoạt") {
			t.Fatalf("VERIFY=phone /kichhoat: %q", m.Text)
		}
		an.Type("ABCD-EFGH")
		if m := an.Last(); strings.Contains(m.Text, "Mã kích hoạt") || !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("VERIFY=phone typed code: %q", m.Text)
		}
		an.Command("start")
		if m := an.Last(); strings.Contains(m.Text, "kichhoat") {
			t.Fatalf("VERIFY=phone welcome mentions codes: %q", m.Text)
		}
		an.ShareContact()
		if m := an.Last(); !strings.Contains(m.Text, "Xác thực thành công") {
			t.Fatalf("VERIFY=phone contact: %q", m.Text)
		}
	})
}
