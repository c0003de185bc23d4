package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Text limits of the Bot API. Lengths are counted in UTF-16 code units, as
// Telegram counts entity offsets and lengths: Vietnamese text (all in the
// Basic Multilingual Plane) counts one unit per character, while most emoji
// count two, so the fake is never more lenient than the real server.
const (
	MaxTextLength           = 4096
	MaxCaptionLength        = 1024
	MaxCallbackDataBytes    = 64
	MaxCallbackAnswerLength = 200
)

// TextLength counts s the way the fake applies Telegram's limits: in UTF-16
// code units.
func TextLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // invalid UTF-8 comes out of range as U+FFFD: 1
	}
	return n
}

// normalizeParseMode accepts the three parse modes case-insensitively, like
// the real server, and returns their canonical spelling.
func normalizeParseMode(mode string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "":
		return "", nil
	case "html":
		return "HTML", nil
	case "markdown":
		return "Markdown", nil
	case "markdownv2":
		return "MarkdownV2", nil
	}
	return "", fmt.Errorf("unsupported parse_mode")
}

// visibleText parses text under mode and returns what the reader sees, with
// the markup gone. Syntax errors are worded like the real server's
// ("can't parse entities: Unsupported start tag …"), capitals included.
func visibleText(text, mode string) (string, error) {
	var (
		out string
		err error
	)
	switch mode {
	case "HTML":
		out, err = parseHTML(text)
	case "Markdown":
		out, err = parseMarkdown(text)
	case "MarkdownV2":
		out, err = parseMarkdownV2(text)
	default:
		return text, nil
	}
	if err != nil {
		return "", fmt.Errorf("can't parse entities: %w", err)
	}
	return out, nil
}

// htmlTags are the tags the Bot API accepts in HTML mode.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "tg-emoji": true, "tg-time": true, "code": true, "pre": true,
	"blockquote": true,
}

// parseHTML follows the rules of the Bot API's HTML mode: only the supported
// tags, properly nested; a bare '<' is an error; &lt; &gt; &amp; &quot; and
// numeric entities are decoded, any other '&' is kept as is.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '&':
			if r, n := htmlEntity(s[i:]); n > 0 {
				out.WriteRune(r)
				i += n
				continue
			}
			out.WriteByte(c)
			i++
		case '<':
			// Like the real parser: the tag name runs to a space or '>'.
			start := i
			i++
			if i < len(s) && s[i] == '/' {
				end := strings.IndexByte(s[i:], '>')
				if end < 0 {
					return "", fmt.Errorf("Unclosed end tag at byte offset %d", start)
				}
				name := strings.ToLower(strings.TrimSpace(s[i+1 : i+end]))
				i += end + 1
				if len(stack) == 0 {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", start)
				}
				if top := stack[len(stack)-1]; name != top {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", start, top, name)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			nameEnd := i
			for nameEnd < len(s) && s[nameEnd] != '>' && !isHTMLSpace(s[nameEnd]) {
				nameEnd++
			}
			if nameEnd == len(s) {
				return "", fmt.Errorf("Unclosed start tag at byte offset %d", start)
			}
			name := strings.ToLower(s[i:nameEnd])
			if !htmlTags[name] {
				return "", fmt.Errorf("Unsupported start tag %q at byte offset %d", name, start)
			}
			end := strings.IndexByte(s[nameEnd:], '>')
			if end < 0 {
				return "", fmt.Errorf("Unclosed start tag at byte offset %d", start)
			}
			attrs := s[nameEnd : nameEnd+end]
			i = nameEnd + end + 1
			switch name {
			case "span":
				if !strings.Contains(attrs, "tg-spoiler") {
					return "", fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", start)
				}
			case "tg-emoji":
				if !strings.Contains(attrs, "emoji-id") {
					return "", fmt.Errorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", start)
				}
			}
			stack = append(stack, name)
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1])
	}
	return out.String(), nil
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// htmlEntity decodes the entity at the start of s, returning its length, or
// 0 if s does not start with an entity the Bot API knows.
func htmlEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
			num, base = hex, 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err == nil && n > 0 && utf8.ValidRune(rune(n)) {
			return rune(n), end + 1
		}
	}
	return 0, 0
}

// parseMarkdown follows the legacy Markdown mode: *bold*, _italic_, `code`,
// ```pre```, [text](url); entities do not nest and '\' escapes _ * ` [
// outside them.
func parseMarkdown(s string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("_*`[", s[i+1]) >= 0:
			out.WriteByte(s[i+1])
			i += 2
		case c == '*' || c == '_':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return "", fmt.Errorf("Can't find end of the entity starting at byte offset %d", i)
			}
			out.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case strings.HasPrefix(s[i:], "```"):
			end := strings.Index(s[i+3:], "```")
			if end < 0 {
				return "", fmt.Errorf("Can't find end of the entity starting at byte offset %d", i)
			}
			out.WriteString(preContent(s[i+3 : i+3+end]))
			i += end + 6
		case c == '`':
			end := strings.IndexByte(s[i+1:], '`')
			if end < 0 {
				return "", fmt.Errorf("Can't find end of the entity starting at byte offset %d", i)
			}
			out.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case c == '[':
			text, url, n, ok := markdownLink(s[i:], false)
			if !ok {
				return "", fmt.Errorf("Can't find end of the entity starting at byte offset %d", i)
			}
			_ = url
			out.WriteString(text)
			i += n
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String(), nil
}

