package notify_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
	"quizbot/notify"
	"quizbot/outbound"
	"quizbot/quiz"
)

// fakeZalo is a messenger with Zalo's reply window, in memory: what it got,
// and when.
type fakeZalo struct {
	mu        sync.Mutex
	template  bool // a reminder template is configured
	sent      []zaloSent
	templates []zaloTemplate
	failWith  map[string]error // chat id → the error its sends get
}

type zaloSent struct {
	chatID string
	msg    outbound.Message
	at     time.Time
}

type zaloTemplate struct {
	phone, tracking string
	data            map[string]string
}

func (f *fakeZalo) Send(ctx context.Context, chatID string, m outbound.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failWith[chatID]; err != nil {
		return "", err
	}
	f.sent = append(f.sent, zaloSent{chatID, m, time.Now()})
	return fmt.Sprint(len(f.sent)), nil
}

func (f *fakeZalo) TextLimit() int        { return zalo.MaxText }
func (f *fakeZalo) Window() time.Duration { return zalo.Window }
func (f *fakeZalo) RemindTemplate() bool  { return f.template }
func (f *fakeZalo) sentTo() map[string]int { // chat id → messages
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, s := range f.sent {
		out[s.chatID]++
	}
	return out
}

func (f *fakeZalo) SendRemindTemplate(ctx context.Context, phone string, data map[string]string, tracking string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.templates = append(f.templates, zaloTemplate{phone, tracking, data})
	return "t", nil
}

// linkZalo verifies a member on Zalo, their last message received
// lastInbound ago (never when 0), and returns the Zalo user id.
func (r *rig) linkZalo(m quiz.Member, lastInbound time.Duration) string {
	r.t.Helper()
	ctx := context.Background()
	uid := fmt.Sprintf("zalo-%d", m.ID)
	if err := r.db.LinkIdentity(ctx, quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformZalo, ExternalID: uid, ChatID: uid}); err != nil {
		r.t.Fatalf("link %s on zalo: %v", m.FullName, err)
	}
	var at *time.Time
	if lastInbound > 0 {
		t := r.clock.Now().Add(-lastInbound)
		at = &t
	}
	if _, err := r.db.ExecContext(ctx, `UPDATE identities SET last_inbound_at = $2 WHERE external_id = $1`, uid, at); err != nil {
		r.t.Fatal(err)
	}
	return uid
}

// zaloSender sends on Zalo through m and on Telegram through the rig's
// fake, with the limiter given.
func (r *rig) zaloSender(m notify.Messenger, lim *notify.Limiter) *notify.Sender {
	return notify.NewSender(r.db, lim, map[quiz.Platform]notify.Messenger{
		quiz.PlatformTelegram: r.telegram(), quiz.PlatformZalo: m,
	}, chat.NoticeButtons{}, r.clock, r.log, notify.SenderOptions{Backoff: 20 * time.Millisecond, Poll: 100 * time.Millisecond})
}

type settled struct {
	Status       string `db:"status"`
	WindowClosed bool   `db:"window_closed"`
	LastError    string `db:"last_error"`
}

func (r *rig) settledOf(roundID, memberID int64, kind string) settled {
	r.t.Helper()
	var s settled
	if err := r.db.GetContext(context.Background(), &s, `SELECT status, window_closed, last_error FROM notifications
		WHERE round_id = $1 AND member_id = $2 AND kind = $3 ORDER BY id DESC LIMIT 1`, roundID, memberID, kind); err != nil {
		r.t.Fatal(err)
	}
	return s
}

