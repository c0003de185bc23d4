package zalo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"quizbot/bot/chat"
	"quizbot/outbound"
	"quizbot/quiz"
)

// WebhookPath is where Zalo posts the OA's events: set PUBLIC_URL +
// WebhookPath as the webhook URL in the Zalo app.
const WebhookPath = "/webhook/zalo"

// InfoImagePath is where quizbot serves the picture of the phone form
// (request_user_info requires an image_url).
const InfoImagePath = "/zalo/verify.png"

// PayloadPrefix starts the payload of every button quizbot sends: a tap
// comes back as a user_send_text whose text is the payload, and the prefix
// tells it from what a person types (nobody types "#qb ").
const PayloadPrefix = "#qb "

// handleTimeout bounds the handling of one event. Zalo stops waiting after
// about 2 s; the handling goes on regardless, so that a re-delivery finds
// it done rather than half done.
const handleTimeout = 30 * time.Second

// Redelivery is how long a handled event is remembered against Zalo's
// re-deliveries (chat.Delivery.Keep). Zalo re-delivers an event it got no
// 200 for after about 30 s, 5, 15 and 30 minutes and 1 hour (as reported:
// under 2 hours in all); 6 hours leave a wide margin, and Redis holds the
// marks of 6 hours of Zalo's events instead of two days'. A re-delivery
// after that would be handled again: its effects hold once (answers,
// attempts), a message may repeat.
const Redelivery = 6 * time.Hour

//go:embed verify.png
var infoImage []byte

// InfoImage serves the phone form's picture.
func InfoImage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(infoImage)
}

// Receiver is what the webhook hands each decoded event to: the
// conversation's inbound pipeline (chat.Bot.Receive), which de-duplicates
// re-deliveries by the delivery's key.
type Receiver interface {
	Receive(ctx context.Context, d chat.Delivery) chat.Outcome
}

// AdapterConfig is what the adapter needs besides the client.
type AdapterConfig struct {
	AppID       string
	OASecretKey string // checks the webhook's signatures
	// InfoImageURL is the phone form's picture (PUBLIC_URL +
	// InfoImagePath); without it the form cannot be sent.
	InfoImageURL string
	// Inbound records when each account last wrote, which bounds Zalo's
	// reply window (notify reads it), for the events the conversation does
	// not receive (an image, a sticker); the conversation records the
	// others (chat.Bot.RecordInbound). nil records nothing.
	Inbound quiz.InboundRecorder
	// Now is the clock the recorder is given (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
}

// Adapter is the Zalo OA as a chat platform: the webhook decodes events for
// the conversation, and Send renders its messages as consultation
// messages.
type Adapter struct {
	client *Client
	cfg    AdapterConfig
	conv   Receiver
	log    *slog.Logger
}

// NewAdapter returns the adapter over client and attaches it to conv, which
// then replies on Zalo through it.
func NewAdapter(client *Client, cfg AdapterConfig, conv *chat.Bot) *Adapter {
	a := &Adapter{client: client, cfg: cfg, conv: conv, log: cfg.Log}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	conv.Attach(quiz.PlatformZalo, a)
	return a
}

// Client is the OA's client, for what the conversation does not say
// (template messages by phone, the token status).
func (a *Adapter) Client() *Client { return a.client }

// Capabilities are the OA's: no edits, no menu, no tap acknowledgment, no
// files; five buttons; the phone form; consultation messages only within 7
// days of the person's last message (its 2,000 characters: TextLimit). The
// conversation's flow tests run on them too.
var Capabilities = chat.Capabilities{Buttons: MaxButtons, AskPhone: true, ReplyWindow: Window}

// Capabilities implements chat.Capable.
func (a *Adapter) Capabilities() chat.Capabilities { return Capabilities }

// TextLimit implements outbound.TextLimiter: 2,000 characters.
func (a *Adapter) TextLimit() int { return MaxText }

