// Command gen writes spec.json, the compact Bot API description that the
// fake server in package telegramtest embeds, from the machine-readable
// api.json of PaulSonOfLars/telegram-bot-api-spec (MIT). It also copies that
// project's licence next to it, since spec.json is derived from its data.
//
// From the module root:
//
//	go run ./bot/telegram/telegramtest/gen
//
// or `go generate ./bot/telegram/telegramtest/`. Flags -in, -license and -out
// override the default paths (../shared/telegram-bot-api next to the module,
// and the telegramtest directory).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Field is one parameter of a method or one field of a type.
type Field struct {
	Types    []string `json:"types"`
	Required bool     `json:"required,omitempty"`
}

// Entry is a method or a type: its fields, and for methods what they return,
// for union types (MaybeInaccessibleMessage, BotCommandScope…) their members.
type Entry struct {
	Returns  []string         `json:"returns,omitempty"`
	Fields   map[string]Field `json:"fields,omitempty"`
	Subtypes []string         `json:"subtypes,omitempty"`
}

// Spec is the whole of spec.json.
type Spec struct {
	Version     string           `json:"version"`
	ReleaseDate string           `json:"release_date"`
	Source      string           `json:"source"`
	Methods     map[string]Entry `json:"methods"`
	Types       map[string]Entry `json:"types"`
}

// apiJSON is the part of api.json that the fake needs; descriptions and
// links are dropped to keep the embedded file small.
type apiJSON struct {
	Version     string `json:"version"`
	ReleaseDate string `json:"release_date"`
	Methods     map[string]struct {
		Returns []string `json:"returns"`
		Fields  []struct {
			Name     string   `json:"name"`
			Types    []string `json:"types"`
			Required bool     `json:"required"`
		} `json:"fields"`
	} `json:"methods"`
	Types map[string]struct {
		Fields []struct {
			Name     string   `json:"name"`
			Types    []string `json:"types"`
			Required bool     `json:"required"`
		} `json:"fields"`
		Subtypes []string `json:"subtypes"`
	} `json:"types"`
}

func main() {
	root, err := moduleRoot()
	if err != nil {
		fail(err)
	}
	in := flag.String("in", filepath.Join(root, "..", "shared", "telegram-bot-api", "api.json"), "api.json to read")
	lic := flag.String("license", "", "LICENSE of api.json (default: next to -in)")
	out := flag.String("out", filepath.Join(root, "bot", "telegram", "telegramtest"), "directory to write spec.json and spec.LICENSE into")
	flag.Parse()
	if *lic == "" {
		*lic = filepath.Join(filepath.Dir(*in), "LICENSE")
	}

	raw, err := os.ReadFile(*in)
	if err != nil {
		fail(err)
	}
	spec, err := Convert(raw)
	if err != nil {
		fail(fmt.Errorf("%s: %w", *in, err))
	}
	var buf bytes.Buffer
	if err := Write(&buf, spec); err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "spec.json"), buf.Bytes(), 0o644); err != nil {
		fail(err)
	}

	licText, err := os.ReadFile(*lic)
	if err != nil {
		fail(err)
	}
	note := "spec.json in this directory is generated from api.json of\n" +
		"https://github.com/PaulSonOfLars/telegram-bot-api-spec (" + spec.Version + "),\n" +
		"which is distributed under the following licence.\n\n"
	if err := os.WriteFile(filepath.Join(*out, "spec.LICENSE"), append([]byte(note), licText...), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("gen: %d methods, %d types (%s) -> %s\n", len(spec.Methods), len(spec.Types), spec.Version, *out)
}

// Convert turns api.json into the compact Spec.
func Convert(raw []byte) (*Spec, error) {
	var a apiJSON
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	if len(a.Methods) == 0 {
		return nil, errors.New("no methods")
	}
	s := &Spec{
		Version:     a.Version,
		ReleaseDate: a.ReleaseDate,
		Source:      "https://github.com/PaulSonOfLars/telegram-bot-api-spec (api.json, MIT)",
		Methods:     map[string]Entry{},
		Types:       map[string]Entry{},
	}
	for name, m := range a.Methods {
		e := Entry{Returns: m.Returns, Fields: map[string]Field{}}
		for _, f := range m.Fields {
			e.Fields[f.Name] = Field{Types: f.Types, Required: f.Required}
		}
		s.Methods[name] = e
	}
	for name, t := range a.Types {
		e := Entry{Subtypes: t.Subtypes}
		if len(t.Fields) > 0 {
			e.Fields = map[string]Field{}
		}
		for _, f := range t.Fields {
			e.Fields[f.Name] = Field{Types: f.Types, Required: f.Required}
		}
		s.Types[name] = e
	}
	return s, nil
}

// Write prints the spec with one method or type per line: small enough to
// embed, and a regeneration after a Bot API release diffs line by line.
func Write(w io.Writer, s *Spec) error {
	var buf bytes.Buffer
	head := func(k string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(&buf, "  %q: %s,\n", k, b)
	}
	buf.WriteString("{\n")
	head("version", s.Version)
	head("release_date", s.ReleaseDate)
	head("source", s.Source)
	section := func(k string, m map[string]Entry, last bool) error {
		fmt.Fprintf(&buf, "  %q: {\n", k)
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for i, n := range names {
			b, err := json.Marshal(m[n]) // map keys come out sorted
			if err != nil {
				return err
			}
			sep := ","
			if i == len(names)-1 {
				sep = ""
			}
			fmt.Fprintf(&buf, "    %q: %s%s\n", n, b, sep)
		}
		if last {
			buf.WriteString("  }\n")
		} else {
			buf.WriteString("  },\n")
		}
		return nil
	}
	if err := section("methods", s.Methods, false); err != nil {
		return err
	}
	if err := section("types", s.Types, true); err != nil {
		return err
	}
	buf.WriteString("}\n")
	if !json.Valid(buf.Bytes()) {
		return errors.New("generated spec is not valid JSON")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// moduleRoot walks up from the working directory to go.mod, so that the
// generator works both from the module root and from go generate (which runs
// in the package directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
