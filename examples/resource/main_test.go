package main

import (
	"context"
	"io"
	"net/http/httptest"
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
