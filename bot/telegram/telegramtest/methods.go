package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// Button is one button of a keyboard, inline or reply.
type Button struct {
	Text            string
	CallbackData    string // inline buttons
	URL             string // inline buttons
	RequestContact  bool   // reply keyboard buttons
	RequestLocation bool   // reply keyboard buttons
}

// Message is a message in a chat as the user sees it now, after edits.
type Message struct {
	ChatID    int64
	ID        int
	FromBot   bool
	Method    string // the method that sent a bot message: "sendMessage", "sendDocument"…
	Text      string // visible text, markup parsed away; a document's caption
	RawText   string // text (or caption) as sent, with its markup
	ParseMode string // "", "HTML", "Markdown" or "MarkdownV2"
	// Buttons is the inline keyboard attached to the message, if any.
	Buttons [][]Button
	// Markup is the reply_markup sent with the message as canonical JSON
	// (zero values dropped), "" if none; for inline keyboards, kept in step
	// with edits.
	Markup   string
	Document *File
	Date     time.Time
	EditDate time.Time // zero if never edited
	Edits    int
}

// Button returns the inline button labelled text.
func (m Message) Button(text string) (Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Labels lists the inline buttons' labels, row by row.
func (m Message) Labels() []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

type msgState struct {
	Message
	deleted bool
}

type chatState struct {
	info     models.Chat // change it with setInfo
	infoRaw  []byte      // info as JSON, once asked for
	started  bool        // the user wrote to the bot: it may message them
	lastID   int
	msgs     []*msgState
	byID     map[int]*msgState
	keyboard [][]Button // reply keyboard shown under the input field
	oneTime  bool
}

type callbackState struct {
	chatID   int64
	answered bool
	answer   CallbackAnswer
}

// CallbackAnswer is what the bot answered to a callback query.
type CallbackAnswer struct {
	Text      string
	ShowAlert bool
	URL       string
}

// WebhookState is the webhook configuration the bot set.
type WebhookState struct {
	URL                string
	SecretToken        string
	MaxConnections     int
	AllowedUpdates     []string
	DropPendingUpdates bool // of the last setWebhook or deleteWebhook
}

func (f *Fake) chatLocked(id int64) *chatState {
	c, ok := f.chats[id]
	if !ok {
		c = &chatState{info: defaultChat(id), byID: map[int]*msgState{}}
		f.chats[id] = c
	}
	return c
}

// defaultChat describes a chat the fake has seen no update from, by the
// shape of its id: positive ids are users, -100… supergroups, other
// negative ids basic groups.
func defaultChat(id int64) models.Chat {
	switch {
	case id > 0:
		return models.Chat{ID: id, Type: models.ChatTypePrivate, FirstName: fmt.Sprintf("User %d", id)}
	case id <= -1000000000000:
		return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: fmt.Sprintf("Supergroup %d", -id)}
	}
	return models.Chat{ID: id, Type: models.ChatTypeGroup, Title: fmt.Sprintf("Group %d", -id)}
}

func (c *chatState) setInfo(info models.Chat) {
	c.info, c.infoRaw = info, nil
}

// infoJSON is the chat as messages carry it, encoded once per change.
func (c *chatState) infoJSON() []byte {
	if c.infoRaw == nil {
		c.infoRaw = mustJSON(c.info)
	}
	return c.infoRaw
}

func (c *chatState) add(m *msgState) {
	c.lastID++
	m.ID = c.lastID
	c.msgs = append(c.msgs, m)
	c.byID[m.ID] = m
}

// chatOfLocked finds the chat a call is aimed at, for failure injection and
// blocks.
func (f *Fake) chatOfLocked(call *Call) int64 {
	if v := call.Params["chat_id"]; v != "" {
		id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return id
	}
	if q, ok := f.callbacks[call.Params["callback_query_id"]]; ok {
		return q.chatID
	}
	return 0
}

