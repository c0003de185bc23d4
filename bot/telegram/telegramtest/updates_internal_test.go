package telegramtest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestCallbackQueryJSON: the update CallbackQueryJSON writes decodes to
// what CallbackQuery builds, for every kind of message a query can be on.
func TestCallbackQueryJSON(t *testing.T) {
	f := New(t)
	b, err := bot.New(f.Token(), bot.WithServerURL(f.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const chat = 501
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "A <1>", CallbackData: "a:1"}, {Text: "Mở", URL: "https://example.org/?a=1&b=2"}},
		{{Text: "Chép", CopyText: models.CopyTextButton{Text: "MÃ-123"}}},
	}}
	q, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Câu 1 <b>\"Hà Nội\"</b> & 🎉", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "hai"})
	edited, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "ba", ReplyMarkup: kb})
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: edited.ID, Text: "ba đã sửa"}); err != nil {
		t.Fatal(err)
	}
	gone, _ := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "bốn"})
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chat, MessageID: gone.ID}); err != nil {
		t.Fatal(err)
	}
	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chat, Document: &models.InputFileString{Data: "https://example.org/r.xlsx"}, Caption: "Báo cáo"})
	if err != nil {
		t.Fatal(err)
	}
	f.NewMessage(models.Message{From: &models.User{ID: chat, FirstName: "Lan"}, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate, FirstName: "Lan", LastName: "Nguyễn", Username: "lan_nguyen"}, Text: "hi"})

	full := models.User{ID: chat, FirstName: "Lan", LastName: "Nguyễn", Username: "lan_nguyen", LanguageCode: "vi", IsPremium: true}
	for _, tc := range []struct {
		name string
		msg  Message
		data string
	}{
		{"keyboard", Message{ChatID: chat, ID: q.ID}, "a:1"},
		{"plain", Message{ChatID: chat, ID: plain.ID}, "x"},
		{"edited", Message{ChatID: chat, ID: edited.ID}, "a:<&>"},
		{"deleted", Message{ChatID: chat, ID: gone.ID}, "stale"},
		{"document", Message{ChatID: chat, ID: doc.ID}, "d"},
		{"unknown message, no data", Message{ChatID: 777, ID: 9}, ""},
	} {
		u := f.CallbackQuery(full, tc.msg, tc.data)
		var want, got models.Update
		if err := json.Unmarshal([]byte(String(u)), &want); err != nil {
			t.Fatal(err)
		}
		raw := f.CallbackQueryJSON(full, tc.msg, tc.data)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, raw)
		}
		if got.ID != want.ID+1 || got.CallbackQuery.ID == want.CallbackQuery.ID {
			t.Errorf("%s: ids %d/%s after %d/%s: want fresh ones", tc.name, got.ID, got.CallbackQuery.ID, want.ID, want.CallbackQuery.ID)
		}
		if _, ok := f.callbacks[got.CallbackQuery.ID]; !ok {
			t.Errorf("%s: query %s not registered", tc.name, got.CallbackQuery.ID)
		}
		got.ID, got.CallbackQuery.ID = want.ID, want.CallbackQuery.ID
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, raw, String(u))
		}
	}
}
