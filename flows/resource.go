package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/oauthkit/oauthkit/internal/resourceid"
	"github.com/oauthkit/oauthkit/store"
)

// Resource indicators (RFC 8707): which resources a client may ask tokens for, and which
// audience the tokens it gets are bound to.

// MaxResources is the most resource parameters one request may name, and so the largest
// audience of a token; more is invalid_target.
const MaxResources = 10

// resourcePolicy is Config.Resources, Config.DefaultResource and
// Config.Policy.AllowResource, checked by New, in canonical form.
type resourcePolicy struct {
	listed map[string]bool // Config.Resources and DefaultResource
	def    []string        // DefaultResource alone; nil without one
	allow  func(ctx context.Context, client store.Client, resource string) (bool, error)
}

// newResourcePolicy checks the resource configuration of cfg. Every identifier must be a
// resource identifier (resourceid.Canonical); its canonical form is the one kept.
func newResourcePolicy(cfg Config) (resourcePolicy, error) {
	rp := resourcePolicy{allow: cfg.Policy.AllowResource}
	for i, r := range cfg.Resources {
		c, err := resourceid.Canonical(r)
		if err != nil {
			return rp, fmt.Errorf("flows: Config.Resources[%d]: %w", i, err)
		}
		if rp.listed == nil {
			rp.listed = make(map[string]bool, len(cfg.Resources)+1)
		}
		rp.listed[c] = true
	}
	if cfg.DefaultResource != "" {
		c, err := resourceid.Canonical(cfg.DefaultResource)
		if err != nil {
			return rp, fmt.Errorf("flows: Config.DefaultResource: %w", err)
		}
		if rp.listed == nil {
			rp.listed = make(map[string]bool, 1)
		}
		rp.listed[c] = true
		rp.def = []string{c}
	}
	return rp, nil
}

// orDefault is aud, or, when it is empty, the default resource's audience (nil without
// one). The result is never aud's memory when it is the default's: callers store it.
func (rp resourcePolicy) orDefault(aud []string) []string {
	if len(aud) == 0 && rp.def != nil {
		return slices.Clone(rp.def)
	}
	return aud
}

// allowed reports whether client may ask for resource, in canonical form: it is one of
// Config.Resources or the default resource, or Config.Policy.AllowResource allows it.
func (rp resourcePolicy) allowed(ctx context.Context, client store.Client, resource string) (bool, error) {
	if rp.listed[resource] {
		return true, nil
	}
	if rp.allow == nil {
		return false, nil
	}
	return rp.allow(ctx, client, resource)
}

// parseResources returns the canonical forms of the resource parameters raw, in the order
// sent, each once (RFC 8707 §2: absolute URIs without fragment; see package resourceid).
// One that is no resource identifier, or more than MaxResources, is invalid_target.
func parseResources(raw []string) ([]string, *Error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if len(raw) > MaxResources {
		return nil, InvalidTarget("at most %d resources may be requested at once", MaxResources)
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		c, err := resourceid.Canonical(r)
		if err != nil {
			var why resourceid.Error
			if errors.As(err, &why) {
				return nil, InvalidTarget("%s", why.Error())
			}
			return nil, InvalidTarget("the resource is not a valid resource identifier")
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkResources returns the audience of a new grant or token of client that asked for
// the resources requested (canonical, from parseResources): each must be allowed to the
// client, else invalid_target; none asks for the default resource, or for no audience
// without one.
func (s *Server) checkResources(ctx context.Context, client store.Client, requested []string) ([]string, *Error) {
	for _, r := range requested {
		ok, err := s.resources.allowed(ctx, client, r)
		switch {
		case err != nil:
			return nil, TemporarilyUnavailable(err)
		case !ok:
			return nil, InvalidTarget("the client may not request the resource %s", r)
		}
	}
	return s.resources.orDefault(requested), nil
}

// stillAllowed is the part of a grant's resources that its client may still ask for
// today: a refresh issues nothing for a resource taken from the client since. A grant
// whose resources were all taken is invalid_target: an empty audience would be no
// restriction at all.
func (s *Server) stillAllowed(ctx context.Context, client store.Client, granted []string) ([]string, *Error) {
	kept := granted[:0:0]
	for _, r := range granted {
		ok, err := s.resources.allowed(ctx, client, r)
		if err != nil {
			return nil, TemporarilyUnavailable(err)
		}
		if ok {
			kept = append(kept, r)
		}
	}
	if len(granted) > 0 && len(kept) == 0 {
		return nil, InvalidTarget("the client may no longer request the resources of this grant")
	}
	return kept, nil
}

// narrowResources is the audience of a token of a grant whose resources are granted, for
// a request that named the resources requested (canonical): every one must be among
// those granted (RFC 8707 §2.2), else invalid_target; none keeps the grant's. So a
// request may narrow the audience, never widen it.
func narrowResources(granted, requested []string) ([]string, *Error) {
	if len(requested) == 0 {
		return granted, nil
	}
	for _, r := range requested {
		if !slices.Contains(granted, r) {
			if len(granted) == 0 {
				return nil, InvalidTarget("the grant is for no resource in particular, so it cannot be narrowed to %s", r)
			}
			return nil, InvalidTarget("the resource %s was not granted", r)
		}
	}
	return requested, nil
}
