// Command seed fills an empty quizbot database with a contest of a given
// size (storagetest.SeedScale), to measure the reports at a province's or a
// nation's size against the quizbot binary. By default the national round
// of issue 14: 1,890 units, 600,000 members (500,000 of whom take part),
// 1,000,000 attempts of 20 answers. See BENCHMARKS.md.
//
//	eval "$(scripts/services.sh env DIR)"
//	go run ./scripts/seed [-units N] [-members N] [-participants N] [-attempts N] [-rounds N]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func main() {
	s := storagetest.ScaleNational
	flag.IntVar(&s.Units, "units", s.Units, "units on three levels")
	flag.IntVar(&s.Members, "members", s.Members, "members, all active")
	flag.IntVar(&s.Participants, "participants", s.Participants, "members who take part (0: all)")
	flag.IntVar(&s.Attempts, "attempts", s.Attempts, "attempts per round, of 20 answers each")
	flag.IntVar(&s.Rounds, "rounds", 1, "closed rounds, a week apart")
	flag.Parse()
	url := os.Getenv("DATABASE_URL")
	if url == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: DATABASE_URL=… go run ./scripts/seed [-units N] [-members N] [-participants N] [-attempts N] [-rounds N]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := seed(ctx, url, s); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func seed(ctx context.Context, url string, s storagetest.Scale) error {
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	var units int
	if err := db.GetContext(ctx, &units, `SELECT count(*) FROM units`); err != nil {
		return err
	}
	if units > 0 {
		return fmt.Errorf("the database already has %d units: seed an empty database", units)
	}
	start := time.Now()
	if err := storagetest.SeedScale(ctx, db, s); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seed: %+v in %s; reports at %s: quizbot report results --round 1\n",
		s, time.Since(start).Round(time.Second), storagetest.ScaleNow(s).Format(time.RFC3339))
	return nil
}
