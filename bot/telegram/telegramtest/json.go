package telegramtest

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The fake reads every JSON value of a call (the body, reply_markup…) with
// this small decoder instead of encoding/json into map[string]any: one
// allocation for the whole document, strings shared with the input, and
// numbers kept as their literal (like json.Number) so that integers can be
// told from floats. It accepts exactly what encoding/json accepts (see
// FuzzParseJSON) and, like it, keeps the last of duplicated keys.

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jnode is one value of a document. Nodes are stored in document order: a
// container's children follow it, up to its end.
type jnode struct {
	kind   jkind
	dup    bool   // an object member overridden by a later one with the same key
	key    string // the member's name, for members of an object
	str    string // a string's value, a number's literal
	end    int32  // index of the first node after this value and its children
	lo, hi int32  // the value's bytes in the source
}

type jdoc struct {
	src   string
	nodes []jnode
}

// jval is a value of a decoded document. Read it, never change it: values
// are shared through the call's jsonMemo.
type jval struct {
	d *jdoc
	i int32
}

func (v jval) node() *jnode { return &v.d.nodes[v.i] }
func (v jval) kind() jkind  { return v.d.nodes[v.i].kind }

// raw is the value's text as it came.
func (v jval) raw() string { n := v.node(); return v.d.src[n.lo:n.hi] }

// children walks the items of an array or the members of an object (the
// last of duplicated keys only); fn returns false to stop.
func (v jval) children(fn func(c jval) bool) {
	nodes := v.d.nodes
	for c := v.i + 1; c < nodes[v.i].end; c = nodes[c].end {
		if !nodes[c].dup && !fn(jval{v.d, c}) {
			return
		}
	}
}

// get returns the member key of an object.
func (v jval) get(key string) (jval, bool) {
	nodes := v.d.nodes
	if nodes[v.i].kind != jObject {
		return jval{}, false
	}
	for c := v.i + 1; c < nodes[v.i].end; c = nodes[c].end {
		if !nodes[c].dup && nodes[c].key == key {
			return jval{v.d, c}, true
		}
	}
	return jval{}, false
}

// textOf is a string's value or a number's digits, "" for anything else
// or for no value.
func (v jval) textOf() string {
	if v.d == nil {
		return ""
	}
	if n := v.node(); n.kind == jString || n.kind == jNumber {
		return n.str
	}
	return ""
}

// isTrue reports whether v is the literal true.
func (v jval) isTrue() bool { return v.d != nil && v.kind() == jTrue }

var errJSONSyntax = errors.New("invalid JSON")

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// parseJSON decodes one JSON value, with nothing but spaces around it.
func parseJSON(src string) (*jdoc, error) {
	// A document has one value more than it has commas, plus the first
	// value of each container: counting them (quick, whatever is in the
	// strings) sizes the slice about right at once.
	n := 1 + strings.Count(src, ",") + strings.Count(src, "{") + strings.Count(src, "[")
	p := jparser{src: src, nodes: make([]jnode, 0, n)}
	p.space()
	if err := p.value(0); err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(src) {
		return nil, errJSONSyntax
	}
	return &jdoc{src: src, nodes: p.nodes}, nil
}

type jparser struct {
	src   string
	pos   int
	nodes []jnode
}

func (p *jparser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) value(depth int) error {
	if p.pos >= len(p.src) || depth > maxJSONDepth {
		return errJSONSyntax
	}
	idx := len(p.nodes)
	p.nodes = append(p.nodes, jnode{lo: int32(p.pos)})
	switch c := p.src[p.pos]; {
	case c == '{':
		p.nodes[idx].kind = jObject
		if err := p.object(idx, depth); err != nil {
			return err
		}
	case c == '[':
		p.nodes[idx].kind = jArray
		p.pos++
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			break
		}
		for {
			p.space()
			if err := p.value(depth + 1); err != nil {
				return err
			}
			p.space()
			if p.pos >= len(p.src) {
				return errJSONSyntax
			}
			p.pos++
			if c := p.src[p.pos-1]; c == ']' {
				break
			} else if c != ',' {
				return errJSONSyntax
			}
		}
	case c == '"':
		s, err := p.string()
		if err != nil {
			return err
		}
		p.nodes[idx].kind, p.nodes[idx].str = jString, s
	case c == '-' || c >= '0' && c <= '9':
		s, err := p.number()
		if err != nil {
			return err
		}
		p.nodes[idx].kind, p.nodes[idx].str = jNumber, s
	default:
		var kind jkind
		var lit string
		switch c {
		case 't':
			kind, lit = jTrue, "true"
		case 'f':
			kind, lit = jFalse, "false"
		case 'n':
			kind, lit = jNull, "null"
		default:
			return errJSONSyntax
		}
		if !strings.HasPrefix(p.src[p.pos:], lit) {
			return errJSONSyntax
		}
		p.pos += len(lit)
		p.nodes[idx].kind = kind
	}
	p.nodes[idx].end = int32(len(p.nodes))
	p.nodes[idx].hi = int32(p.pos)
	return nil
}

