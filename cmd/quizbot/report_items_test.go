package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReportQuestionsAndSignalsCommands runs the two reports on the report
// fixture, where only member 7's cut-off attempt stored its answers (Q1 and
// Q2 right, Q3 left), and one chat account is then made to verify two
// members in turn.
func TestReportQuestionsAndSignalsCommands(t *testing.T) {
	db, getenv := reportDB(t)
	const header = "question_code,round,topic,asked,answered,facility,discrimination,key,option_a,option_b,option_c,option_d,option_e,option_f,flags\n"
	for _, tc := range []struct {
		args       []string
		want       string
		wantStderr string
	}{
		// Attempt 8 (2 of 3) is tied with attempts 1 and 7 just above the
		// lower group's first 2 places (0.27 × 10 = 2.7): it is in the lower
		// group for 0.7/3, never in the upper one, so no discrimination.
		{[]string{"questions", "--round", "1"}, header +
			"Q1,1,,1,1,1.000,,A,1,0,0,,,,\nQ2,1,,1,1,1.000,,B,0,1,0,,,,\nQ3,1,,1,0,0.000,,C,0,0,0,,,,\n",
			"report questions: contest cchc-2026 round 1: 3 questions, 0 flagged, csv to stdout\n"},
		{[]string{"questions", "--contest"}, header +
			"Q1,,,1,1,1.000,,A,1,0,0,,,,\nQ2,,,1,1,1.000,,B,0,1,0,,,,\nQ3,,,1,0,0.000,,C,0,0,0,,,,\n",
			"report questions: contest cchc-2026 the whole contest: 3 questions, 0 flagged, csv to stdout\n"},
		{[]string{"--contest", "cchc-2026", "questions"}, header +
			"Q1,,,1,1,1.000,,A,1,0,0,,,,\nQ2,,,1,1,1.000,,B,0,1,0,,,,\nQ3,,,1,0,0.000,,C,0,0,0,,,,\n",
			"report questions: contest cchc-2026 the whole contest: 3 questions, 0 flagged, csv to stdout\n"},
		{[]string{"signals", "--round", "1"}, "kind,unit_code,unit_name,members,phones,evidence,first_at,last_at\n",
			"report signals: contest cchc-2026 round 1: 0 signals to check (none is a penalty), csv to stdout\n"},
	} {
		code, out, errOut := runReport(t, getenv, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		if out != tc.want {
			t.Errorf("%v: stdout =\n%s\nwant\n%s", tc.args, out, tc.want)
		}
		if errOut != tc.wantStderr {
			t.Errorf("%v: stderr = %q, want %q", tc.args, errOut, tc.wantStderr)
		}
	}

	// Member 2's Telegram account is unlinked and then verifies member 4
	// (as `member unlink` and a new share of a phone would): one signal,
	// whatever round is asked for, since it is about the account.
	if _, err := db.ExecContext(context.Background(), `
		DELETE FROM identities WHERE member_id = 2;
		INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES (4, 'telegram', '1002', '1002')
		ON CONFLICT (member_id, platform) DO UPDATE SET external_id = '1002', chat_id = '1002'`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runReport(t, getenv, "signals", "--round", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "\nshared_account,\"SNV, SGD\",,Trần Thị Bình; Vũ Thị Dung,0912000002; 0912000004,Một tài khoản Telegram (mã 1002) đã lần lượt xác thực 2 người:") {
		t.Errorf("no shared account signal in\n%s", out)
	}
	// The whole contest's workbook lists it once, not once per round.
	out = filepath.Join(t.TempDir(), "ca-cuoc-thi.xlsx")
	if code, _, errOut := runReport(t, getenv, "workbook", "--contest", "--out", out); code != 0 {
		t.Fatalf("report workbook --contest: exit %d: %s", code, errOut)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Dấu hiệu bất thường")
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, r := range rows[2:] {
		if len(r) > 1 && r[1] == "Một tài khoản xác thực nhiều người" {
			shared++
			if r[0] != "2" {
				t.Errorf("the shared account under round %q, want the last round, 2", r[0])
			}
		}
	}
	if shared != 1 {
		t.Errorf("the contest's workbook lists the shared account %d times, want once:\n%q", shared, rows)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"questions"}, "report questions needs --round N (one round) or --contest (the whole contest)"},
		{[]string{"signals"}, "report signals needs --round N"},
		{[]string{"signals", "--contest"}, "report signals needs --round N"},
		{[]string{"questions", "--round", "1", "--contest"}, "takes --round N or --contest, not both"},
		{[]string{"questions", "--round", "7"}, "contest cchc-2026 has no round 7"},
		{[]string{"questions", "--round", "1", "--format", "pdf"}, `--format "pdf"`},
	} {
		code, out, errOut := runReport(t, getenv, tc.args...)
		if code == 0 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a failure saying %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
