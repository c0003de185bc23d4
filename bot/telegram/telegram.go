// Package telegram connects the shared conversation (bot/chat) to Telegram
// through github.com/go-telegram/bot: it turns updates into chat events and
// chat messages into Bot API calls, receives updates by webhook or long
// polling, and delivers each update once.
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
)

// Config is what the adapter needs from quizbot's configuration.
type Config struct {
	Token     string
	APIURL    string
	Secret    string // X-Telegram-Bot-Api-Secret-Token
	PublicURL string // when set, Telegram calls PUBLIC_URL/webhook/telegram
	// Clock dates the claims' leases (quiz.SystemClock when nil).
	Clock quiz.Clock
	// LeaseTicks, for tests, gives the ticks on which the claims of the
	// updates in progress are renewed, and a function that stops them; by
	// default a ticker of a third of the lease.
	LeaseTicks func() (<-chan time.Time, func())
}

// claimLease is how long an update's claim holds without renewal: a
// delivery after a crash mid-update is processed once it has run out.
// While the update runs, its claim is renewed every third of it.
const claimLease = 15 * time.Second

// WebhookPath is where Telegram posts updates.
const WebhookPath = "/webhook/telegram"

// maxBody bounds a webhook body; real updates are a few kilobytes.
const maxBody = 1 << 20

// Telegram is the Telegram side of the bot.
type Telegram struct {
	cfg     Config
	api     *tgbot.Bot
	hc      *http.Client // the client's HTTP client, which call uses too
	conv    *chat.Bot
	updates *storage.Sessions
	log     *slog.Logger
	dedup   time.Duration
	// username is the bot's own (getMe), to tell its commands from other
	// bots' in a group ("/thi@other_bot").
	username string
	clock    quiz.Clock
	leases   *leases
}

type resultKey struct{}

// New connects to the Bot API (checking the token with getMe) and attaches
// Telegram to the conversation.
func New(ctx context.Context, cfg Config, conv *chat.Bot, rdb *redis.Client, log *slog.Logger, opts ...tgbot.Option) (*Telegram, error) {
	t := &Telegram{cfg: cfg, conv: conv, updates: storage.NewSessions(rdb), log: log, dedup: 48 * time.Hour, clock: cfg.Clock}
	if t.clock == nil {
		t.clock = quiz.SystemClock{}
	}
	t.leases = &leases{t: t}
	// The default transport keeps 2 idle connections per host; a busy bot
	// talks to one host from many goroutines.
	t.hc = &http.Client{Timeout: 70 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second,
		ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second,
	}}
	base := []tgbot.Option{
		tgbot.WithServerURL(cfg.APIURL),
		// Handlers run on the caller's goroutine so that the webhook answers
		// only once the update has been processed.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(t.handle),
		tgbot.WithErrorsHandler(func(err error) { log.Warn("telegram", "err", redactToken(err.Error(), cfg.Token)) }),
		tgbot.WithHTTPClient(time.Minute, t.hc),
		tgbot.WithAllowedUpdates(tgbot.AllowedUpdates{"message", "callback_query"}),
		// getMe is called below, where its answer (the username) is kept.
		tgbot.WithSkipGetMe(),
	}
	api, err := tgbot.New(cfg.Token, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", redactToken(err.Error(), cfg.Token))
	}
	t.api = api
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	me, err := api.GetMe(mctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe: %s", redactToken(err.Error(), cfg.Token))
	}
	t.username = me.Username
	conv.Attach(quiz.PlatformTelegram, t)
	return t, nil
}

// API exposes the client, for notifications that send documents.
func (t *Telegram) API() *tgbot.Bot { return t.api }

// redactToken keeps the bot token out of logs: the client's errors can
// contain request URLs, which carry it.
func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}

// Run receives updates until ctx ends: it registers the webhook when
// PUBLIC_URL is set, otherwise it long-polls getUpdates.
func (t *Telegram) Run(ctx context.Context) error {
	if t.cfg.PublicURL != "" {
		_, err := t.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            t.cfg.PublicURL + WebhookPath,
			SecretToken:    t.cfg.Secret,
			AllowedUpdates: []string{"message", "callback_query"},
		})
		if err != nil {
			return fmt.Errorf("set telegram webhook: %s", redactToken(err.Error(), t.cfg.Token))
		}
		t.log.Info("telegram webhook registered", "url", t.cfg.PublicURL+WebhookPath)
		<-ctx.Done()
		return nil
	}
	if _, err := t.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("delete telegram webhook before polling: %s", redactToken(err.Error(), t.cfg.Token))
	}
	t.log.Info("telegram long polling started")
	t.api.Start(ctx)
	return nil
}