// TestZaloWindowConsultationOrTemplate: on Zalo, a member who wrote within
// 7 days gets the reminder as a message; one who did not, or never did,
// gets the reminder template by phone with their name and the round's
// figures, and nothing as a message; both count as sent.
func TestZaloWindowConsultationOrTemplate(t *testing.T) {
	r := newRig(t)
	ms := r.f.Members
	inside := r.linkZalo(ms["an"], 6*24*time.Hour)
	r.linkZalo(ms["binh"], 8*24*time.Hour)
	r.linkZalo(ms["em"], 0)
	z := &fakeZalo{template: true}
	if n := r.enqueue(r.job(notify.KindRemind, "s", r.f.Round)); n != 3 {
		t.Fatalf("enqueued %d, want 3", n)
	}
	r.drain(r.zaloSender(z, notify.NewLimiter(r.rdb, 50)), r.f.Round.ID, notify.KindRemind)

	if got := z.sentTo(); !maps.Equal(got, map[string]int{inside: 1}) {
		t.Fatalf("messages %v, want one to %s only", got, inside)
	}
	if !strings.Contains(z.sent[0].msg.Text, "chưa tham gia Đợt 1") {
		t.Errorf("reminder: %q", z.sent[0].msg.Text)
	}
	phones := map[string]map[string]string{}
	for _, tm := range z.templates {
		phones[tm.phone] = tm.data
		if !strings.HasPrefix(tm.tracking, "qb-n") {
			t.Errorf("tracking id %q", tm.tracking)
		}
	}
	want := map[string]string{"ten": "Trần Thị Bình", "cuoc_thi": "Tìm hiểu cải cách hành chính 2026", "dot_thi": "1", "han_chot": "16:30 04/12/2026"}
	if len(z.templates) != 2 || !maps.Equal(phones["84912000002"], want) || phones["84912000005"]["ten"] != "Hoàng Văn Em" {
		t.Fatalf("templates %+v, want binh's and em's by phone with %v", z.templates, want)
	}
	for _, k := range []string{"an", "binh", "em"} {
		if s := r.settledOf(r.f.Round.ID, ms[k].ID, notify.KindRemind); s.Status != notify.StatusSent || s.WindowClosed {
			t.Errorf("%s: %+v, want sent", k, s)
		}
	}
}

// TestZaloWindowWithoutTemplateTellsTheHead: without a template, a Zalo
// member outside the window gets nothing, the notification is settled
// unreachable with the reason, the account stays reachable (their next
// message opens the window), a summary outside the window is not sent
// either, and the head's card names them to be called, in the absent
// list's order.
func TestZaloWindowWithoutTemplateTellsTheHead(t *testing.T) {
	r := newRig(t)
	ms := r.f.Members
	r.linkZalo(ms["an"], 9*24*time.Hour)
	r.linkZalo(ms["binh"], 30*24*time.Hour)
	em := r.linkZalo(ms["em"], time.Hour)
	headChat := r.link(ms["chi"])
	r.linkZalo(ms["dung"], 8*24*time.Hour) // the organizer, outside the window
	z := &fakeZalo{}
	s := r.zaloSender(z, notify.NewLimiter(r.rdb, 50))
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	r.drain(s, r.f.Round.ID, notify.KindRemind)

	if got := z.sentTo(); !maps.Equal(got, map[string]int{em: 1}) || len(z.templates) != 0 {
		t.Fatalf("messages %v, templates %v: want em's reminder only", got, z.templates)
	}
	for _, k := range []string{"an", "binh"} {
		st := r.settledOf(r.f.Round.ID, ms[k].ID, notify.KindRemind)
		if st.Status != notify.StatusUnreachable || !st.WindowClosed || !strings.Contains(st.LastError, "reply window") ||
			!strings.Contains(st.LastError, "no reminder template") {
			t.Errorf("%s: %+v", k, st)
		}
		if id, err := r.db.IdentityOf(context.Background(), ms[k].ID, quiz.PlatformZalo); err != nil || id.UnreachableAt != nil {
			t.Errorf("%s's Zalo account marked unreachable: %+v %v", k, id, err)
		}
	}

	r.enqueue(r.job(notify.KindSummary, "2026-12-02", r.f.Round))
	r.drain(s, r.f.Round.ID, notify.KindSummary, notify.KindSummaryOrg)
	if st := r.settledOf(r.f.Round.ID, ms["dung"].ID, notify.KindSummaryOrg); st.Status != notify.StatusUnreachable || !st.WindowClosed ||
		!strings.Contains(st.LastError, "only reminders go by template") {
		t.Errorf("organizer's summary outside the window: %+v", st)
	}
	var text string
	for _, m := range r.fake.Sent(headChat) {
		if strings.Contains(m.Text, "KẾT QUẢ ĐỢT 1") {
			text = m.Text
		}
	}
	// an, binh and dung (the organizer, reminded too) were outside the
	// window; they are listed in the absent list's order.
	i := strings.Index(text, "📵 Không liên lạc được qua Zalo (3 người)")
	if i < 0 || !strings.Contains(text[i:], "gọi điện hoặc gặp trực tiếp") {
		t.Fatalf("no Zalo line in the card:\n%s", text)
	}
	var listed, absent []string
	for line := range strings.SplitSeq(text[i:], "\n") {
		if name, ok := strings.CutPrefix(line, "• "); ok {
			listed = append(listed, name)
		}
	}
	far := map[string]bool{"Nguyễn Văn An": true, "Trần Thị Bình": true, "Phạm Thu Dung": true}
	for line := range strings.SplitSeq(text[:i], "\n") {
		if _, rest, ok := strings.Cut(line, ". "); ok {
			if name, _, ok := strings.Cut(rest, " – "); ok && far[name] {
				absent = append(absent, name+" – Chuyên viên")
			}
		}
	}
	if len(listed) != 3 || !slices.Equal(listed, absent) {
		t.Fatalf("Zalo line lists %q, want %q (the absent list's order):\n%s", listed, absent, text)
	}
	if strings.Contains(text[i:], "Hoàng Văn Em") {
		t.Errorf("a member of another unit, reached, is listed:\n%s", text)
	}
}

