package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"quizbot/contestfile"
	"quizbot/ingest"
)

func TestContestApplyDryRun(t *testing.T) {
	ce := newContestEnv(t)
	// First, on an empty database: would be created, and nothing is.
	path := ce.file(contestYAML)
	before := ce.state()
	code, out, errOut := ce.run("contest", "apply", "--dry-run", path)
	if code != 0 || errOut != "" || out != "dry run, nothing changed: contest cchc-2026 would be created; rounds: 4 added, 0 updated, 0 removed, 0 unchanged\n" {
		t.Fatalf("first dry run: exit %d, %q, %q", code, out, errOut)
	}
	if ce.state() != before {
		t.Fatal("the dry run changed the database")
	}
	if code, _, errOut := ce.run("contest", "apply", path); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	// The applied text is kept, for the console to edit.
	if src, ok, err := ce.db.ContestSource(context.Background(), "cchc-2026"); err != nil || !ok || src != contestYAML {
		t.Errorf("source: %v %v %q", ok, err, src)
	}

	// Round 4 moved, round 3 dropped, round 5 added.
	edited := strings.Replace(contestYAML, "opens_at: 2027-01-04 07:30", "opens_at: 2027-01-05 07:30", 1)
	edited = strings.Replace(edited, "  - number: 3\n    opens_at: 2026-12-21 07:30\n    closes_at: 2026-12-25 16:30\n    topics: [Một cửa, PAR Index]\n", "", 1)
	edited = strings.Replace(edited, "schedule:", "  - number: 5\n    opens_at: 2027-01-11 07:30\n    closes_at: 2027-01-15 16:30\nschedule:", 1)
	path = ce.file(edited)
	before = ce.state()
	code, out, errOut = ce.run("contest", "apply", path, "--dry-run")
	if code != 0 || errOut != "" || out != "dry run, nothing changed: contest cchc-2026 would be updated; rounds: 1 added, 1 updated, 1 removed, 2 unchanged\n" {
		t.Fatalf("second dry run: exit %d, %q, %q", code, out, errOut)
	}
	if ce.state() != before {
		t.Fatal("the dry run changed the database")
	}

	// A dry run of a wrong file lists the same problems as the apply, the
	// database's included, and changes nothing.
	bad := ce.file(strings.Replace(contestYAML, "questions_per_attempt: 20", "questions_per_attempt: 31", 1))
	code, out, errOut = ce.run("contest", "apply", "--dry-run", bad)
	want := bad + ":3: questions_per_attempt: mỗi bài thi cần 31 câu hỏi, nhưng ngân hàng câu hỏi chỉ có 30 câu đang dùng\n" +
		bad + ":16: rounds.topics: đợt 3 cần 31 câu hỏi mỗi bài thi, nhưng các chủ đề của đợt chỉ có 20 câu đang dùng\n" +
		"quizbot: contest apply: " + bad + " bị từ chối (2 lỗi), cơ sở dữ liệu không thay đổi\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("bad dry run: exit %d, %q\n%s\nwant:\n%s", code, out, errOut, want)
	}
	if ce.state() != before {
		t.Fatal("a rejected dry run changed the database")
	}
}

func TestContestApplyRefusesAStalePreview(t *testing.T) {
	ce := newContestEnv(t)
	ctx := context.Background()
	if code, _, errOut := ce.run("contest", "apply", ce.file(contestYAML)); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	data, err := os.ReadFile(ce.file(strings.Replace(contestYAML, "CCHC 2026", "CCHC năm 2026", 1)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := contestfile.Parse("contest.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	preview, err := ingest.PreviewContest(ctx, ce.db, f, data)
	if err != nil {
		t.Fatal(err)
	}
	// Someone applies another version meanwhile.
	if code, _, errOut := ce.run("contest", "apply", ce.file(strings.Replace(contestYAML, `summary: "0 7 * * 1"`, `summary: "@weekly"`, 1))); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	before := ce.state()
	if _, err := ingest.ApplyContest(ctx, ce.db, f, data, preview.State); !errors.Is(err, ingest.ErrStale) {
		t.Fatalf("stale apply: %v", err)
	}
	if ce.state() != before {
		t.Fatal("a stale apply changed the database")
	}
	// A fresh preview applies.
	if preview, err = ingest.PreviewContest(ctx, ce.db, f, data); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ApplyContest(ctx, ce.db, f, data, preview.State); err != nil {
		t.Fatal(err)
	}
	if c, err := ce.db.ContestByCode(ctx, "cchc-2026"); err != nil || c.Name != "Cuộc thi tìm hiểu CCHC năm 2026" {
		t.Errorf("after apply: %q, %v", c.Name, err)
	}
}