// ServeHTTP is the webhook. It checks the secret in constant time, processes
// the update, and only then answers: 200 once it took effect, 5xx when it
// failed so that Telegram delivers it again.
func (t *Telegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if t.cfg.Secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.cfg.Secret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := readBody(r.Body, r.ContentLength, maxBody)
	if err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	upd, err := DecodeUpdate(body)
	if err != nil {
		t.log.Warn("telegram webhook: undecodable update", "err", err)
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	// Telegram carries out one Bot API call given in the webhook's answer:
	// the callback query is answered that way, one HTTP call fewer per tap.
	reply := &webhookReply{}
	status := t.Process(context.WithValue(r.Context(), replyKey{}, reply), upd)
	if status == http.StatusOK && reply.body != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(reply.body)
		return
	}
	w.WriteHeader(status)
}

type replyKey struct{}

// readBody reads a body of at most max bytes, in one allocation when its
// length is known (io.ReadAll grows its buffer from 512 bytes).
func readBody(r io.Reader, length, max int64) ([]byte, error) {
	if length < 0 || length > max {
		b, err := io.ReadAll(io.LimitReader(r, max+1))
		if err == nil && int64(len(b)) > max {
			err = fmt.Errorf("body over %d bytes", max)
		}
		return b, err
	}
	b := make([]byte, length)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// webhookReply is the Bot API call to make in the webhook's answer. It is
// used only when the update succeeds; after a failure Telegram delivers the
// update again and the call is made then.
type webhookReply struct {
	body []byte
}

// replyInWebhook puts a call into the webhook's answer, if this is a webhook
// request whose answer has no call yet.
func replyInWebhook(ctx context.Context, method string, params map[string]any) bool {
	reply, ok := ctx.Value(replyKey{}).(*webhookReply)
	if !ok || reply.body != nil {
		return false
	}
	params["method"] = method
	b, err := json.Marshal(params)
	if err != nil {
		return false
	}
	reply.body = b
	return true
}

// DecodeUpdate parses a webhook body into the fields quizbot reads (those
// of Event and sender); the rest of the update is skipped. Decoding into the
// whole models.Update builds every field of every message, the callback's
// message twice (its UnmarshalJSON reads it once for the date, once in
// full), which was a sixth of the cost of an answer in the webhook.
func DecodeUpdate(body []byte) (*models.Update, error) {
	var w wireUpdate
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("decode update: %w", err)
	}
	if w.ID <= 0 {
		return nil, errors.New("decode update: missing update_id")
	}
	upd := &models.Update{ID: w.ID}
	if m := w.Message; m != nil {
		upd.Message = m.model()
	}
	if q := w.CallbackQuery; q != nil {
		upd.CallbackQuery = &models.CallbackQuery{ID: q.ID, From: q.From, Data: q.Data, ChatInstance: q.ChatInstance}
		if q.Message != nil {
			// As models.MaybeInaccessibleMessage decides: a message with
			// date 0 is one the bot can no longer access.
			var m wireMessage
			if err := json.Unmarshal(q.Message, &m); err != nil {
				return nil, fmt.Errorf("decode update: callback message: %w", err)
			}
			if m.Date == 0 {
				upd.CallbackQuery.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage,
					InaccessibleMessage: &models.InaccessibleMessage{Chat: m.Chat, MessageID: m.ID}}
			} else {
				upd.CallbackQuery.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
					Message: m.model()}
			}
		}
	}
	return upd, nil
}

// wireUpdate is the part of a Bot API Update that quizbot reads.
type wireUpdate struct {
	ID            int64        `json:"update_id"`
	Message       *wireMessage `json:"message"`
	CallbackQuery *struct {
		ID           string          `json:"id"`
		From         models.User     `json:"from"`
		Message      json.RawMessage `json:"message"`
		ChatInstance string          `json:"chat_instance"`
		Data         string          `json:"data"`
	} `json:"callback_query"`
}

type wireMessage struct {
	ID      int             `json:"message_id"`
	Date    int             `json:"date"`
	Chat    models.Chat     `json:"chat"`
	From    *models.User    `json:"from"`
	Text    string          `json:"text"`
	Contact *models.Contact `json:"contact"`
}

func (m *wireMessage) model() *models.Message {
	return &models.Message{ID: m.ID, Date: m.Date, Chat: m.Chat, From: m.From, Text: m.Text, Contact: m.Contact}
}

