package chat_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"quizbot/console"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// A judge of the contest's entries who is neither an organizer nor a head
// gets a console link from /quantri (for the judging pages); a plain
// member still does not.
func TestConsoleLinkForJudge(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		cons, err := console.New(r.db, r.clock, slog.New(slog.NewTextHandler(r.logs, nil)), "https://thi.example.gov.vn")
		if err != nil {
			t.Fatal(err)
		}
		r.bot.UseConsole(cons)
		c := r.f.Contest
		c.Entries = &quiz.EntriesConfig{OpensAt: r.f.Now.Add(-48 * time.Hour), ClosesAt: r.f.Now.Add(-time.Hour), Submitter: quiz.SubmitterHead,
			MinPerUnit: 1, MaxPerUnit: 1, Link: true, Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 100}},
			Judges: []string{r.f.Members["an"].Phone}, Combine: quiz.CombineMean}
		if _, err := r.db.ApplyContest(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		an, binh := r.user("an"), r.user("binh")
		r.verify(an)
		r.verify(binh)
		an.Command("quantri")
		if m := an.Last().Text; !strings.HasPrefix(m, "🖥 Đường dẫn đăng nhập trang quản trị") || !strings.Contains(m, "https://thi.example.gov.vn/console/login?token=") {
			t.Errorf("a judge's /quantri: %q", m)
		}
		binh.Command("quantri")
		if m := binh.Last().Text; m != "Xin lỗi, trang quản trị chỉ dành cho Ban Tổ chức cuộc thi và thủ trưởng các đơn vị." {
			t.Errorf("a member's /quantri: %q", m)
		}
	})
}
