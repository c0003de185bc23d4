package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// The entries section is stored with the contest, all or nothing: a judge
// off the roster is a problem at entries.judges.N; once entries exist the
// section cannot go, and once judges scored the rubric's criteria and
// maximums stay (their descriptions may change).
func TestApplyContestEntries(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	cfg := quiz.EntriesConfig{
		OpensAt: f.Now.Add(-time.Hour), ClosesAt: f.Now.Add(time.Hour), Submitter: quiz.SubmitterHead, MaxPerUnit: 1,
		Link: true, Rubric: []quiz.Criterion{{Name: "Nội dung", Description: "cũ", MaxPoints: 70}, {Name: "Hình thức", MaxPoints: 30}},
		Judges: []string{f.Members["dung"].Phone, "0999888777"}, Combine: quiz.CombineTrimmed, Blind: true,
		Prizes: quiz.EntryPrizes{Nhat: 1},
	}
	c := f.Contest
	c.Entries = &cfg
	_, err := db.ApplyContest(ctx, c)
	var ps quiz.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Field != "entries.judges.1" || !strings.Contains(ps[0].Message, "099****777 không phải cán bộ đang hoạt động trong danh sách") {
		t.Fatalf("unknown judge: %v", err)
	}
	if _, err := db.EntriesSetup(ctx, c.ID); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("a refused apply stored the section: %v", err)
	}
	cfg.Judges = cfg.Judges[:1]
	if _, err := db.ApplyContest(ctx, c); err != nil {
		t.Fatal(err)
	}
	s, err := db.EntriesSetup(ctx, c.ID)
	if err != nil || s.Config.Combine != quiz.CombineTrimmed || !s.Config.Blind || len(s.Judges) != 1 || s.Judges[0].ID != f.Members["dung"].ID ||
		len(s.Config.Rubric) != 2 || s.Config.Prizes.Nhat != 1 || !s.Config.ClosesAt.Equal(cfg.ClosesAt) || s.Config.Video != nil {
		t.Fatalf("stored %+v, %v", s, err)
	}

	clock := quiz.NewFakeClock(f.Now)
	svc := quiz.NewEntries(db, clock)
	e, err := svc.Submit(ctx, f.Members["chi"], c.ID, 0, quiz.EntryDraft{Title: "Bài", Authors: "Chi", URL: "https://v.example.vn/1"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(cfg.ClosesAt)
	if err := svc.ScoreEntry(ctx, f.Members["dung"], e.ID, []quiz.CriterionPoints{{Criterion: 0, Points: 5000}}); err != nil {
		t.Fatal(err)
	}

	noEntries := c
	noEntries.Entries = nil
	if _, err := db.ApplyContest(ctx, noEntries); quiz.ErrorCode(err) != quiz.ECONFLICT || !errors.As(err, &ps) || ps[0].Field != "entries" {
		t.Fatalf("removing the section with entries: %v", err)
	}
	cfg.Rubric[1].MaxPoints = 40
	if _, err := db.ApplyContest(ctx, c); quiz.ErrorCode(err) != quiz.ECONFLICT || !errors.As(err, &ps) || ps[0].Field != "entries.rubric" {
		t.Fatalf("changing a scored rubric: %v", err)
	}
	cfg.Rubric[1].MaxPoints = 30
	cfg.Rubric[0].Description = "mới"
	if _, err := db.ApplyContest(ctx, c); err != nil {
		t.Fatalf("a new description: %v", err)
	}
	if s, _ := db.EntriesSetup(ctx, c.ID); s.Config.Rubric[0].Description != "mới" {
		t.Fatalf("description %q", s.Config.Rubric[0].Description)
	}
}
