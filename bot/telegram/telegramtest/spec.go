package telegramtest

import (
	"bytes"
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

	names []string // Fields' names, sorted: errors name the same field every time
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
		for f := range m.Fields {
			m.names = append(m.names, f)
		}
		sort.Strings(m.names)
		s.Methods[name] = m
	}
	return &s
})

// method returns the spec's spelling of name, if it is a Bot API method.
func (s *apiSpec) method(name string) (string, bool) {
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
	var jsonTypes []string
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
			jsonTypes = append(jsonTypes, t)
			continue
		}
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if len(jsonTypes) > 0 {
		val, err := memo.decode(v)
		if err != nil {
			return fmt.Errorf("can't parse %s JSON object", name)
		}
		return s.checkUnion(val, jsonTypes, name)
	}
	return firstErr
}

// jsonMemo decodes each JSON parameter of a call once, although the spec
// check, the limits and the method itself all look at it (a nil memo
// decodes every time). Decoded values are shared: read them, never change
// them.
type jsonMemo map[string]memoVal

type memoVal struct {
	v   any
	err error
}

func (m jsonMemo) decode(raw string) (any, error) {
	if m == nil {
		return decodeJSON(raw)
	}
	if d, ok := m[raw]; ok {
		return d.v, d.err
	}
	v, err := decodeJSON(raw)
	m[raw] = memoVal{v, err}
	return v, err
}

// decodeJSON keeps numbers as json.Number so that integers can be told from
// floats.
func decodeJSON(v string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return out, nil
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

// checkJSON checks a decoded JSON value against a type expression of the
// spec ("Array of Array of KeyboardButton", "InlineKeyboardMarkup", "Integer"…).
// Objects may not carry fields their type does not define: that catches
// typos in keyboards the real server would silently ignore or reject.
func (s *apiSpec) checkJSON(v any, typ, path string) error {
	if inner, ok := strings.CutPrefix(typ, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s must be an array", path)
		}
		for i, item := range arr {
			if err := s.checkJSON(item, inner, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	switch typ {
	case "String":
		// Lenient like the real server: numbers are accepted where text is.
		switch v.(type) {
		case string, json.Number:
			return nil
		}
		return fmt.Errorf("%s must be a String", path)
	case "Integer":
		switch x := v.(type) {
		case json.Number:
			if _, err := x.Int64(); err == nil {
				return nil
			}
		case string:
			if _, err := strconv.ParseInt(x, 10, 64); err == nil {
				return nil
			}
		}
		return fmt.Errorf("%s must be an Integer", path)
	case "Float":
		if _, ok := v.(json.Number); ok {
			return nil
		}
		return fmt.Errorf("%s must be a Float", path)
	case "Boolean":
		if _, ok := v.(bool); ok {
			return nil
		}
		return fmt.Errorf("%s must be a Boolean", path)
	case "True":
		if b, ok := v.(bool); ok && b {
			return nil
		}
		return fmt.Errorf("%s must be True", path)
	case "InputFile":
		if _, ok := v.(string); ok {
			return nil
		}
		return fmt.Errorf("%s must be a file reference", path)
	}
	t, known := s.Types[typ]
	if !known {
		return nil // a type the spec does not describe: nothing to check against
	}
	if len(t.Subtypes) > 0 {
		return s.checkUnion(v, t.Subtypes, path)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be a JSON object (%s)", path, typ)
	}
	if t.Fields == nil {
		return nil // placeholder types such as CallbackGame carry no fields
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := t.Fields[k]
		if !ok {
			return fmt.Errorf("unknown field %q in %s (%s)", k, path, typ)
		}
		if obj[k] == nil {
			continue // null is "absent" to the real server
		}
		if err := s.checkAlternatives(obj[k], f.Types, path+"."+k); err != nil {
			return err
		}
	}
	for name, f := range t.Fields {
		if f.Required {
			if _, ok := obj[name]; !ok {
				return fmt.Errorf("%s (%s) lacks required field %q", path, typ, name)
			}
		}
	}
	return nil
}

func (s *apiSpec) checkAlternatives(v any, types []string, path string) error {
	var firstErr error
	for _, t := range types {
		err := s.checkJSON(v, t, path)
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
func (s *apiSpec) checkUnion(v any, members []string, path string) error {
	best, bestScore := error(nil), -1
	for _, m := range members {
		err := s.checkJSON(v, m, path)
		if err == nil {
			return nil
		}
		score := 0
		if obj, ok := v.(map[string]any); ok {
			for k := range obj {
				if _, ok := s.Types[m].Fields[k]; ok {
					score++
				}
			}
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

// canonicalJSON re-encodes a JSON value so that two markups can be compared
// regardless of spacing and key order.
func canonicalJSON(raw string) string {
	v, err := decodeJSON(raw)
	if err != nil {
		return raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // maps encode with sorted keys
	return strings.TrimSpace(buf.String())
}
