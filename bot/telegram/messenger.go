package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
)

// MaxText is the longest message text the Bot API accepts, in UTF-16 code
// units (chat.TextLen).
const MaxText = 4096

// Send implements chat.Messenger. Text messages go out through call, as
// JSON; documents through the library, which uploads them as multipart.
func (t *Telegram) Send(ctx context.Context, chatID string, m chat.Message) (string, error) {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("telegram chat id %q: %w", chatID, err)
	}
	if m.Document != nil {
		msg, err := t.api.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:   id,
			Document: &models.InputFileUpload{Filename: m.Document.Name, Data: bytes.NewReader(m.Document.Data)},
			Caption:  m.Text,
		})
		if err != nil {
			return "", t.wrap("sendDocument", err)
		}
		return strconv.Itoa(msg.ID), nil
	}
	// Only the new message's id is used: decoding the whole Message costs
	// more than the rest of the answer's JSON.
	var msg struct {
		ID int `json:"message_id"`
	}
	err = t.call(ctx, "sendMessage", &tgbot.SendMessageParams{
		ChatID:      id,
		Text:        m.Text,
		ReplyMarkup: markup(m),
	}, &msg)
	if err != nil {
		return "", t.wrap("sendMessage", err)
	}
	return strconv.Itoa(msg.ID), nil
}

// Edit implements chat.Messenger; "message is not modified" is success.
func (t *Telegram) Edit(ctx context.Context, chatID, messageID string, m chat.Message) error {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram chat id %q: %w", chatID, err)
	}
	mid, err := strconv.Atoi(messageID)
	if err != nil {
		return fmt.Errorf("telegram message id %q: %w", messageID, err)
	}
	p := &tgbot.EditMessageTextParams{ChatID: id, MessageID: mid, Text: m.Text}
	if len(m.Buttons) > 0 {
		p.ReplyMarkup = inline(m.Buttons)
	}
	// The edited message that comes back is not needed: dest nil.
	err = t.call(ctx, "editMessageText", p, nil)
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return nil
	}
	if err != nil {
		return t.wrap("editMessageText", err)
	}
	return nil
}

// AnswerCallback implements chat.Messenger.
func (t *Telegram) AnswerCallback(ctx context.Context, callbackID, text string) error {
	params := map[string]any{"callback_query_id": callbackID}
	if text != "" {
		params["text"] = text
	}
	if replyInWebhook(ctx, "answerCallbackQuery", params) {
		return nil
	}
	err := t.call(ctx, "answerCallbackQuery", &tgbot.AnswerCallbackQueryParams{CallbackQueryID: callbackID, Text: text}, nil)
	if err != nil {
		return t.wrap("answerCallbackQuery", err)
	}
	return nil
}

// wrap turns the client's errors into the conversation's: 429 into
// *chat.RateLimitError, 403 into chat.ErrUnreachable; the token is never in
// the text.
func (t *Telegram) wrap(method string, err error) error {
	msg := fmt.Errorf("telegram %s: %s", method, redactToken(err.Error(), t.cfg.Token))
	var tm *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tm):
		return &chat.RateLimitError{RetryAfter: time.Duration(tm.RetryAfter) * time.Second, Err: msg}
	case errors.Is(err, tgbot.ErrorForbidden):
		return fmt.Errorf("%w: %w", chat.ErrUnreachable, msg)
	case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "chat not found"):
		return fmt.Errorf("%w: %w", chat.ErrUnreachable, msg)
	case errors.Is(err, tgbot.ErrorBadRequest):
		return fmt.Errorf("%w: %w", chat.ErrRejected, msg)
	}
	return msg
}

func markup(m chat.Message) models.ReplyMarkup {
	switch {
	case len(m.Buttons) > 0:
		return inline(m.Buttons)
	case m.ContactButton != "":
		return &models.ReplyKeyboardMarkup{
			Keyboard:       [][]models.KeyboardButton{{{Text: m.ContactButton, RequestContact: true}}},
			ResizeKeyboard: true, OneTimeKeyboard: true,
		}
	case len(m.Menu) > 0:
		rows := make([][]models.KeyboardButton, len(m.Menu))
		for i, row := range m.Menu {
			for _, label := range row {
				rows[i] = append(rows[i], models.KeyboardButton{Text: label})
			}
		}
		return &models.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true, IsPersistent: true}
	case m.RemoveMenu:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

func inline(rows [][]chat.Button) *models.InlineKeyboardMarkup {
	kb := make([][]models.InlineKeyboardButton, len(rows))
	for i, row := range rows {
		for _, b := range row {
			kb[i] = append(kb[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}