// preContent drops the language line of a ```lang\n…``` block.
func preContent(block string) string {
	if nl := strings.IndexByte(block, '\n'); nl >= 0 && !strings.ContainsAny(block[:nl], " \t") {
		return block[nl+1:]
	}
	return block
}

// markdownLink reads "[text](url)" at the start of s; with escapes
// (MarkdownV2), '\' escapes any character, and the text comes back still
// escaped, for the caller to parse.
func markdownLink(s string, escapes bool) (text, url string, n int, ok bool) {
	i := 1
	var tb strings.Builder
	for ; i < len(s) && s[i] != ']'; i++ {
		if escapes && s[i] == '\\' && i+1 < len(s) {
			tb.WriteByte(s[i]) // the text keeps its escapes: the caller parses it
			i++
		}
		tb.WriteByte(s[i])
	}
	if i+1 >= len(s) || s[i] != ']' || s[i+1] != '(' {
		return "", "", 0, false
	}
	i += 2
	var ub strings.Builder
	for ; i < len(s) && s[i] != ')'; i++ {
		if escapes && s[i] == '\\' && i+1 < len(s) {
			i++
		}
		ub.WriteByte(s[i])
	}
	if i >= len(s) {
		return "", "", 0, false
	}
	return tb.String(), ub.String(), i + 1, true
}

// markdownV2Reserved must be escaped with '\' outside entities in MarkdownV2.
const markdownV2Reserved = "_*[]()~`>#+-=|{}.!"

var markdownV2Names = map[string]string{
	"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
}

// parseMarkdownV2 checks the MarkdownV2 rules that bots trip over most: every
// reserved character outside markup escaped, every entity closed. Entities
// are not otherwise interpreted (links' text is kept, URLs dropped).
func parseMarkdownV2(s string) (string, error) {
	var out strings.Builder
	type open struct {
		marker string
		at     int
	}
	var stack []open
	toggle := func(marker string, at int) {
		if n := len(stack); n > 0 && stack[n-1].marker == marker {
			stack = stack[:n-1]
			return
		}
		stack = append(stack, open{marker, at})
	}
	lineStart := true
	for i := 0; i < len(s); {
		c := s[i]
		atLineStart := lineStart
		lineStart = c == '\n'
		switch {
		case c == '\\':
			if i+1 < len(s) && s[i+1] >= 1 && s[i+1] <= 126 {
				out.WriteByte(s[i+1])
				i += 2
				continue
			}
			return "", fmt.Errorf("Character '\\' is reserved and must be escaped with the preceding '\\'")
		case strings.HasPrefix(s[i:], "```"):
			end := indexUnescaped(s[i+3:], "```")
			if end < 0 {
				return "", fmt.Errorf("Can't find end of Pre entity at byte offset %d", i)
			}
			out.WriteString(unescapeV2(preContent(s[i+3 : i+3+end])))
			i += end + 6
		case c == '`':
			end := indexUnescaped(s[i+1:], "`")
			if end < 0 {
				return "", fmt.Errorf("Can't find end of Code entity at byte offset %d", i)
			}
			out.WriteString(unescapeV2(s[i+1 : i+1+end]))
			i += end + 2
		case strings.HasPrefix(s[i:], "__"):
			toggle("__", i)
			i += 2
		case strings.HasPrefix(s[i:], "||"):
			toggle("||", i)
			i += 2
		case c == '*' && atLineStart && strings.HasPrefix(s[i:], "**>"):
			i += 3 // expandable block quotation
		case c == '*' || c == '_' || c == '~':
			toggle(string(c), i)
			i++
		case c == '>' && atLineStart:
			i++ // block quotation line
		case c == '[' || (c == '!' && strings.HasPrefix(s[i:], "![")):
			start := i
			if c == '!' {
				i++
			}
			text, _, n, ok := markdownLink(s[i:], true)
			if !ok {
				return "", fmt.Errorf("Can't find end of TextUrl entity at byte offset %d", start)
			}
			inner, err := parseMarkdownV2(text)
			if err != nil {
				return "", err
			}
			out.WriteString(inner)
			i += n
		case strings.IndexByte(markdownV2Reserved, c) >= 0:
			return "", fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", fmt.Errorf("Can't find end of %s entity at byte offset %d", markdownV2Names[top.marker], top.at)
	}
	return out.String(), nil
}

func indexUnescaped(s, sub string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], sub) {
			return i
		}
	}
	return -1
}

func unescapeV2(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