// zaloAdapter renders notices with the real Zalo client, as the Zalo
// adapter does: the text, and each button as an oa.query.hide button whose
// payload is the button's data. The window and the template are the
// client's.
type zaloAdapter struct{ *zalo.Client }

func (a zaloAdapter) Send(ctx context.Context, chatID string, m outbound.Message) (string, error) {
	zm := zalo.Message{Text: m.Text}
	for _, row := range m.Buttons {
		for _, b := range row {
			zm.Buttons = append(zm.Buttons, zalo.Button{Title: b.Text, Payload: b.Data})
		}
	}
	return a.Client.Send(ctx, chatID, zm)
}

func (a zaloAdapter) TextLimit() int { return zalo.MaxText }

// TestZaloWindowRealClient: through the real Zalo client and the fake OA,
// a member inside the window gets a consultation message with the start
// button, one outside gets the configured template by phone; and when Zalo
// refuses a message as outside the window (-230) although the last inbound
// time said inside, the reminder goes by template and the account is not
// marked blocked.
func TestZaloWindowRealClient(t *testing.T) {
	r := newRig(t)
	ms := r.f.Members
	fake := zalotest.New(t)
	_, refresh := fake.IssuePair()
	client := zalo.New(zalo.Config{AppID: zalotest.AppID, AppSecret: zalotest.AppSecret, RefreshToken: refresh,
		APIURL: fake.URL(), OAuthURL: fake.URL(), TemplateURL: fake.URL(), TemplateRemind: "tmpl-remind", Log: r.log}, r.db)
	an := r.linkZalo(ms["an"], 2*24*time.Hour)
	r.linkZalo(ms["binh"], 10*24*time.Hour)
	s := r.zaloSender(zaloAdapter{client}, notify.NewLimiter(r.rdb, 50))
	r.enqueue(r.job(notify.KindRemind, "s1", r.f.Round))
	r.drain(s, r.f.Round.ID, notify.KindRemind)

	var cs, tmpl []zalotest.Sent
	for _, x := range fake.Sent() {
		if x.Endpoint == "message/cs" {
			cs = append(cs, x)
		} else {
			tmpl = append(tmpl, x)
		}
	}
	if len(cs) != 1 || cs[0].UserID != an || !strings.Contains(cs[0].Text, "chưa tham gia Đợt 1") ||
		len(cs[0].Buttons) != 1 || cs[0].Buttons[0].Title != "▶️ Bắt đầu làm bài" {
		t.Fatalf("consultation messages: %+v", cs)
	}
	if len(tmpl) != 1 || tmpl[0].Phone != "84912000002" || tmpl[0].TemplateID != "tmpl-remind" ||
		tmpl[0].TemplateData["ten"] != "Trần Thị Bình" || tmpl[0].TemplateData["han_chot"] != "16:30 04/12/2026" {
		t.Fatalf("template messages: %+v", tmpl)
	}

	// Zalo says an's window has closed: the next reminder goes by template.
	r.submit(ms["binh"], r.f.Round.ID, 2)
	fake.FailNext(-230)
	r.enqueue(r.job(notify.KindRemind, "s2", r.f.Round))
	r.drain(s, r.f.Round.ID, notify.KindRemind)
	last := fake.Sent()[len(fake.Sent())-1]
	if len(fake.Sent()) != 3 || last.Endpoint != "message/template" || last.Phone != "84912000001" {
		t.Fatalf("after -230: %+v", fake.Sent())
	}
	if st := r.settledOf(r.f.Round.ID, ms["an"].ID, notify.KindRemind); st.Status != notify.StatusSent {
		t.Errorf("an's second reminder: %+v", st)
	}
	if id, err := r.db.IdentityOf(context.Background(), ms["an"].ID, quiz.PlatformZalo); err != nil || id.UnreachableAt != nil {
		t.Errorf("an's account marked unreachable after -230: %+v %v", id, err)
	}
}

