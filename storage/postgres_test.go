package storage_test

import (
	"context"
	"sync"
	"testing"

	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func TestMigrateIsIdempotentAndLocked(t *testing.T) {
	url := storagetest.DatabaseURL(t)
	ctx := context.Background()
	// Two replicas starting at once: both succeed, the schema is applied once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := storage.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if applied[0]+applied[1] == 0 || (applied[0] > 0 && applied[1] > 0) {
		t.Fatalf("applied %v: want exactly one replica to apply the migrations", applied)
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, %v", n, err)
	}
	var tables int
	if err := db.Get(&tables, `SELECT count(*) FROM information_schema.tables WHERE table_schema='public' AND table_name IN ('units','members','identities','questions','contests','rounds','attempts','answers','notifications')`); err != nil || tables != 9 {
		t.Fatalf("tables: %d %v", tables, err)
	}
}
