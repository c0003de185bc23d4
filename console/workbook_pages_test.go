package console_test

import (
	"testing"

	"quizbot/console"
)

// The workbook of `quizbot report workbook` is still built in package main
// (cmd/quizbot): the console's tests run without it until it moves to
// report (report.BuildWorkbook).
const workbookSlices = false

func workbookFunc(*fixture) console.WorkbookFunc { return nil }

// downloadWorkbook downloads round 1's workbook in the browser and reads
// it back; it runs once workbookFunc gives a workbook.
func downloadWorkbook(t *testing.T, c *chrome) {}