var (
	actions = map[string]bool{
		"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
		"record_voice": true, "upload_voice": true, "upload_document": true,
		"choose_sticker": true, "find_location": true, "record_video_note": true,
		"upload_video_note": true,
	}
	commandRe     = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	secretTokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// checkLimits applies the rules of the real server that the spec's types
// do not express. It needs no state, so it runs before injected failures,
// like the real server's own parameter checks.
func (f *Fake) checkLimits(call *Call) *apiError {
	p := call.Params
	var chatID int64
	if v, ok := p["chat_id"]; ok && strings.TrimSpace(v) != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id == 0 {
			// "@username" chats are not modelled: the fake knows none.
			return badRequest("chat not found")
		}
		chatID = id
	}
	mode, err := normalizeParseMode(p["parse_mode"])
	if err != nil {
		return badRequest("%v", err)
	}
	switch call.Method {
	case "sendMessage", "editMessageText":
		if call.Method == "editMessageText" && strings.TrimSpace(p["text"]) == "" && p["rich_message"] == "" {
			return badRequest("message text is empty")
		}
		if p["text"] != "" {
			visible, err := visibleText(p["text"], mode)
			if err != nil {
				return badRequest("%v", err)
			}
			if strings.TrimSpace(visible) == "" {
				return badRequest("message text is empty")
			}
			if TextLength(visible) > MaxTextLength {
				return badRequest("message is too long")
			}
		}
	case "answerCallbackQuery":
		if TextLength(p["text"]) > MaxCallbackAnswerLength {
			return badRequest("MESSAGE_TOO_LONG")
		}
	case "sendChatAction":
		if !actions[p["action"]] {
			return badRequest("wrong parameter action in request")
		}
	case "setMyCommands":
		var cmds []struct {
			Command     string `json:"command"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			return badRequest("can't parse commands JSON object")
		}
		if len(cmds) > 100 {
			return badRequest("BOT_COMMANDS_TOO_MUCH")
		}
		for _, c := range cmds {
			if !commandRe.MatchString(c.Command) {
				return badRequest("BOT_COMMAND_INVALID")
			}
			if n := TextLength(c.Description); n < 1 || n > 256 {
				return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
			}
		}
	case "setWebhook":
		if e := checkWebhook(p); e != nil {
			return e
		}
	}
	if c, ok := p["caption"]; ok && c != "" {
		visible, err := visibleText(c, mode)
		if err != nil {
			return badRequest("%v", err)
		}
		if TextLength(visible) > MaxCaptionLength {
			return badRequest("message caption is too long")
		}
	}
	if raw, ok := p["reply_markup"]; ok && strings.TrimSpace(raw) != "" {
		mk, err := parseMarkup(raw, chatID, call.memo)
		if err != nil {
			return err
		}
		call.markup = mk
	}
	return nil
}

func checkWebhook(p map[string]string) *apiError {
	if u := p["url"]; u != "" {
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host == "" {
			return badRequest("bad webhook: invalid webhook URL specified")
		}
		if parsed.Scheme != "https" {
			return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
		}
		switch parsed.Port() {
		case "", "443", "80", "88", "8443":
		default:
			return badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
		}
	}
	if s, ok := p["secret_token"]; ok && s != "" && !secretTokenRe.MatchString(s) {
		return badRequest("secret token contains unallowed characters")
	}
	if v, ok := p["max_connections"]; ok && v != "" {
		if n, _ := strconv.Atoi(v); n < 1 || n > 100 {
			return badRequest("bad webhook: max_connections must be between 1 and 100")
		}
	}
	return nil
}

// markup is the parsed reply_markup of a call.
type markup struct {
	inline    [][]Button
	keyboard  [][]Button
	oneTime   bool
	remove    bool
	canonical string // zero values dropped, keys sorted
	isInline  bool
}

// parseMarkup reads a reply_markup the spec already accepted and applies
// the real server's rules on buttons.
func parseMarkup(raw string, chatID int64, memo jsonMemo) (*markup, *apiError) {
	obj, err := memo.decode(raw)
	if err != nil || obj.kind() != jObject {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	canonical, dropped := appendCanonical(make([]byte, 0, len(raw)), obj, true)
	if dropped {
		canonical = append(canonical, "null"...)
	}
	m := &markup{canonical: string(canonical)}
	if rows, ok := obj.get("inline_keyboard"); ok && rows.kind() == jArray {
		m.isInline = true
		if n := count(rows); n > 0 {
			m.inline = make([][]Button, 0, n)
		}
		var e *apiError
		rows.children(func(row jval) bool {
			var out []Button
			if n := count(row); n > 0 {
				out = make([]Button, 0, n)
			}
			row.children(func(b jval) bool { // the spec check made sure of the shape
				text, _ := b.get("text")
				url, _ := b.get("url")
				btn := Button{Text: text.textOf(), URL: url.textOf()}
				if cd, has := b.get("callback_data"); has {
					btn.CallbackData = cd.textOf()
					if n := len(btn.CallbackData); n < 1 || n > MaxCallbackDataBytes {
						e = badRequest("BUTTON_DATA_INVALID")
						return false
					}
				}
				if !hasAction(b) {
					e = badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
					return false
				}
				out = append(out, btn)
				return true
			})
			m.inline = append(m.inline, out)
			return e == nil
		})
		if e != nil {
			return nil, e
		}
		return m, nil
	}
	if rows, ok := obj.get("keyboard"); ok && rows.kind() == jArray {
		var e *apiError
		rows.children(func(row jval) bool {
			var out []Button
			row.children(func(b jval) bool { // the spec check made sure of the shape
				text, _ := b.get("text")
				contact, _ := b.get("request_contact")
				location, _ := b.get("request_location")
				btn := Button{Text: text.textOf(), RequestContact: contact.isTrue(), RequestLocation: location.isTrue()}
				if btn.RequestContact && chatID <= 0 {
					e = badRequest("phone number can be requested in private chats only")
					return false
				}
				if btn.RequestLocation && chatID <= 0 {
					e = badRequest("location can be requested in private chats only")
					return false
				}
				out = append(out, btn)
				return true
			})
			m.keyboard = append(m.keyboard, out)
			return e == nil
		})
		if e != nil {
			return nil, e
		}
		oneTime, _ := obj.get("one_time_keyboard")
		m.oneTime = oneTime.isTrue()
		return m, nil
	}
	remove, _ := obj.get("remove_keyboard")
	m.remove = remove.isTrue()
	return m, nil
}

// count is the number of items of an array (members of an object).
func count(v jval) int {
	n := 0
	v.children(func(jval) bool { n++; return true })
	return n
}

// hasAction reports whether an inline button does something: a button
// with only a label is refused by Telegram. Empty values (go-telegram sends
// "copy_text":{"text":""} on every button) do not count.
func hasAction(b jval) bool {
	found := false
	b.children(func(v jval) bool {
		switch k := v.node().key; k {
		case "text", "icon_custom_emoji_id", "style":
		case "callback_data", "switch_inline_query", "switch_inline_query_current_chat":
			found = true // an empty string is meaningful for these
		default:
			found = !isZeroJSON(v)
		}
		return !found
	})
	return found
}

// dispatchLocked runs a validated call (all but getUpdates).
func (f *Fake) dispatchLocked(call *Call) (any, *apiError) {
	switch call.Method {
	case "getMe":
		return f.BotUser(), nil
	case "logOut", "close":
		return true, nil
	case "setWebhook":
		return f.setWebhookLocked(call)
	case "deleteWebhook":
		drop, _ := parseBool(call.Params["drop_pending_updates"])
		f.webhook = WebhookState{DropPendingUpdates: drop}
		if drop {
			f.queue = nil
		}
		return true, nil
	case "getWebhookInfo":
		return f.webhookInfoLocked(), nil
	case "sendMessage":
		return f.sendLocked(call, nil)
	case "sendDocument":
		doc, err := f.documentLocked(call)
		if err != nil {
			return nil, err
		}
		return f.sendLocked(call, doc)
	case "editMessageText":
		return f.editLocked(call, true)
	case "editMessageReplyMarkup":
		return f.editLocked(call, false)
	case "deleteMessage":
		c := f.chatLocked(call.ChatID)
		m := c.byID[int(call.Int("message_id"))]
		if m == nil || m.deleted {
			return nil, badRequest("message to delete not found")
		}
		m.deleted = true
		return true, nil
	case "answerCallbackQuery":
		q, ok := f.callbacks[call.Params["callback_query_id"]]
		if !ok || q.answered {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		alert, _ := parseBool(call.Params["show_alert"])
		q.answered = true
		q.answer = CallbackAnswer{Text: call.Params["text"], ShowAlert: alert, URL: call.Params["url"]}
		return true, nil
	case "setMyCommands":
		f.commands[commandsKey(call)] = call.Params["commands"]
		return true, nil
	case "deleteMyCommands":
		delete(f.commands, commandsKey(call))
		return true, nil
	case "getMyCommands":
		if cmds, ok := f.commands[commandsKey(call)]; ok {
			return json.RawMessage(cmds), nil
		}
		return []any{}, nil
	case "sendChatAction":
		return true, nil
	case "getFile":
		return f.getFileLocked(call)
	}
	// Any other method of the spec is recorded and accepted. Those that
	// return a Message get one (its caption as text), since the client
	// cannot decode true into a Message; the others answer true.
	if m := f.spec.Methods[call.Method]; len(m.Returns) == 1 && m.Returns[0] == "Message" && call.ChatID != 0 {
		return f.sendLocked(call, nil)
	}
	return true, nil
}

func commandsKey(call *Call) string {
	scope := `{"type":"default"}`
	if s := call.Params["scope"]; s != "" {
		scope = canonicalJSON(s)
	}
	return scope + "|" + call.Params["language_code"]
}

func (f *Fake) setWebhookLocked(call *Call) (any, *apiError) {
	p := call.Params
	drop, _ := parseBool(p["drop_pending_updates"])
	if p["url"] == "" { // an empty URL removes the webhook
		f.webhook = WebhookState{DropPendingUpdates: drop}
	} else {
		f.webhook = WebhookState{URL: p["url"], SecretToken: p["secret_token"], DropPendingUpdates: drop, MaxConnections: 40}
		if n, err := strconv.Atoi(p["max_connections"]); err == nil {
			f.webhook.MaxConnections = n
		}
	}
	if a := p["allowed_updates"]; a != "" {
		var list []string
		if err := json.Unmarshal([]byte(a), &list); err != nil {
			return nil, badRequest("can't parse allowed updates")
		}
		f.allowed = list
	}
	f.webhook.AllowedUpdates = f.allowed
	if drop {
		f.queue = nil
	}
	return true, nil
}

func (f *Fake) webhookInfoLocked() models.WebhookInfo {
	info := models.WebhookInfo{URL: f.webhook.URL, PendingUpdateCount: len(f.queue)}
	if f.webhook.URL != "" {
		info.MaxConnections = f.webhook.MaxConnections
		info.AllowedUpdates = f.webhook.AllowedUpdates
	}
	return info
}

// documentLocked takes the document of sendDocument: an upload, a file_id
// of an earlier upload, or a URL.
func (f *Fake) documentLocked(call *Call) (*File, *apiError) {
	if up, ok := call.Files["document"]; ok {
		return f.storeFileLocked(up), nil
	}
	ref := call.Params["document"]
	if part, ok := strings.CutPrefix(ref, "attach://"); ok {
		return f.storeFileLocked(call.Files[part]), nil
	}
	if known, ok := f.files[ref]; ok {
		return &known, nil
	}
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return f.storeFileLocked(File{Field: "document", Name: path.Base(u.Path)}), nil
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

func (f *Fake) storeFileLocked(up File) *File {
	f.fileSeq++
	up.FileID = fmt.Sprintf("BQACAgIAAxkBAAI%08d", f.fileSeq)
	f.files[up.FileID] = up
	return &up
}

// sendLocked adds a bot message to the chat (sendMessage, sendDocument).
func (f *Fake) sendLocked(call *Call, doc *File) (any, *apiError) {
	p := call.Params
	c := f.chatLocked(call.ChatID)
	mode, _ := normalizeParseMode(p["parse_mode"])
	raw := p["text"]
	if doc != nil || call.Method != "sendMessage" {
		raw = p["caption"]
	}
	visible, _ := visibleText(raw, mode) // checked by checkLimits
	m := &msgState{Message: Message{
		ChatID: call.ChatID, FromBot: true, Method: call.Method, Text: visible, RawText: raw, ParseMode: mode,
		Document: doc, Date: f.now(),
	}}
	if mk := call.markup; mk != nil {
		m.Markup = mk.canonical
		switch {
		case mk.isInline:
			m.Buttons = mk.inline
		case mk.keyboard != nil:
			c.keyboard, c.oneTime = mk.keyboard, mk.oneTime
		case mk.remove:
			c.keyboard = nil
		}
	}
	c.add(m)
	return f.messageJSONLocked(c, m), nil
}

// editLocked implements editMessageText (withText) and editMessageReplyMarkup.
func (f *Fake) editLocked(call *Call, withText bool) (any, *apiError) {
	p := call.Params
	if p["inline_message_id"] != "" {
		return nil, badRequest("MESSAGE_ID_INVALID") // inline messages are not modelled
	}
	if p["chat_id"] == "" {
		return nil, badRequest("chat_id is empty")
	}
	if p["message_id"] == "" {
		return nil, badRequest("message identifier is not specified")
	}
	c := f.chatLocked(call.ChatID)
	m := c.byID[int(call.Int("message_id"))]
	if m == nil || m.deleted {
		return nil, badRequest("message to edit not found")
	}
	if !m.FromBot {
		return nil, badRequest("message can't be edited")
	}
	next := m.Message
	if withText {
		if m.Method != "sendMessage" {
			return nil, badRequest("there is no text in the message to edit")
		}
		next.ParseMode, _ = normalizeParseMode(p["parse_mode"])
		next.RawText = p["text"]
		next.Text, _ = visibleText(next.RawText, next.ParseMode)
	}
	// Telegram drops the inline keyboard of a message edited without one.
	next.Markup, next.Buttons = "", nil
	if mk := call.markup; mk != nil {
		if !mk.isInline {
			return nil, badRequest("can't parse inline keyboard markup JSON object")
		}
		next.Markup, next.Buttons = mk.canonical, mk.inline
	}
	if next.Text == m.Text && formatting(next) == formatting(m.Message) && inlineMarkup(next) == inlineMarkup(m.Message) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	next.Edits++
	next.EditDate = f.now()
	m.Message = next
	return f.messageJSONLocked(c, m), nil
}

// formatting stands for a message's entities: the same visible text under
// different markup is a different message to Telegram.
func formatting(m Message) string {
	if m.RawText == m.Text {
		return ""
	}
	return m.RawText
}

// inlineMarkup is the part of a message's markup that edits compare: its
// inline keyboard (a reply keyboard belongs to the chat, not the message).
func inlineMarkup(m Message) string {
	if m.Buttons == nil {
		return ""
	}
	return m.Markup
}

// encoded is a result the fake wrote as JSON itself.
type encoded []byte

// messageJSONLocked renders a bot message as the Bot API returns it. It is
// written by hand, field by field as encoding/json wrote the struct it
// replaces: encoding a models.User and a models.Chat by reflection on every
// call cost more than the rest of the call.
func (f *Fake) messageJSONLocked(c *chatState, m *msgState) encoded {
	return encoded(f.appendMessageLocked(make([]byte, 0, 256+len(m.Text)+len(m.Markup)), c, m))
}

func (f *Fake) appendMessageLocked(dst []byte, c *chatState, m *msgState) []byte {
	dst = append(dst, `{"message_id":`...)
	dst = appendInt(dst, int64(m.ID))
	dst = append(dst, `,"from":`...)
	dst = append(dst, f.botJSON...)
	dst = append(dst, `,"chat":`...)
	dst = append(dst, c.infoJSON()...)
	dst = append(dst, `,"date":`...)
	dst = appendInt(dst, m.Date.Unix())
	if m.Edits > 0 {
		dst = append(dst, `,"edit_date":`...)
		dst = appendInt(dst, m.EditDate.Unix())
	}
	if m.Text != "" {
		if m.Method == "sendMessage" {
			dst = append(dst, `,"text":`...)
		} else {
			dst = append(dst, `,"caption":`...)
		}
		dst = appendJSONString(dst, m.Text)
	}
	if m.Document != nil {
		dst = append(dst, `,"document":`...)
		dst = append(dst, mustJSON(documentOf(m.Document))...)
	}
	if m.Buttons != nil && m.Markup != "" {
		// Only inline keyboards are part of a Message object.
		dst = append(dst, `,"reply_markup":`...)
		dst = append(dst, m.Markup...)
	}
	return append(dst, '}')
}

// documentOf describes a stored upload as messages carry it.
func documentOf(doc *File) *models.Document {
	return &models.Document{
		FileID:       doc.FileID,
		FileUniqueID: "AgAD" + doc.FileID[len(doc.FileID)-8:],
		FileName:     doc.Name,
		MimeType:     doc.ContentType,
		FileSize:     int64(len(doc.Data)),
	}
}