func (p *jparser) object(idx, depth int) error {
	p.pos++ // {
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return nil
	}
	for {
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return errJSONSyntax
		}
		key, err := p.string()
		if err != nil {
			return err
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return errJSONSyntax
		}
		p.pos++
		p.space()
		member := len(p.nodes)
		if err := p.value(depth + 1); err != nil {
			return err
		}
		p.nodes[member].key = key
		p.space()
		if p.pos >= len(p.src) {
			return errJSONSyntax
		}
		p.pos++
		if c := p.src[p.pos-1]; c == '}' {
			break
		} else if c != ',' {
			return errJSONSyntax
		}
	}
	// Duplicated keys: the last one counts, as when decoding into a map.
	nodes := p.nodes
	for a := int32(idx + 1); a < int32(len(nodes)); a = nodes[a].end {
		for b := nodes[a].end; b < int32(len(nodes)); b = nodes[b].end {
			if nodes[b].key == nodes[a].key {
				nodes[a].dup = true
				break
			}
		}
	}
	return nil
}

// string reads a quoted string at p.pos. Without escapes and in valid
// UTF-8 (nearly always) the value is a slice of the source.
func (p *jparser) string() (string, error) {
	start := p.pos + 1
	plain := true
	for i := start; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '"':
			s := p.src[start:i]
			p.pos = i + 1
			if plain || utf8.ValidString(s) {
				return s, nil
			}
			return unquote(s), nil
		case c == '\\':
			end, ok := scanEscapes(p.src, i)
			if !ok {
				return "", errJSONSyntax
			}
			p.pos = end + 1
			return unquote(p.src[start:end]), nil
		case c < ' ':
			return "", errJSONSyntax
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	return "", errJSONSyntax
}

// scanEscapes finds the closing quote of a string with escapes, from i
// (inside the string), checking the escapes.
func scanEscapes(s string, i int) (int, bool) {
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i, true
		case c < ' ':
			return 0, false
		case c == '\\':
			i++
			if i >= len(s) {
				return 0, false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s) || hex4(s[i+1:i+5]) < 0 {
					return 0, false
				}
				i += 4
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func hex4(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote decodes the inside of a checked JSON string the way encoding/json
// does: invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != utf8.RuneError {
							b.WriteRune(dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
				continue
			default: // " \ /
				b.WriteByte(s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // RuneError for an invalid byte
			i += size
		}
	}
	return b.String()
}

// number reads a number with JSON's grammar and returns its literal.
func (p *jparser) number() (string, error) {
	s, i := p.src, p.pos
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return "", errJSONSyntax
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return "", errJSONSyntax
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return "", errJSONSyntax
		}
	}
	lit := s[p.pos:i]
	p.pos = i
	return lit, nil
}

// appendJSONString writes s as encoding/json does with SetEscapeHTML(false):
// the fake's answers are byte for byte what it answered before.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendCanonical writes v with object keys sorted (as encoding/json
// writes maps), so that two markups compare regardless of key order and
// spacing. With dropZero, empty strings, false, 0, null, and objects left
// empty are left out, the way the real server normalises a markup before
// it echoes it back (and compares it when a message is edited); array
// items keep their place as {}. It reports whether v itself was dropped,
// having written nothing.
func appendCanonical(dst []byte, v jval, dropZero bool) ([]byte, bool) {
	n := v.node()
	switch n.kind {
	case jNull:
		if dropZero {
			return dst, true
		}
		return append(dst, "null"...), false
	case jFalse:
		if dropZero {
			return dst, true
		}
		return append(dst, "false"...), false
	case jTrue:
		return append(dst, "true"...), false
	case jNumber:
		if dropZero && n.str == "0" {
			return dst, true
		}
		return append(dst, n.str...), false
	case jString:
		if dropZero && n.str == "" {
			return dst, true
		}
		return appendJSONString(dst, n.str), false
	case jArray:
		dst = append(dst, '[')
		first := true
		v.children(func(c jval) bool {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			var dropped bool
			if dst, dropped = appendCanonical(dst, c, dropZero); dropped {
				dst = append(dst, "{}"...)
			}
			return true
		})
		return append(dst, ']'), false
	}
	start := len(dst)
	var buf [16]int32
	keys := sortedMembers(v, buf[:0])
	dst = append(dst, '{')
	wrote := 0
	for _, k := range keys {
		mark := len(dst)
		if wrote > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, v.d.nodes[k].key)
		dst = append(dst, ':')
		var dropped bool
		if dst, dropped = appendCanonical(dst, jval{v.d, k}, dropZero); dropped {
			dst = dst[:mark]
			continue
		}
		wrote++
	}
	if wrote == 0 && dropZero {
		return dst[:start], true
	}
	return append(dst, '}'), false
}

// sortedMembers lists an object's members (without overridden duplicates)
// by key. Objects are small: an insertion sort needs no allocation.
func sortedMembers(v jval, keys []int32) []int32 {
	nodes := v.d.nodes
	for c := v.i + 1; c < nodes[v.i].end; c = nodes[c].end {
		if nodes[c].dup {
			continue
		}
		keys = append(keys, c)
		for j := len(keys) - 1; j > 0 && nodes[keys[j]].key < nodes[keys[j-1]].key; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// isZeroJSON reports whether appendCanonical with dropZero would drop v.
func isZeroJSON(v jval) bool {
	switch n := v.node(); n.kind {
	case jNull, jFalse:
		return true
	case jNumber, jString:
		return n.str == "" || n.kind == jNumber && n.str == "0"
	case jObject:
		zero := true
		v.children(func(c jval) bool {
			zero = isZeroJSON(c)
			return zero
		})
		return zero
	}
	return false
}

// appendInt is strconv.AppendInt in base 10.
func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