// ServeHTTP is the webhook: a bad or missing signature gets 401 and changes
// nothing; a signed event is decoded and handed to the conversation, and
// its outcome answered (200 handled, 503 busy, 500 failed: Zalo delivers
// the event again).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, err := ReadEvent(r, a.cfg.AppID, a.cfg.OASecretKey)
	switch {
	case errors.Is(err, ErrBadSignature):
		a.log.Warn("zalo webhook: refused", "err", err)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	case errors.Is(err, ErrTooLarge):
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, ErrUnknownShape):
		// Zalo's, but unreadable: a re-delivery would be the same.
		a.log.Warn("zalo webhook: event ignored", "event", ev.Name, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	case err != nil:
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	ce, ok := Decode(ev)
	if !ok {
		// Seen, delivered, images…: not the conversation's, but an image
		// is the person writing all the same.
		a.touchInbound(r.Context(), ev)
		w.WriteHeader(http.StatusOK)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), handleTimeout)
	defer cancel()
	// The conversation notes the reply window in the claim's round trip.
	d := chat.Delivery{Key: "zalo:" + ev.DedupKey(), Event: ce, Keep: Redelivery, Inbound: opensWindow(ev)}
	switch a.conv.Receive(ctx, d) {
	case chat.Handled:
		w.WriteHeader(http.StatusOK)
	case chat.Busy:
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// opensWindow tells the events a person sends (texts, taps, files, the
// form, a follow): each opens Zalo's reply window again. Receipts and
// unfollows do not.
func opensWindow(ev Event) bool {
	return ev.Name == EventFollow || ev.Name == EventUserSubmitInfo || strings.HasPrefix(ev.Name, "user_send_")
}

// touchInbound records that the sender of an event the conversation does
// not receive wrote to the OA (an image, a sticker). A failure is logged;
// it never fails the event.
func (a *Adapter) touchInbound(ctx context.Context, ev Event) {
	if a.cfg.Inbound == nil || ev.UserID == "" || !opensWindow(ev) {
		return
	}
	now := time.Now
	if a.cfg.Now != nil {
		now = a.cfg.Now
	}
	if err := a.cfg.Inbound.TouchInbound(ctx, quiz.PlatformZalo, ev.UserID, now()); err != nil {
		a.log.Warn("zalo: record last inbound time", "err", err)
	}
}

// ChannelProblem reports that the OA cannot send at all: no token pair, or
// one Zalo refused (an admin must run quizbot zalo connect). It reads the
// stored pair, and refreshes it if that is due.
func (a *Adapter) ChannelProblem(ctx context.Context) error {
	_, err := a.client.AccessToken(ctx)
	return err
}

// Window, RemindTemplate and SendRemindTemplate are the client's: notify
// reaches people outside Zalo's reply window through them.
func (a *Adapter) Window() time.Duration { return a.client.Window() }
func (a *Adapter) RemindTemplate() bool  { return a.client.RemindTemplate() }
func (a *Adapter) SendRemindTemplate(ctx context.Context, phone string, data map[string]string, trackingID string) (string, error) {
	return a.client.SendRemindTemplate(ctx, phone, data, trackingID)
}

// Decode turns a webhook event into the conversation's; ok is false for
// events quizbot does not act on. An OA chat is always one to one.
func Decode(ev Event) (chat.Event, bool) {
	if ev.UserID == "" {
		return chat.Event{}, false
	}
	ce := chat.Event{Platform: quiz.PlatformZalo, UserID: ev.UserID, ChatID: ev.UserID, Private: true}
	switch ev.Name {
	case EventUserSendText:
		text := ev.Text
		switch trimmed := strings.TrimSpace(text); {
		case strings.HasPrefix(text, PayloadPrefix):
			ce.Kind = chat.KindCallback
			ce.Callback = &chat.Callback{Data: strings.TrimPrefix(text, PayloadPrefix)}
		case strings.HasPrefix(trimmed, "/"):
			ce.Kind = chat.KindCommand
			ce.Command, ce.Args = chat.ParseCommand(trimmed)
		default:
			ce.Kind, ce.Text = chat.KindText, text
		}
	case EventUserSubmitInfo:
		// The form's phone is the person's word: VERIFY=code refuses it.
		ce.Kind, ce.Name = chat.KindContact, ev.InfoName
		ce.Contact = &chat.Contact{Phone: ev.Phone, UserID: ev.UserID}
	case EventUserSendFile, EventUserSendVideo:
		// An entry's file: fetched from its URL by FetchFile.
		for _, at := range ev.Attachments {
			if at.URL != "" {
				ce.Kind = chat.KindFile
				ce.File = &chat.FileRef{ID: at.URL, Name: at.Name, Size: at.Size}
				break
			}
		}
		if ce.File == nil {
			return chat.Event{}, false
		}
	case EventFollow:
		ce.Kind = chat.KindFollow
	case EventUnfollow:
		ce.Kind = chat.KindUnfollow
	default:
		return chat.Event{}, false
	}
	return ce, true
}

// Texts of what Zalo cannot show as Telegram does.
const (
	infoSubtitle = "Bấm vào đây để gửi số điện thoại đã đăng ký với cơ quan, đơn vị và xác thực tài khoản dự thi."
	moreButtons  = "Các lựa chọn tiếp theo:"
	textNoFiles  = "📎 Tệp \"%s\" không gửi được qua Zalo. Anh/chị vui lòng nhận tệp qua Telegram, hoặc đề nghị quản trị hệ thống xuất tệp bằng lệnh quizbot report."
)

// Send implements chat.Messenger: the text (in parts when over 2,000
// characters, never cut), the buttons under it as oa.query.hide buttons
// (five a message; more go under follow-up messages), the contact button
// as the phone form after the text. The menu has no equivalent and is
// left out (commands and /menu do its job); a document is replaced by a
// text saying where to get it, since quizbot does not upload files to
// Zalo. It returns the id of the last message sent.
func (a *Adapter) Send(ctx context.Context, chatID string, m outbound.Message) (string, error) {
	if m.Document != nil {
		note := fmt.Sprintf(textNoFiles, m.Document.Name)
		a.log.Info("zalo: a document was replaced by a note", "name", m.Document.Name)
		m = outbound.Message{Text: strings.TrimSpace(m.Text + "\n\n" + note)}
	}
	var buttons []Button
	for _, row := range m.Buttons {
		for _, b := range row {
			buttons = append(buttons, Button{Title: outbound.Clip(b.Text, MaxButtonTitle), Payload: PayloadPrefix + b.Data})
		}
	}
	var id string
	parts := outbound.Fit(outbound.Message{Text: m.Text}, MaxText)
	for i, p := range parts {
		zm := Message{Text: p.Text}
		if i == len(parts)-1 {
			zm.Buttons = buttons[:min(len(buttons), MaxButtons)]
			buttons = buttons[len(zm.Buttons):]
		}
		if strings.TrimSpace(zm.Text) == "" {
			continue // a form alone (no text) is sent below
		}
		var err error
		if id, err = a.client.Send(ctx, chatID, zm); err != nil {
			return "", err
		}
	}
	for len(buttons) > 0 {
		n := min(len(buttons), MaxButtons)
		var err error
		if id, err = a.client.Send(ctx, chatID, Message{Text: moreButtons, Buttons: buttons[:n]}); err != nil {
			return "", err
		}
		buttons = buttons[n:]
	}
	if m.ContactButton != "" {
		if a.cfg.InfoImageURL == "" {
			a.log.Error("zalo: the phone form needs PUBLIC_URL for its picture; not sent")
			return id, nil
		}
		return a.client.RequestUserInfo(ctx, chatID, InfoRequest{
			Title: outbound.Clip(m.ContactButton, MaxInfoTitle), Subtitle: infoSubtitle, ImageURL: a.cfg.InfoImageURL})
	}
	return id, nil
}

// Edit implements chat.Messenger: Zalo cannot edit a sent message, and the
// conversation, told so by Capabilities, does not ask.
func (a *Adapter) Edit(context.Context, string, string, outbound.Message) error {
	return fmt.Errorf("zalo: %w", chat.ErrCannotEdit)
}

// AnswerCallback implements chat.Messenger: a Zalo tap is a message of the
// person's, with nothing to acknowledge.
func (a *Adapter) AnswerCallback(context.Context, string, string) error { return nil }
