package main

import (
	"slices"
	"testing"

	"quizbot/config"
	"quizbot/quiz"
)

// The platforms serve and notify share come from the configuration alone:
// Telegram with a token (any process sends on it), the web chat when on
// (only serve holds its chats).
func TestMessengersFromConfig(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       config.Config
		any, only []quiz.Platform
	}{
		{"nothing", config.Config{}, nil, nil},
		{"telegram", config.Config{TelegramToken: "1:x"}, []quiz.Platform{quiz.PlatformTelegram}, nil},
		{"web chat", config.Config{WebChat: true}, nil, []quiz.Platform{quiz.PlatformWeb}},
		{"both", config.Config{TelegramToken: "1:x", WebChat: true}, []quiz.Platform{quiz.PlatformTelegram}, []quiz.Platform{quiz.PlatformWeb}},
		{"zalo", config.Config{Zalo: config.Zalo{AppID: "1"}}, []quiz.Platform{quiz.PlatformZalo}, nil},
		{"telegram and zalo", config.Config{TelegramToken: "1:x", Zalo: config.Zalo{AppID: "1"}}, []quiz.Platform{quiz.PlatformTelegram, quiz.PlatformZalo}, nil},
	} {
		m := newMessengers(&env{cfg: tc.cfg})
		if got := m.anyProcess(); !slices.Equal(got, tc.any) {
			t.Errorf("%s: any process sends on %v, want %v", tc.name, got, tc.any)
		}
		if got := m.serveOnly(); !slices.Equal(got, tc.only) {
			t.Errorf("%s: only serve sends on %v, want %v", tc.name, got, tc.only)
		}
		if len(m.out) != 0 {
			t.Errorf("%s: opened %v before open", tc.name, m.out)
		}
	}
}
