package flows_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// cssRule returns the declarations of the first rule for selector in p's style sheet.
func cssRule(p page, selector string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(selector) + `\{([^}]*)\}`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestPagesOnSmallScreens: the pages suit a phone's screen. The card keeps a margin to the
// screen's edges (the page has side padding, and narrow screens get a smaller margin and
// padding), long words (an email, an id) break rather than overflow, and each scope name
// on the consent page stays whole on one line where it fits: it is an inline block that
// moves to the next line whole and breaks only when it is longer than the line.
func TestPagesOnSmallScreens(t *testing.T) {
	e := newEnv(t)
	_, consent := e.consentPage(authzQuery(url.Values{"scope": {"chats--my:ro chats--all:rw customers:own"}}))
	errPage := e.browser().get("/?client_id=nope")
	for name, p := range map[string]page{"consent": consent, "error": errPage} {
		if !strings.Contains(p.body, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
			t.Errorf("%s page: no viewport meta tag", name)
		}
		for selector, decls := range map[string][]string{
			"body":                          {"padding:0 1rem"},
			"main":                          {"max-width:28rem", "margin:3rem auto", "overflow-wrap:break-word"},
			"@media (max-width:30rem){main": {"margin:1rem auto", "padding:1.25rem"},
		} {
			rule := cssRule(p, selector)
			for _, d := range decls {
				if !strings.Contains(rule, d) {
					t.Errorf("%s page: rule %s{%s} lacks %s", name, selector, rule, d)
				}
			}
		}
	}
	rule := cssRule(consent, "ul.scopes .scope")
	for _, d := range []string{"display:inline-block", "max-width:100%", "overflow-wrap:anywhere"} {
		if !strings.Contains(rule, d) {
			t.Errorf("consent page: rule ul.scopes .scope{%s} lacks %s", rule, d)
		}
	}
	for _, name := range []string{"chats--my:ro", "chats--all:rw", "customers:own"} {
		if !strings.Contains(consent.body, `<span class="note scope">(<code>`+name+`</code>)</span>`) {
			t.Errorf("consent page: the scope %s is not in a scope span:\n%s", name, consent.body)
		}
	}
}
