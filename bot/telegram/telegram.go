// Package telegram connects the shared conversation (bot/chat) to Telegram
// through github.com/go-telegram/bot: it checks and decodes updates into
// chat events, which the conversation receives (chat.Bot.Receive: each
// update takes effect once), and renders chat messages as Bot API calls. It
// receives updates by webhook or long polling.
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
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
	"quizbot/quiz"
)

// Config is what the adapter needs from quizbot's configuration.
type Config struct {
	Token     string
	APIURL    string
	Secret    string // X-Telegram-Bot-Api-Secret-Token
	PublicURL string // when set, Telegram calls PUBLIC_URL/webhook/telegram
}

// WebhookPath is where Telegram posts updates.
const WebhookPath = "/webhook/telegram"

// maxBody bounds a webhook body; real updates are a few kilobytes.
const maxBody = 1 << 20

// Telegram is the Telegram side of the bot.
type Telegram struct {
	cfg  Config
	api  *tgbot.Bot
	hc   *http.Client // the client's HTTP client, which call uses too
	conv *chat.Bot
	log  *slog.Logger
	// username is the bot's own (getMe), to tell its commands from other
	// bots' in a group ("/thi@other_bot").
	username string
}

// New connects to the Bot API (checking the token with getMe) and attaches
// Telegram to the conversation.
func New(ctx context.Context, cfg Config, conv *chat.Bot, log *slog.Logger, opts ...tgbot.Option) (*Telegram, error) {
	t := &Telegram{cfg: cfg, conv: conv, log: log}
	// The default transport keeps 2 idle connections per host; a busy bot
	// talks to one host from many goroutines.
	t.hc = &http.Client{Timeout: 70 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConns: 200, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second,
		ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second,
	}}
	base := []tgbot.Option{
		tgbot.WithServerURL(cfg.APIURL),
		// Long polling: handlers run on the poller's goroutine, one update
		// at a time, in order. (The webhook does not use the handlers.)
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

// ServeHTTP is the webhook. It checks the secret in constant time, decodes
// the update, has the conversation receive it, and only then answers: 200
// once it took effect (or was done before), 503 while another delivery of
// it is being handled and 500 when it failed, so that Telegram delivers it
// again.
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
	ev, ok := EventFor(upd, t.username)
	if !ok {
		// Nothing quizbot uses (another bot's command, an edit…): nothing
		// to do, nor to remember.
		w.WriteHeader(http.StatusOK)
		return
	}
	// Telegram carries out one Bot API call given in the webhook's answer:
	// the callback query is answered that way, one HTTP call fewer per tap.
	reply := &webhookReply{}
	switch t.conv.Receive(context.WithValue(r.Context(), replyKey{}, reply), chat.Delivery{Key: updateKey(upd.ID), Event: ev}) {
	case chat.Handled:
		if reply.body != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.Write(reply.body)
			return
		}
		w.WriteHeader(http.StatusOK)
	case chat.Busy:
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// updateKey is an update's Delivery.Key: update_id is unique among the
// bot's updates and the same on every re-delivery.
func updateKey(id int64) string { return "tg:" + strconv.FormatInt(id, 10) }

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
	ID       int              `json:"message_id"`
	Date     int              `json:"date"`
	Chat     models.Chat      `json:"chat"`
	From     *models.User     `json:"from"`
	Text     string           `json:"text"`
	Contact  *models.Contact  `json:"contact"`
	Document *models.Document `json:"document"`
	Video    *models.Video    `json:"video"`
}

func (m *wireMessage) model() *models.Message {
	return &models.Message{ID: m.ID, Date: m.Date, Chat: m.Chat, From: m.From, Text: m.Text, Contact: m.Contact,
		Document: m.Document, Video: m.Video}
}

// handle is the client's default handler, which long polling calls for
// every update: the update goes through the conversation's Receive as a
// webhook's does. getUpdates has moved past it already, so an update that
// failed is not delivered again: it is logged.
func (t *Telegram) handle(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	ev, ok := EventFor(upd, t.username)
	if !ok {
		return // updates we do not use
	}
	if out := t.conv.Receive(ctx, chat.Delivery{Key: updateKey(upd.ID), Event: ev}); out != chat.Handled {
		t.log.Error("telegram: update not handled, long polling does not deliver it again", "update", upd.ID, "outcome", out)
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
		case fileRef(m) != nil:
			// A document or a video: an entry's file (/nopbai).
			ev.Kind, ev.File = chat.KindFile, fileRef(m)
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
