package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// The flows where what a messenger can do changes what the person sees:
// more options than buttons, following and unfollowing the bot's account,
// /menu, a unit's absentees over more messages than one.

// A question with six options on a messenger of five buttons asks for the
// letter, and the typed letter answers it; with enough buttons, the
// buttons do.
func TestMoreOptionsThanButtons(t *testing.T) {
	var bank []quiz.Question
	for i := range 3 {
		bank = append(bank, quiz.Question{Code: fmt.Sprintf("Q6-%d", i), Text: fmt.Sprintf("Câu hỏi sáu phương án %d", i),
			Options: []string{"Sai 1", "Sai 2", "Sai 3", "Sai 4", "Sai 5", "Đúng sáu"}, Correct: 5})
	}
	eachPlatform(t, storagetest.SeedOptions{Bank: bank, QuestionsPerAttempt: 2}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		ask := "✍️ Anh/chị gõ chữ cái của phương án để trả lời (A, B, C, D, E hoặc F)."
		for i := 1; i <= 2; i++ {
			q := an.Last()
			if !strings.HasPrefix(q.Text, fmt.Sprintf("Câu %d/2\n", i)) || !strings.Contains(q.Text, "\nF. ") {
				t.Fatalf("question %d: %q", i, q.Text)
			}
			typeOnly := r.caps.Buttons < 6
			if typeOnly != (len(q.Buttons) == 0) || typeOnly != strings.Contains(q.Text, ask) {
				t.Fatalf("question %d on %d buttons: %q %q", i, r.caps.Buttons, q.Text, q.Labels())
			}
			if i == 1 {
				// Something else typed says how to answer, by letter
				// where there are no buttons.
				an.Type("xin chào")
				if note := an.Last().Text; typeOnly != strings.HasSuffix(note, "\n"+ask) {
					t.Fatalf("the note on the live question: %q", note)
				}
			}
			r.clock.Advance(30 * time.Second)
			an.Type(strings.ToLower(rightLabel(t, q)))
			r.wantAnswered(an, q, "☑️ Anh/chị chọn: "+rightLabel(t, q))
		}
		if m := an.Last(); !strings.Contains(m.Text, "Kết quả: 2/2 câu đúng") {
			t.Fatalf("result: %q", m.Text)
		}
	})
}

// Following the bot's account greets as /start does: a stranger is asked
// to verify as VERIFY says, a member is welcomed back.
func TestFollowGreetsLikeStart(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		for _, tc := range []struct {
			mode           chat.VerifyMode
			contact, codes bool
		}{
			{chat.VerifyPhone, true, false},
			{chat.VerifyCode, false, true},
			{chat.VerifyEither, true, true},
		} {
			r.bot.SetVerify(tc.mode)
			u := r.stranger("90-"+string(tc.mode), "0987000000")
			u.Follow()
			m := u.Last()
			if !strings.HasPrefix(m.Text, "Xin chào!") || strings.Contains(m.Text, "/kichhoat") != tc.codes ||
				(u.ContactButton() != "") != tc.contact {
				t.Fatalf("VERIFY=%s follow: %q, contact button %q", tc.mode, m.Text, u.ContactButton())
			}
			u.Command("start")
			if again := u.Last(); again.Text != m.Text {
				t.Fatalf("VERIFY=%s: /start says %q, follow said %q", tc.mode, again.Text, m.Text)
			}
		}
		r.bot.SetVerify(chat.VerifyEither)
		an := r.user("an")
		r.verify(an)
		an.Follow()
		welcome := an.Last()
		if !strings.Contains(welcome.Text, "Xin chào Nguyễn Văn An") {
			t.Fatalf("a member's follow: %q", welcome.Text)
		}
		r.wantMenu(an, memberMenu...)
	})
}

