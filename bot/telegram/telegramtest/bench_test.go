package telegramtest_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"quizbot/bot/telegram/telegramtest"
)

// BenchmarkAnswerRound measures the fake's cost for what one quiz answer
// costs the bot: answer the query, edit the question, send the next one.
// The quiz benchmark of issue 3 runs through the fake, so the fake must
// not be its bottleneck.
func BenchmarkAnswerRound(b *testing.B) {
	fake := telegramtest.New(b)
	// The default transport keeps 2 idle connections per host: with more
	// concurrent calls it would dial and tear down connections, and measure
	// that instead of the fake.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	client, err := bot.New(fake.Token(), bot.WithServerURL(fake.URL()), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, hc))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8) // many members answer at once; calls wait on the network more than on CPU
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chat := 1000 + next.Add(1)
		msg, err := client.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Câu 1", ReplyMarkup: quizKeyboard("a", "b")})
		if err != nil {
			b.Error(err)
			return
		}
		i := 0
		for pb.Next() {
			i++
			m, _ := fake.Message(chat, msg.ID)
			u := fake.CallbackQuery(user, m, "a")
			if _, err := client.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID}); err != nil {
				b.Error(err)
				return
			}
			if _, err := client.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: msg.ID, Text: "Câu " + string(rune('0'+i%10)) + " đã chọn A"}); err != nil {
				b.Error(err)
				return
			}
			msg, err = client.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Câu tiếp", ReplyMarkup: quizKeyboard("a", "b")})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	fake.ForgetCalls()
}
