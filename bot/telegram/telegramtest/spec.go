package telegramtest

import (
	_ "embed" // spec.json is embedded so that tests never read ../shared
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// spec.json is generated from ../shared/telegram-bot-api/api.json; see gen/
// and spec.LICENSE (MIT) for where it comes from.
//
//go:generate go run ./gen
//go:embed spec.json
var specJSON []byte

type specField struct {
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

type specEntry struct {
	Returns  []string             `json:"returns"`
	Fields   map[string]specField `json:"fields"`
	Subtypes []string             `json:"subtypes"`

	names    []string // Fields' names, sorted: errors name the same field every time
	required []string // the required ones among names
}

type apiSpec struct {
	Version     string               `json:"version"`
	ReleaseDate string               `json:"release_date"`
	Methods     map[string]specEntry `json:"methods"`
	Types       map[string]specEntry `json:"types"`

	// byLower maps lower-cased method names to their spelling in the spec:
	// the real server matches method names case-insensitively.
	byLower map[string]string
}

var loadSpec = sync.OnceValue(func() *apiSpec {
	var s apiSpec
	if err := json.Unmarshal(specJSON, &s); err != nil {
		panic("telegramtest: embedded spec.json: " + err.Error())
	}
	s.byLower = make(map[string]string, len(s.Methods))
	for name, m := range s.Methods {
		s.byLower[strings.ToLower(name)] = name
		s.Methods[name] = m.withNames()
	}
	for name, t := range s.Types {
		s.Types[name] = t.withNames()
	}
	return &s
})

func (e specEntry) withNames() specEntry {
	for f := range e.Fields {
		e.names = append(e.names, f)
	}
	sort.Strings(e.names)
	for _, f := range e.names {
		if e.Fields[f].Required {
			e.required = append(e.required, f)
		}
	}
	return e
}

// method returns the spec's spelling of name, if it is a Bot API method.
func (s *apiSpec) method(name string) (string, bool) {
	if _, ok := s.Methods[name]; ok {
		return name, true // spelt as in the spec, as clients do: no lower-casing
	}
	canon, ok := s.byLower[strings.ToLower(name)]
	return canon, ok
}

// checkParams applies the spec to one call: no unknown field, every required
// field present, every value of a type the field accepts. Errors carry the
// description the fake answers (without the "Bad Request: " prefix).
func (s *apiSpec) checkParams(method string, params map[string]string, files map[string]File, memo jsonMemo) error {
	m := s.Methods[method]
	for name := range params {
		if _, ok := m.Fields[name]; !ok {
			return fmt.Errorf("unknown field %q", name)
		}
	}
	for name := range files {
		if _, ok := m.Fields[name]; ok {
			continue
		}
		// Parts named by an attach://<name> value elsewhere are legitimate
		// uploads (InputMedia, stickers), not unknown fields.
		if !referencesAttachment(params, name) {
			return fmt.Errorf("unknown field %q", name)
		}
	}
	for _, name := range m.names {
		f := m.Fields[name]
		v, has := params[name]
		_, hasFile := files[name]
		if strings.TrimSpace(v) == "" && !hasFile {
			if f.Required {
				return missingField(method, name, f)
			}
			continue
		}
		if hasFile {
			if !contains(f.Types, "InputFile") {
				return fmt.Errorf("field %q can't be a file upload", name)
			}
			continue
		}
		if !has {
			continue
		}
		if err := s.checkValue(name, v, f.Types, files, memo); err != nil {
			return err
		}
	}
	return nil
}

func referencesAttachment(params map[string]string, part string) bool {
	ref := "attach://" + part
	for _, v := range params {
		if strings.Contains(v, ref) {
			return true
		}
	}
	return false
}

// missingField words the error the way the real server does for the fields
// this project sends; other fields get a generic but clear description.
func missingField(method, name string, f specField) error {
	switch {
	case name == "text":
		return fmt.Errorf("message text is empty")
	case name == "chat_id":
		return fmt.Errorf("chat_id is empty")
	case name == "message_id":
		return fmt.Errorf("message identifier is not specified")
	case name == "callback_query_id":
		return fmt.Errorf("query is too old and response timeout expired or query ID is invalid")
	case contains(f.Types, "InputFile"):
		return fmt.Errorf("there is no %s in the request", name)
	}
	return fmt.Errorf("parameter %q is required for %s", name, method)
}

// checkValue checks a top-level parameter, which arrives as a string: a
// number, a boolean, text, or JSON for arrays and objects.
func (s *apiSpec) checkValue(name, v string, types []string, files map[string]File, memo jsonMemo) error {
	var firstErr error
	jsonTypes := 0
	for _, t := range types {
		var err error
		switch t {
		case "String":
			return nil
		case "Integer":
			if _, e := strconv.ParseInt(strings.TrimSpace(v), 10, 64); e != nil {
				err = fmt.Errorf("field %q must be an Integer, got %q", name, v)
			}
		case "Float":
			if _, e := strconv.ParseFloat(strings.TrimSpace(v), 64); e != nil {
				err = fmt.Errorf("field %q must be a Float, got %q", name, v)
			}
		case "Boolean", "True":
			if _, ok := parseBool(v); !ok {
				err = fmt.Errorf("field %q must be a Boolean, got %q", name, v)
			}
		case "InputFile":
			if part, ok := strings.CutPrefix(v, "attach://"); ok {
				if _, up := files[part]; !up {
					err = fmt.Errorf("there is no file %q in the request for %s", part, name)
				}
			}
		default:
			jsonTypes++
			continue
		}
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if jsonTypes == 0 {
		return firstErr
	}
	val, err := memo.decode(v)
	if err != nil {
		return fmt.Errorf("can't parse %s JSON object", name)
	}
	members := types
	if jsonTypes < len(types) { // the JSON types alone are the union
		members = make([]string, 0, jsonTypes)
		for _, t := range types {
			if !scalarType(t) {
				members = append(members, t)
			}
		}
	}
	return s.checkUnion(val, members, jroot{val, name})
}

func scalarType(t string) bool {
	switch t {
	case "String", "Integer", "Float", "Boolean", "True", "InputFile":
		return true
	}
	return false
}

// jsonMemo decodes each JSON parameter of a call once, although the spec
// check, the limits and the method itself all look at it (a nil memo
// decodes every time). Values in a JSON body are decoded with the body and
// entered as they are. Decoded values are shared: read them, never change
// them.
type jsonMemo = *memoTable

type memoTable struct {
	entries []memoEntry // a handful per call: a list beats a map
}

type memoEntry struct {
	raw string
	v   jval
	err error
}

func (m *memoTable) decode(raw string) (jval, error) {
	if m == nil {
		return decodeJSON(raw)
	}
	for _, e := range m.entries {
		if e.raw == raw {
			return e.v, e.err
		}
	}
	v, err := decodeJSON(raw)
	m.entries = append(m.entries, memoEntry{raw, v, err})
	return v, err
}

// add enters a value already decoded, as part of a JSON body.
func (m *memoTable) add(v jval) {
	m.entries = append(m.entries, memoEntry{raw: v.raw(), v: v})
}

func decodeJSON(raw string) (jval, error) {
	d, err := parseJSON(raw)
	if err != nil {
		return jval{}, err
	}
	return jval{d, 0}, nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// jroot is a parameter's decoded value, from which errors name where a
// bad value sits ("reply_markup.inline_keyboard[0][1]"). The path is put
// into words only for an error: checks that pass build no strings.
type jroot struct {
	v    jval
	name string
}

// path names v, a value inside the root.
func (r jroot) path(v jval) string {
	nodes := v.d.nodes
	p := r.name
	for at := r.v.i; at != v.i; {
		i := 0
		for c := at + 1; c < nodes[at].end; c = nodes[c].end {
			if v.i < nodes[c].end {
				if nodes[at].kind == jArray {
					p += "[" + strconv.Itoa(i) + "]"
				} else {
					p += "." + nodes[c].key
				}
				at = c
				break
			}
			i++
		}
	}
	return p
}

// checkJSON checks a decoded JSON value against a type expression of the
// spec ("Array of Array of KeyboardButton", "InlineKeyboardMarkup", "Integer"…).
// Objects may not carry fields their type does not define: that catches
// typos in keyboards the real server would silently ignore or reject.
func (s *apiSpec) checkJSON(v jval, typ string, root jroot) error {
	kind := v.kind()
	if inner, ok := strings.CutPrefix(typ, "Array of "); ok {
		if kind != jArray {
			return fmt.Errorf("%s must be an array", root.path(v))
		}
		var err error
		v.children(func(item jval) bool {
			err = s.checkJSON(item, inner, root)
			return err == nil
		})
		return err
	}
	switch typ {
	case "String":
		// Lenient like the real server: numbers are accepted where text is.
		if kind == jString || kind == jNumber {
			return nil
		}
		return fmt.Errorf("%s must be a String", root.path(v))
	case "Integer":
		if kind == jNumber || kind == jString {
			if _, err := strconv.ParseInt(v.node().str, 10, 64); err == nil {
				return nil
			}
		}
		return fmt.Errorf("%s must be an Integer", root.path(v))
	case "Float":
		if kind == jNumber {
			return nil
		}
		return fmt.Errorf("%s must be a Float", root.path(v))
	case "Boolean":
		if kind == jTrue || kind == jFalse {
			return nil
		}
		return fmt.Errorf("%s must be a Boolean", root.path(v))
	case "True":
		if kind == jTrue {
			return nil
		}
		return fmt.Errorf("%s must be True", root.path(v))
	case "InputFile":
		if kind == jString {
			return nil
		}
		return fmt.Errorf("%s must be a file reference", root.path(v))
	}
	t, known := s.Types[typ]
	if !known {
		return nil // a type the spec does not describe: nothing to check against
	}
	if len(t.Subtypes) > 0 {
		return s.checkUnion(v, t.Subtypes, root)
	}
	if kind != jObject {
		return fmt.Errorf("%s must be a JSON object (%s)", root.path(v), typ)
	}
	if t.Fields == nil {
		return nil // placeholder types such as CallbackGame carry no fields
	}
	if err := s.checkMembers(v, t, typ, root, nil); err != nil {
		// Report the first bad member in key order, whatever the order
		// they came in, so that a call fails the same way every time.
		var buf [16]int32
		return s.checkMembers(v, t, typ, root, sortedMembers(v, buf[:0]))
	}
	for _, name := range t.required {
		if _, ok := v.get(name); !ok {
			return fmt.Errorf("%s (%s) lacks required field %q", root.path(v), typ, name)
		}
	}
	return nil
}

// checkMembers checks an object's members, in the order given (nil: as
// they came).
func (s *apiSpec) checkMembers(v jval, t specEntry, typ string, root jroot, order []int32) error {
	check := func(m jval) error {
		key := m.node().key
		f, ok := t.Fields[key]
		if !ok {
			return fmt.Errorf("unknown field %q in %s (%s)", key, root.path(v), typ)
		}
		if m.kind() == jNull {
			return nil // null is "absent" to the real server
		}
		return s.checkAlternatives(m, f.Types, root)
	}
	if order != nil {
		for _, i := range order {
			if err := check(jval{v.d, i}); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	v.children(func(m jval) bool {
		err = check(m)
		return err == nil
	})
	return err
}

func (s *apiSpec) checkAlternatives(v jval, types []string, root jroot) error {
	var firstErr error
	for _, t := range types {
		err := s.checkJSON(v, t, root)
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// checkUnion accepts v if any member type accepts it; otherwise it reports
// the error of the member v most resembles, which is the one the caller
// most likely meant.
func (s *apiSpec) checkUnion(v jval, members []string, root jroot) error {
	best, bestScore := error(nil), -1
	for _, m := range members {
		err := s.checkJSON(v, m, root)
		if err == nil {
			return nil
		}
		score := 0
		if v.kind() == jObject {
			fields := s.Types[m].Fields
			v.children(func(c jval) bool {
				if _, ok := fields[c.node().key]; ok {
					score++
				}
				return true
			})
		}
		if score > bestScore {
			best, bestScore = err, score
		}
	}
	return best
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// canonicalJSON re-encodes a JSON value so that two values can be compared
// regardless of spacing and key order.
func canonicalJSON(raw string) string {
	v, err := decodeJSON(raw)
	if err != nil {
		return raw
	}
	out, _ := appendCanonical(nil, v, false)
	return string(out)
}