// Unfollowing marks the account unreachable (notify skips it) and sends
// nothing; following again makes it reachable.
func TestUnfollowMarksUnreachable(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		sent := an.Count()
		an.Unfollow()
		if n := an.Count(); n != sent {
			t.Fatalf("unfollow sent %d messages", n-sent)
		}
		if n := r.count(`SELECT count(*) FROM identities WHERE unreachable_at IS NOT NULL AND platform = $1 AND external_id = $2`, r.pf.p, an.ID); n != 1 {
			t.Fatal("the account is not marked unreachable after the unfollow")
		}
		// A stranger's unfollow changes nothing and says nothing.
		s := r.stranger("9100", "0987000001")
		s.Unfollow()
		if s.Count() != 0 || r.count(`SELECT count(*) FROM identities`) != 1 {
			t.Fatal("a stranger's unfollow did something")
		}
		an.Follow()
		if n := r.count(`SELECT count(*) FROM identities WHERE unreachable_at IS NOT NULL`); n != 0 {
			t.Fatal("the account is still unreachable after following again")
		}
	})
}

// /menu lists the commands each person can use, the menu's too where there
// is one.
func TestMenuCommand(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		s := r.stranger("9200", "0987000002")
		s.Command("menu")
		list := s.Last().Text
		for _, want := range []string{"• /start:", "• /kichhoat ABCD-EFGH:", "• /thi:", "• /huongdan:", "• /menu:"} {
			if !strings.Contains(list, want) {
				t.Fatalf("a stranger's /menu lacks %q:\n%s", want, list)
			}
		}
		if strings.Contains(list, "/lydo") || strings.Contains(list, "/thongke") {
			t.Fatalf("a stranger's /menu:\n%s", list)
		}
		for _, tc := range []struct {
			key  string
			menu []string
		}{{"an", memberMenu}, {"chi", headMenu}, {"dung", organizerMenu}} {
			u := r.user(tc.key)
			r.verify(u)
			u.Command("menu")
			if r.caps.Menu {
				// The list comes with the menu, which a person may have
				// closed.
				r.wantMenu(u, tc.menu...)
			}
			list := u.Last().Text
			for label, cmd := range menuCommands {
				want := strings.Contains(strings.Join(tc.menu, "|"), label)
				if strings.Contains(list, "• "+cmd+":") != want {
					t.Fatalf("%s's /menu (menu %q):\n%s", tc.key, tc.menu, list)
				}
			}
			if strings.Contains(list, "/start") || strings.Contains(list, "/kichhoat") {
				t.Fatalf("%s's /menu offers verifying again:\n%s", tc.key, list)
			}
		}
	})
}

// A unit with more absentees than a message has buttons: the head turns
// the pages and records a reason for one on a later page.
func TestHeadsReasonsOverManyMessages(t *testing.T) {
	o := storagetest.SeedOptions{Units: []storagetest.SeedUnit{{Code: "SNV", Name: "Sở Nội vụ"}},
		Members: []storagetest.SeedMember{{Key: "chi", Name: "Lê Minh Chi", Phone: "0912000003", Position: "Giám đốc", Unit: "SNV", Role: quiz.RoleHead}}}
	for i := 1; i <= 11; i++ {
		o.Members = append(o.Members, storagetest.SeedMember{Key: fmt.Sprintf("m%d", i), Name: fmt.Sprintf("Cán bộ Số %02d", i),
			Phone: fmt.Sprintf("09130000%02d", i), Position: "Chuyên viên", Unit: "SNV"})
	}
	eachPlatform(t, o, func(t *testing.T, r *rig) {
		chi := r.user("chi")
		r.verify(chi)
		chi.Command("lydo")
		// Page by page to the last absentee, each page within the
		// messenger's buttons (chattest refuses more).
		target := "Cán bộ Số 11"
		for range 12 {
			list := chi.Last()
			if !strings.Contains(list.Text, "Chưa dự thi: 12 người") {
				t.Fatalf("absentees: %q", list.Text)
			}
			if _, ok := list.Button("11. " + target); ok {
				break
			}
			chi.TapOn(list, "Sau ▶️")
		}
		chi.Tap("11. " + target)
		tap := chi.Tap("Đi công tác")
		r.wantNote(chi, tap, func(s string) bool { return s == "Đã ghi nhận." }, "preset reason")
		if m := chi.Last(); !strings.Contains(m.Text, "✅ Đã ghi nhận lý do vắng Đợt 1: "+target+" – Đi công tác.") {
			t.Fatalf("reason recorded: %q", m.Text)
		}
		if n := r.count(`SELECT count(*) FROM excuses WHERE member_id = $1 AND reason = 'Đi công tác'`, r.f.Members["m11"].ID); n != 1 {
			t.Fatalf("%d reasons stored", n)
		}
	})
}