// Process handles one update once, whatever the number of deliveries, and
// returns the HTTP status for the webhook.
func (t *Telegram) Process(ctx context.Context, upd *models.Update) int {
	claim := storage.NewClaim("qb:tg:upd:" + strconv.FormatInt(upd.ID, 10))
	// Claimed while processing, "d" once done, "r" after a failure. A
	// delivery that finds a live claim is a concurrent duplicate: 503 makes
	// Telegram come back when it is done. The claim is a short lease that
	// this process renews while it runs the update, so that after a crash
	// the next delivery takes over within seconds. The same round trip reads
	// the sender's cached member and session, and the one that marks the
	// update done saves the session of the question it showed.
	// A new update also counts toward its sender's rate, in the same round
	// trip (chat.Bot decides what is over it).
	from := sender(upd)
	var rate []storage.RateWindow
	start, window, limited := t.conv.RateWindow()
	if limited {
		rate = append(rate, storage.RateWindow{Start: start, Length: window})
	}
	prev, acc, count, err := t.updates.ClaimUpdate(ctx, claim, claimLease, t.clock.Now(), quiz.PlatformTelegram, from, rate...)
	switch {
	case err != nil:
		t.log.Error("telegram: dedup", "update", upd.ID, "err", err)
		return http.StatusServiceUnavailable
	case prev == "d":
		return http.StatusOK
	case prev == "r":
		ctx = chat.Redelivered(ctx)
	case prev != "":
		return http.StatusServiceUnavailable
	}
	ctx = quiz.WithAccount(ctx, quiz.PlatformTelegram, from, acc)
	if limited {
		ctx = chat.WithEventCount(ctx, count)
	}
	stop := t.hold(claim)
	failed := t.dispatch(ctx, upd)
	stop()
	state := "d"
	if failed != nil {
		t.log.Error("telegram: update failed, Telegram will retry", "update", upd.ID, "err", redactToken(failed.Error(), t.cfg.Token))
		state = "r"
	}
	var shown *quiz.Session
	sess, ttl, ok := quiz.Shown(ctx)
	if ok {
		shown = &sess
	}
	if err := t.updates.EndClaim(context.WithoutCancel(ctx), claim, state, t.dedup, shown, ttl); err != nil {
		// "d" lost: a delivery after the claim lapses would run the
		// update again; answers and attempts are idempotent, messages may
		// repeat. "r" lost: the retry runs once the claim lapses. A lost
		// session save is caught up from Postgres at the member's next tap.
		t.log.Error("telegram: dedup: mark update", "update", upd.ID, "state", state, "err", err)
	}
	if failed != nil {
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// hold keeps the update's claim renewed while it is processed, until the
// returned function is called. Every update in progress shares one renewer
// goroutine (leases), so that an update costs a map entry rather than a
// goroutine and a timer of its own.
func (t *Telegram) hold(claim storage.Claim) (stop func()) {
	return t.leases.hold(claim)
}

// leases renews the claims of the updates in progress, on one goroutine
// that runs while there are any: on each tick (a third of the lease) it
// extends every claim held. A renewal that fails is logged and tried at the
// next tick; one that finds the claim taken over (this process stalled past
// the lease) drops it.
type leases struct {
	t       *Telegram
	mu      sync.Mutex
	claims  map[string]storage.Claim // by token
	running bool
}

func (l *leases) hold(c storage.Claim) (stop func()) {
	l.mu.Lock()
	if l.claims == nil {
		l.claims = make(map[string]storage.Claim)
	}
	l.claims[c.Token] = c
	if !l.running {
		l.running = true
		go l.run()
	}
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.claims, c.Token)
		l.mu.Unlock()
	}
}

func (l *leases) run() {
	var ticks <-chan time.Time
	var stopTicks func()
	if l.t.cfg.LeaseTicks != nil {
		ticks, stopTicks = l.t.cfg.LeaseTicks()
	} else {
		tk := time.NewTicker(claimLease / 3)
		ticks, stopTicks = tk.C, tk.Stop
	}
	defer stopTicks()
	var held []storage.Claim
	for range ticks {
		l.mu.Lock()
		if len(l.claims) == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		held = held[:0]
		for _, c := range l.claims {
			held = append(held, c)
		}
		l.mu.Unlock()
		now := l.t.clock.Now()
		for _, c := range held {
			ok, err := l.t.updates.RenewClaim(context.Background(), c, claimLease, now)
			if err != nil {
				l.t.log.Warn("telegram: renew update claim", "key", c.Key, "err", err)
				continue
			}
			if !ok {
				l.mu.Lock()
				_, live := l.claims[c.Token] // else it ended meanwhile: nothing to say
				delete(l.claims, c.Token)
				l.mu.Unlock()
				if live {
					l.t.log.Warn("telegram: update claim taken over by another delivery", "key", c.Key)
				}
			}
		}
	}
}

