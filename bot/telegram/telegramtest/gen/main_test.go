package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestConvertAndWrite(t *testing.T) {
	api := `{
	  "version": "Bot API 1.0", "release_date": "today", "changelog": "x",
	  "methods": {
	    "sendMessage": {"name": "sendMessage", "href": "h", "description": ["d"], "returns": ["Message"],
	      "fields": [
	        {"name": "chat_id", "types": ["Integer", "String"], "required": true, "description": "d"},
	        {"name": "text", "types": ["String"], "required": true, "description": "d"},
	        {"name": "parse_mode", "types": ["String"], "required": false, "description": "d"}
	      ]},
	    "getMe": {"name": "getMe", "href": "h", "description": ["d"], "returns": ["User"]}
	  },
	  "types": {
	    "BotCommandScope": {"name": "BotCommandScope", "href": "h", "description": ["d"], "subtypes": ["BotCommandScopeDefault"]},
	    "BotCommandScopeDefault": {"name": "BotCommandScopeDefault", "href": "h", "description": ["d"],
	      "fields": [{"name": "type", "types": ["String"], "required": true, "description": "d"}], "subtype_of": ["BotCommandScope"]}
	  }
	}`
	spec, err := Convert([]byte(api))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, spec); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`"version": "Bot API 1.0",`,
		`"getMe": {"returns":["User"]},`,
		`"sendMessage": {"returns":["Message"],"fields":{"chat_id":{"types":["Integer","String"],"required":true},"parse_mode":{"types":["String"]},"text":{"types":["String"],"required":true}}}`,
		`"BotCommandScope": {"subtypes":["BotCommandScopeDefault"]},`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	if strings.Contains(out, "description") || strings.Contains(out, "href") {
		t.Error("descriptions and links should be dropped")
	}
	var back Spec
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !back.Methods["sendMessage"].Fields["text"].Required {
		t.Fatalf("output does not read back: %v", err)
	}
	// Regenerating gives the same bytes: diffs show only real changes.
	var again bytes.Buffer
	_ = Write(&again, spec)
	if again.String() != out {
		t.Error("output is not deterministic")
	}
}

func TestConvertRejectsEmpty(t *testing.T) {
	if _, err := Convert([]byte(`{"version":"x","methods":{}}`)); err == nil {
		t.Error("an api.json without methods was accepted")
	}
}
