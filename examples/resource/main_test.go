package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown validator":     {"-validator", "magic"},
		"introspect w/o secret": {"-validator", "introspect"},
		"unsupported db":        {"-db", "sqlite:x.db"},
		"bad hash key":          {"-hash-key", "zz"},
		"bad introspection URL": {"-validator", "introspect", "-client-secret", "s", "-introspect-url", "/x"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("OAUTHKIT_RESOURCE_CLIENT_SECRET", "")
			c, err := parseFlags(args, io.Discard)
			if err == nil {
				_, _, _, err = newHandler(context.Background(), c)
			}
			if err == nil {
				t.Error("no error")
			}
		})
	}
	if err := run(context.Background(), []string{"-nope"}, io.Discard); err == nil {
		t.Error("run accepted an unknown flag")
	}
}

func TestValidatorsBuild(t *testing.T) {
	for _, args := range [][]string{
		{"-validator", "introspect", "-client-secret", "s"},
		{"-validator", "jwt"},
		{"-validator", "local"},
	} {
		c, err := parseFlags(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, _, cleanup, err := newHandler(context.Background(), c)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		cleanup()
	}
}

func TestLocalMemoryDemoTokens(t *testing.T) {
	// The standalone demo: the printed curl commands work.
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h, demo, cleanup, err := newHandler(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if len(demo) != 3 {
		t.Fatalf("%d demo tokens", len(demo))
	}
	for _, d := range demo {
		req := httptest.NewRequest("GET", pathFor(d.what), nil)
		name, value, _ := strings.Cut(d.header, ": ")
		req.Header.Set(name, value)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("%s: status %d %s", d.what, rec.Code, rec.Body)
		}
	}
}

// TestLocalSharedDatabase: -validator local with the authorization server's database and
// hash key validates the tokens stored there.
func TestLocalSharedDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "auth.db")
	key := bytes.Repeat([]byte{7}, 32)
	st, err := openDB(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := seed(ctx, st, key) // as the server would have stored them
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseFlags([]string{"-db", dsn, "-hash-key", hex.EncodeToString(key)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h, _, cleanup, err := newHandler(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	req := httptest.NewRequest("GET", "/v3/agent/chats", nil)
	name, value, _ := strings.Cut(toks[0].header, ": ")
	req.Header.Set(name, value)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET /v3/agent/chats with a token from the shared database: %d %s", rec.Code, rec.Body)
	}
	req.Header.Set("Authorization", "Bearer oak:at_unknown")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Fatalf("an unknown token: %d", rec.Code)
	}
}
