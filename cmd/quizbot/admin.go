package main

import (
	"fmt"
	"net"
	"net/http"

	"quizbot/metrics"
	"quizbot/quiz"
)

// observe gives the service its metrics: the conversation, the quiz, the
// notification sender and the Zalo client tell them what happens; the
// queue, the attempts in progress and the pools are read when scraped.
// They cost a few counter increments per event, and are served on
// ADMIN_ADDR alone (adminRoutes).
func (s *server) observe(svc *quiz.Service) {
	s.metrics = metrics.New(metrics.Sources{DB: s.db, Redis: s.redis}, s.e.log)
	s.conv.Observe(s.metrics)
	svc.Observe(s.metrics)
	s.notify.Sender.Observe(s.metrics)
	if s.za != nil {
		s.za.Client().ObserveTokens(s.metrics)
	}
}

// adminRoutes registers the routes of ADMIN_ADDR: /metrics and
// /debug/pprof/, which have no login, on a listener of their own, never on
// LISTEN_ADDR's.
func (s *server) adminRoutes() http.Handler { return s.metrics.Admin() }

// listenAdmin opens ADMIN_ADDR's listener, or none when it is off.
func listenAdmin(e *env) (net.Listener, error) {
	if e.cfg.AdminAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", e.cfg.AdminAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on ADMIN_ADDR %s (metrics and profiles; another port, or 0 to turn them off): %w", e.cfg.AdminAddr, err)
	}
	return ln, nil
}

// serveAdmin serves the admin routes on s.adminLn, when there is one, and
// returns its server (nil without); its end is sent on errc.
func (s *server) serveAdmin(newHTTP func(http.Handler) *http.Server, errc chan<- error) *http.Server {
	if s.adminLn == nil {
		return nil
	}
	admin := newHTTP(s.adminRoutes())
	// pprof's profile and trace run for as long as asked (?seconds=30).
	admin.WriteTimeout = 0
	ln := s.adminLn
	go func() { errc <- admin.Serve(ln) }()
	addr := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		s.e.log.Warn("serving metrics and profiles beyond loopback: they have no login, keep ADMIN_ADDR's port off the public network",
			"addr", addr)
	}
	s.e.log.Info("serving metrics and profiles", "url", "http://"+addr+"/metrics")
	return admin
}