// sender is the account an update comes from ("" when it has none).
func sender(upd *models.Update) string {
	switch {
	case upd.Message != nil && upd.Message.From != nil:
		return strconv.FormatInt(upd.Message.From.ID, 10)
	case upd.CallbackQuery != nil:
		return strconv.FormatInt(upd.CallbackQuery.From.ID, 10)
	}
	return ""
}

// dispatch runs the update through the client's handler chain and returns
// the handler's error (a panic in it included: handle recovers, for long
// polling as for the webhook).
func (t *Telegram) dispatch(ctx context.Context, upd *models.Update) error {
	var res error
	t.api.ProcessUpdate(context.WithValue(ctx, resultKey{}, &res), upd)
	return res
}

// handle is the client's default handler: every update comes here, is turned
// into a chat event and handed to the conversation.
func (t *Telegram) handle(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				t.log.Error("telegram: panic in handler", "update", upd.ID, "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		ev, ok := EventFor(upd, t.username)
		if !ok {
			return nil // updates we do not use
		}
		return t.conv.Handle(ctx, ev)
	}()
	if res, ok := ctx.Value(resultKey{}).(*error); ok {
		*res = err
	} else if err != nil {
		// Long polling: the update cannot be re-delivered; log it.
		t.log.Error("telegram: update failed", "update", upd.ID, "err", redactToken(err.Error(), t.cfg.Token))
	}
}

// Event translates a Telegram update into a chat event, taking every
// command for the bot's (EventFor tells other bots' apart).
func Event(upd *models.Update) (chat.Event, bool) { return EventFor(upd, "") }

// EventFor translates a Telegram update into a chat event for the bot
// named username: ok is false for what the bot does not use, a command
// addressed to another bot included.
func EventFor(upd *models.Update, username string) (chat.Event, bool) {
	switch {
	case upd.Message != nil:
		m := upd.Message
		if m.From == nil {
			return chat.Event{}, false
		}
		ev := chat.Event{
			Platform: quiz.PlatformTelegram,
			UserID:   strconv.FormatInt(m.From.ID, 10),
			ChatID:   strconv.FormatInt(m.Chat.ID, 10),
			Private:  m.Chat.Type == models.ChatTypePrivate,
			Name:     strings.TrimSpace(m.From.FirstName + " " + m.From.LastName),
			// A chat's message ids count up for both sides' messages.
			MessageSeq: int64(m.ID),
		}
		switch {
		case m.Contact != nil:
			ev.Kind = chat.KindContact
			ev.Contact = &chat.Contact{Phone: m.Contact.PhoneNumber}
			if m.Contact.UserID != 0 {
				ev.Contact.UserID = strconv.FormatInt(m.Contact.UserID, 10)
			}
		case strings.HasPrefix(m.Text, "/"):
			ev.Kind = chat.KindCommand
			var ours bool
			if ev.Command, ev.Args, ours = chat.CommandFor(m.Text, username); !ours {
				return chat.Event{}, false
			}
		case m.Text != "":
			ev.Kind = chat.KindText
			ev.Text = m.Text
		default:
			return chat.Event{}, false
		}
		return ev, true
	case upd.CallbackQuery != nil:
		q := upd.CallbackQuery
		ev := chat.Event{
			Platform: quiz.PlatformTelegram,
			UserID:   strconv.FormatInt(q.From.ID, 10),
			Kind:     chat.KindCallback,
			Callback: &chat.Callback{ID: q.ID, Data: q.Data},
		}
		switch {
		case q.Message.Message != nil:
			ev.ChatID = strconv.FormatInt(q.Message.Message.Chat.ID, 10)
			ev.Private = q.Message.Message.Chat.Type == models.ChatTypePrivate
			ev.Callback.MessageID = strconv.Itoa(q.Message.Message.ID)
		case q.Message.InaccessibleMessage != nil:
			ev.ChatID = strconv.FormatInt(q.Message.InaccessibleMessage.Chat.ID, 10)
			ev.Private = ev.ChatID == ev.UserID
			if id := q.Message.InaccessibleMessage.MessageID; id != 0 {
				ev.Callback.MessageID = strconv.Itoa(id)
			}
		default:
			ev.ChatID = ev.UserID
			ev.Private = true
		}
		return ev, true
	}
	return chat.Event{}, false
}
