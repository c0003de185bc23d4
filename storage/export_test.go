package storage

import "github.com/lib/pq"

// CatalogQueries counts the statements CurrentContest and QuestionPool have
// sent to Postgres.
func (db *DB) CatalogQueries() int64 { return db.catalog.queries.Load() }

// CatalogNotified is the catalog's own generation: it moves with every
// notification and listener event, and not with the process's writes.
func (db *DB) CatalogNotified() uint64 {
	db.catalog.mu.RLock()
	defer db.catalog.mu.RUnlock()
	return db.catalog.gen
}

// CatalogLive reports whether the cache is in use: the listener's LISTEN is
// acknowledged and its connection up.
func (db *DB) CatalogLive() bool {
	db.catalog.mu.RLock()
	defer db.catalog.mu.RUnlock()
	_, live := db.catalog.generationLocked()
	return live
}

// SetCatalogAfterQuery makes f run after every query of a cached read,
// before its result is stored. Set it while no read runs.
func (db *DB) SetCatalogAfterQuery(f func()) { db.catalog.afterQuery = f }

// SetCatalogDialer makes the catalog's listener connect through d. Set it
// before the first read.
func (db *DB) SetCatalogDialer(d pq.Dialer) { db.catalog.dialer = d }

// CatalogWrites counts the process's writes to the catalog tables.
func CatalogWrites() uint64 { return catalogWrites.Load() }