// TestQuietHours: a reminder that falls due at 23:00 waits in the queue
// while the clock says night, on every platform, and goes at 06:00.
func TestQuietHours(t *testing.T) {
	r := newRig(t)
	em := r.f.Members["em"]
	chatID := r.link(em)
	uid := r.linkZalo(r.f.Members["an"], time.Hour)
	loc := r.f.Contest.Location()
	r.clock.Set(time.Date(2026, 12, 2, 23, 0, 0, 0, loc))
	z := &fakeZalo{}
	r.enqueue(r.job(notify.KindRemind, "2026-12-02T23:00", r.f.Round))
	r.run(r.zaloSender(z, notify.NewLimiter(r.rdb, 50)))

	// Each platform's sender has looked at its reminder and put it back.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var held int
		if err := r.db.GetContext(context.Background(), &held, `SELECT count(*) FROM notifications
			WHERE status = 'queued' AND last_error LIKE 'quiet hours: waits until 06:00 03/12/2026%'`); err != nil {
			t.Fatal(err)
		}
		if held == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders held for the night, want 2; statuses %v", held, r.statuses(r.f.Round.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(r.fake.Sent(chatID)); n != 0 || len(z.sentTo()) != 0 {
		t.Fatalf("sent at 23:00: telegram %d, zalo %v", n, z.sentTo())
	}
	r.clock.Set(time.Date(2026, 12, 3, 6, 0, 0, 0, loc))
	r.drain(r.zaloSender(z, notify.NewLimiter(r.rdb, 50)), r.f.Round.ID, notify.KindRemind)
	if n := len(r.fake.Sent(chatID)); n != 1 || z.sentTo()[uid] != 1 {
		t.Fatalf("at 06:00: telegram %d, zalo %v; want one each", n, z.sentTo())
	}
}

func TestQuietEnd(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	for _, tc := range []struct {
		t     time.Time
		quiet bool
		end   time.Time
	}{
		{at(2, 21, 59), false, time.Time{}},
		{at(2, 22, 0), true, at(3, 6, 0)},
		{at(2, 23, 30), true, at(3, 6, 0)},
		{at(3, 0, 0), true, at(3, 6, 0)},
		{at(3, 5, 59), true, at(3, 6, 0)},
		{at(3, 6, 0), false, time.Time{}},
		{at(3, 6, 0).UTC(), false, time.Time{}}, // 23:00 UTC, 06:00 in Vietnam
	} {
		end, quiet := notify.QuietEnd(tc.t, loc)
		if quiet != tc.quiet || !end.Equal(tc.end) {
			t.Errorf("%s: %v %s, want %v %s", tc.t, quiet, end, tc.quiet, tc.end)
		}
	}
}

// TestZaloRateOwn: Zalo's sends are paced at ZALO_NOTIFY_RATE, apart from
// Telegram's NOTIFY_RATE, which they do not slow down.
func TestZaloRateOwn(t *testing.T) {
	const zaloRate = 4
	r := newRig(t)
	r.addMembers(10, "SNV") // on Telegram
	ctx := context.Background()
	for _, m := range r.addMembers(8, "XA1") {
		if _, err := r.db.ExecContext(ctx, `DELETE FROM identities WHERE member_id = $1`, m.ID); err != nil {
			t.Fatal(err)
		}
		r.linkZalo(m, time.Hour)
	}
	z := &fakeZalo{}
	lim := notify.NewLimiter(r.rdb, 50).SetRate(quiz.PlatformZalo, zaloRate)
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	var wg sync.WaitGroup
	for range 2 { // two replicas share both limits
		wg.Go(func() { r.drain(r.zaloSender(z, lim), r.f.Round.ID, notify.KindRemind) })
	}
	wg.Wait()
	var times []time.Time
	for _, s := range z.sent {
		times = append(times, s.at)
	}
	if len(times) != 8 {
		t.Fatalf("%d Zalo sends, want 8", len(times))
	}
	if n := maxInWindow(times, time.Second); n > zaloRate {
		t.Fatalf("%d Zalo sends within a second, ZALO_NOTIFY_RATE %d", n, zaloRate)
	}
	var tg []time.Time
	for _, c := range r.fake.CallsTo("sendMessage") {
		tg = append(tg, c.Time)
	}
	if len(tg) != 10 || maxInWindow(tg, time.Second) <= zaloRate {
		t.Fatalf("Telegram: %d sends, at most %d a second: held to Zalo's rate", len(tg), maxInWindow(tg, time.Second))
	}
}

