package main

import (
	"quizbot/bot/chat"
	"quizbot/console"
)

// consoleReports are the console's Báo cáo options: activation codes unless
// members verify by phone alone (VERIFY=phone).
func consoleReports(verify string) console.ReportsOptions {
	return console.ReportsOptions{Codes: chat.VerifyMode(verify) != chat.VerifyPhone}
}
