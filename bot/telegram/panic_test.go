package telegram_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
	"quizbot/bot/telegram"
	"quizbot/bot/telegram/telegramtest"
)

// TestPanicInHandlerIsRecovered: a handler that panics (here: a
// conversation without its quiz service) answers 500, so that Telegram
// delivers the update again, logs the panic, and the server keeps serving.
// (The pipeline's own tests are bot/chat's: here, what Telegram hears.)
func TestPanicInHandlerIsRecovered(t *testing.T) {
	fake := telegramtest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	conv := chat.New(nil, nil, log)
	tg, err := telegram.New(context.Background(), telegram.Config{Token: fake.Token(), APIURL: fake.URL(), Secret: "s"}, conv, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(tg)
	defer srv.Close()
	u := models.User{ID: 7, FirstName: "An"}
	for range 2 {
		if resp := fake.Post(t, srv.URL, "s", fake.Command(u, "start")); resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "panic handling an event") {
		t.Fatalf("panic not logged:\n%s", logs.String())
	}
}
