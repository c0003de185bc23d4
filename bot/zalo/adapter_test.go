package zalo_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
	"quizbot/outbound"
	"quizbot/quiz"
)

func TestAdapterRendersMessagesForZalo(t *testing.T) {
	e := newEnv(t)
	e.store(t, t0.Add(24*time.Hour))
	conv := chat.New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a := zalo.NewAdapter(e.client(""), zalo.AdapterConfig{AppID: zalotest.AppID, InfoImageURL: "https://q.example.vn/zalo/verify.png"}, conv)
	ctx := context.Background()

	if c := a.Capabilities(); c.Edit || c.Menu || c.AnswerTap || c.Documents || !c.AskPhone || c.Buttons != 5 || a.TextLimit() != 2000 || c.ReplyWindow != 7*24*time.Hour {
		t.Fatalf("capabilities %+v", c)
	}
	// A long text with seven buttons in two rows: split at a line, never
	// cut; five buttons under the last part, two under a follow-up.
	line := strings.Repeat("Cải cách hành chính ", 4) + "\n"
	text := strings.Repeat(line, 40) // 3,240 characters
	long := strings.Repeat("Đ", 150)
	var row1, row2 []outbound.Button
	for i := range 4 {
		row1 = append(row1, outbound.Button{Text: string(rune('A' + i)), Data: "a:1:0:" + string(rune('0'+i))})
	}
	row2 = []outbound.Button{{Text: "E", Data: "a:1:0:4"}, {Text: "F", Data: "a:1:0:5"}, {Text: long, Data: "xl:1"}}
	if _, err := a.Send(ctx, "u1", outbound.Message{Text: text, Buttons: [][]outbound.Button{row1, row2}, Menu: [][]string{{"📝 Vào thi"}}}); err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent()
	flat := func(s string) string { return strings.ReplaceAll(s, "\n", "") }
	if len(sent) != 3 || flat(sent[0].Text+sent[1].Text) != flat(text) || outbound.TextLen(sent[0].Text) > 2000 || !strings.HasPrefix(sent[1].Text, "Cải cách") {
		t.Fatalf("parts: %d, %q", len(sent), sent)
	}
	if len(sent[0].Buttons) != 0 || len(sent[1].Buttons) != 5 || len(sent[2].Buttons) != 2 || sent[2].Text != "Các lựa chọn tiếp theo:" {
		t.Fatalf("buttons: %+v / %+v / %+v", sent[0].Buttons, sent[1].Buttons, sent[2].Buttons)
	}
	if b := sent[1].Buttons[0]; b.Title != "A" || b.Payload != "#qb a:1:0:0" || b.Type != "oa.query.hide" {
		t.Fatalf("button %+v", b)
	}
	if b := sent[2].Buttons[1]; len([]rune(b.Title)) != 100 || b.Payload != "#qb xl:1" {
		t.Fatalf("long title %q", b.Title)
	}

	// The contact button: the text, then the phone form.
	n := len(e.fake.Sent())
	if _, err := a.Send(ctx, "u1", outbound.Message{Text: "Xác thực", ContactButton: "📱 Chia sẻ số điện thoại"}); err != nil {
		t.Fatal(err)
	}
	sent = e.fake.Sent()[n:]
	if len(sent) != 2 || sent[0].Text != "Xác thực" || sent[1].TemplateType != "request_user_info" ||
		sent[1].Elements[0].Title != "📱 Chia sẻ số điện thoại" || sent[1].Elements[0].ImageURL != "https://q.example.vn/zalo/verify.png" {
		t.Fatalf("form: %+v", sent)
	}
	// A document: a note saying where to get it.
	n = len(e.fake.Sent())
	if _, err := a.Send(ctx, "u1", outbound.Message{Text: "Báo cáo tuần", Document: &outbound.Document{Name: "tonghop.xlsx", Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if sent = e.fake.Sent()[n:]; len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "Báo cáo tuần\n\n📎 Tệp \"tonghop.xlsx\" không gửi được qua Zalo") {
		t.Fatalf("document: %+v", sent)
	}
	if err := a.Edit(ctx, "u1", "m1", outbound.Message{Text: "x"}); !errors.Is(err, chat.ErrCannotEdit) {
		t.Fatalf("edit: %v", err)
	}
}

func TestDecodeEvents(t *testing.T) {
	base := zalo.Event{UserID: "u1"}
	ev := func(name, text string) zalo.Event { e := base; e.Name, e.Text = name, text; return e }
	cases := []struct {
		in   zalo.Event
		kind chat.Kind
		want string
	}{
		{ev(zalo.EventUserSendText, "/thi"), chat.KindCommand, "thi"},
		{ev(zalo.EventUserSendText, " /KichHoat abcd-efgh"), chat.KindCommand, "kichhoat abcd-efgh"},
		{ev(zalo.EventUserSendText, "#qb a:12:0:3"), chat.KindCallback, "a:12:0:3"},
		{ev(zalo.EventUserSendText, "#qb"), chat.KindText, "#qb"},
		{ev(zalo.EventUserSendText, "b"), chat.KindText, "b"},
		{ev(zalo.EventFollow, ""), chat.KindFollow, ""},
		{ev(zalo.EventUnfollow, ""), chat.KindUnfollow, ""},
	}
	for _, tc := range cases {
		got, ok := zalo.Decode(tc.in)
		if !ok || got.Kind != tc.kind || got.Platform != quiz.PlatformZalo || got.ChatID != "u1" || !got.Private {
			t.Fatalf("%+v: %+v %v", tc.in, got, ok)
		}
		var s string
		switch got.Kind {
		case chat.KindCommand:
			s = strings.TrimSpace(got.Command + " " + got.Args)
		case chat.KindCallback:
			if got.Callback.ID != "" || got.Callback.MessageID != "" {
				t.Fatalf("callback %+v", got.Callback)
			}
			s = got.Callback.Data
		case chat.KindText:
			s = got.Text
		}
		if s != tc.want {
			t.Fatalf("%+v: %q, want %q", tc.in, s, tc.want)
		}
	}
	info := zalo.Event{Name: zalo.EventUserSubmitInfo, UserID: "u1", Phone: "84912000001", InfoName: "An"}
	if got, ok := zalo.Decode(info); !ok || got.Kind != chat.KindContact || got.Contact.Phone != "84912000001" || got.Contact.UserID != "u1" {
		t.Fatalf("submit info: %+v", got)
	}
	for _, e := range []zalo.Event{{Name: "user_seen_message", UserID: "u1"}, {Name: "user_send_image", UserID: "u1"}, {Name: zalo.EventUserSendText}} {
		if _, ok := zalo.Decode(e); ok {
			t.Fatalf("%+v decoded", e)
		}
	}
}
