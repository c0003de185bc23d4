package main

import (
	"context"
	"errors"
	"time"

	"quizbot/bot/chat"
	"quizbot/console"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

// consoleReports are the console's Báo cáo options: codes unless members
// verify by phone alone, and the workbook of the command, which cannot cut
// a head's slice yet (heads do not get it).
func consoleReports(db *storage.DB, verify string) console.ReportsOptions {
	return console.ReportsOptions{
		Codes: chat.VerifyMode(verify) != chat.VerifyPhone,
		Workbook: func(ctx context.Context, c quiz.Contest, round int, unit string, now time.Time) (report.Workbook, error) {
			if unit != "" {
				return report.Workbook{}, errors.New("the workbook cannot be sliced by unit")
			}
			return buildWorkbook(ctx, db, c, round, now)
		},
	}
}