func maxInWindow(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < w {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// TestZaloHeadOutsideWindowNamedToOrganizers: a head on Zalo who has not
// written for 7 days gets no card (unreachable, not as a message), and the
// organizers' card names them with their unit.
func TestZaloHeadOutsideWindowNamedToOrganizers(t *testing.T) {
	r := newRig(t)
	ms := r.f.Members
	r.linkZalo(ms["chi"], 8*24*time.Hour)
	org := r.link(ms["dung"])
	z := &fakeZalo{template: true}
	n := r.notifier()
	n.Windows = notify.WindowsOf(map[quiz.Platform]notify.Messenger{quiz.PlatformZalo: z, quiz.PlatformTelegram: r.telegram()})
	if _, err := n.Run(context.Background(), r.job(notify.KindSummary, "2026-12-02", r.f.Round)); err != nil {
		t.Fatal(err)
	}
	r.drain(r.zaloSender(z, notify.NewLimiter(r.rdb, 50)), r.f.Round.ID, notify.KindSummary, notify.KindSummaryOrg)
	if len(z.sentTo()) != 0 || len(z.templates) != 0 {
		t.Fatalf("the head got %v %v", z.sentTo(), z.templates)
	}
	if st := r.settledOf(r.f.Round.ID, ms["chi"].ID, notify.KindSummary); st.Status != notify.StatusUnreachable || !st.WindowClosed {
		t.Errorf("head's card: %+v", st)
	}
	sent := r.fake.Sent(org)
	if len(sent) == 0 || !strings.Contains(sent[0].Text, "📵 Trưởng đơn vị không nhận được báo cáo qua Zalo (1 người") ||
		!strings.Contains(sent[0].Text, "• Lê Minh Chi – Sở Nội vụ") {
		t.Fatalf("organizer's card:\n%+v", sent)
	}
}

// brokenZalo is Zalo with its tokens refused.
type brokenZalo struct{ fakeZalo }

func (b *brokenZalo) ChannelProblem(context.Context) error { return zalo.ErrTokenRevoked }

// TestBrokenChannelOnTheOrganizersCard: with the Zalo OA's tokens refused,
// the organizers' weekly card (here on Telegram) says that nobody on Zalo
// hears from quizbot and what mends it; with Zalo working it says nothing.
func TestBrokenChannelOnTheOrganizersCard(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprint("broken=", broken), func(t *testing.T) {
			r := newRig(t)
			org := r.link(r.f.Members["dung"])
			var z notify.Messenger = &fakeZalo{}
			if broken {
				z = &brokenZalo{}
			}
			out := map[quiz.Platform]notify.Messenger{quiz.PlatformZalo: z, quiz.PlatformTelegram: r.telegram()}
			n := r.notifier()
			n.Channels = notify.ChannelsOf(out)
			if _, err := n.Run(context.Background(), r.job(notify.KindSummary, "2026-12-02", r.f.Round)); err != nil {
				t.Fatal(err)
			}
			r.drain(r.zaloSender(z, notify.NewLimiter(r.rdb, 50)), r.f.Round.ID, notify.KindSummary, notify.KindSummaryOrg)
			sent := r.fake.Sent(org)
			if len(sent) == 0 {
				t.Fatal("no organizer's card")
			}
			var card strings.Builder
			for _, m := range sent {
				card.WriteString(m.Text)
			}
			says := strings.Contains(card.String(), "⛔ Không gửi được tin nhắn qua Zalo OA") && strings.Contains(card.String(), "quizbot zalo connect")
			if says != broken {
				t.Fatalf("broken=%v, card:\n%s", broken, card.String())
			}
		})
	}
}
