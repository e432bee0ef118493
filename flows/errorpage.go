package flows

import (
	"net/http"
	"net/url"
)

// Exception details of the error pages of federated sign-in (package federation).
const (
	// DetailOrganizationNotFound: the upstream organization is not mapped to a local one.
	DetailOrganizationNotFound = "organization_not_found"
	// DetailNotAuthorised: the upstream person holds no role that may sign in.
	DetailNotAuthorised = "not_authorised"
	// DetailOAuthConfiguration: the upstream is unreachable or misconfigured, or its
	// answer could not be trusted (bad client credentials, invalid ID token).
	DetailOAuthConfiguration = "oauth_configuration"
)

// errorPageText explains each oauth_exception to a person.
var errorPageText = map[string][2]string{
	ErrInvalidRequest:          {"The request was not valid", "The app sent a sign-in request that is missing something or is malformed. Go back to the app and try again; if it keeps happening, the app needs fixing."},
	ErrUnauthorizedClient:      {"This app cannot sign you in", "The app is not allowed to ask for access this way. Its configuration needs fixing by its developer."},
	ErrAccessDenied:            {"Access was not granted", "The request for access was denied."},
	ErrUnsupportedResponseType: {"This kind of sign-in is not supported", "The app asked for a response type this server does not offer."},
	ErrInvalidScope:            {"The app asked for permissions it cannot have", "The requested permissions are unknown, not allowed for this app, or need a role your account does not have."},
	ErrInvalidTarget:           {"The app asked for access to a service it cannot have", "The service the app named is unknown here, malformed, or not one this app may use."},
	ErrServerError:             {"Something went wrong on our side", "The server ran into an unexpected problem. Please try again in a moment."},
	ErrTemporarilyUnavailable:  {"The service is temporarily unavailable", "Please try again in a moment."},
	ErrMissingGrant:            {"The app is missing your permission", "The permissions this app needs were never given, were rejected, or have changed since."},
}

// detailText explains each exception_details value.
var detailText = map[string]string{
	DetailClientIDNotFound:   "The app's client ID is missing or does not exist.",
	DetailRedirectURINotSet:  "The app has no redirect URI configured, so there is nowhere safe to send you back to.",
	DetailInvalidRedirectURI: "The app asked to send you back to an address it has not registered, so you were not sent there.",
	DetailTooManyRedirects:   "The app redirected here too many times in a short time; it may be stuck in a loop.",
	// Federated sign-in (package federation).
	DetailOrganizationNotFound: "Your organization has not been set up here yet. Ask your administrator to connect it.",
	DetailNotAuthorised:        "Your account has no role that may sign in here. Ask your administrator to give you one.",
	DetailOAuthConfiguration:   "The connection to the sign-in provider is misconfigured or the provider is unreachable. Please try again later; if it keeps happening, tell your administrator.",
}

// detailHeadline replaces the headline and message of the oauth_exception for the
// exception_details that say better what happened than the code does.
var detailHeadline = map[string][2]string{
	DetailTooManyRedirects: {"This app is stuck in a redirect loop", "It kept sending you back here to sign in, again and again within a few seconds, so the sign-in was stopped. Wait a moment, then go back to the app and try once more; if it keeps happening, the app needs fixing."},
}

// ErrorPage is what the "error" template receives: a headline, a message, and the codes
// support asks for. A message that names an id (an upstream organization, say) has it in
// MessageID, shown as code between Message and MessageEnd.
type ErrorPage struct {
	// Title is the headline.
	Title string
	// Message explains what happened; MessageID and MessageEnd continue it.
	Message, MessageID, MessageEnd string
	// Code is the oauth_exception; Detail, the exception_details, if any.
	Code, Detail string
	// DetailMessage explains Detail. Left empty, [Server.RenderErrorPage] fills in the
	// standard explanation of a known Detail.
	DetailMessage string
}

// RenderErrorPage answers r with the error page (status, and the server's "error"
// template) showing p. Sign-in packages show their failures with it.
func (s *Server) RenderErrorPage(w http.ResponseWriter, r *http.Request, status int, p ErrorPage) {
	if p.DetailMessage == "" {
		p.DetailMessage = detailText[p.Detail]
	}
	s.renderPage(w, r, status, "error", p, FormAction())
}

// ErrorPageHandler returns the error page (default path /ooops): a friendly explanation of
// the oauth_exception and exception_details in its query, with both codes visible for
// support. Only known codes are echoed; anything else shows a generic message.
func (s *Server) ErrorPageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			MethodNotAllowed(w, "GET, HEAD")
			return
		}
		q := r.URL.Query()
		d := ErrorPage{Title: "Something went wrong", Message: "The sign-in could not be completed.", Code: "unknown"}
		if t, ok := errorPageText[q.Get("oauth_exception")]; ok {
			d.Code, d.Title, d.Message = q.Get("oauth_exception"), t[0], t[1]
		}
		if m, ok := detailText[q.Get("exception_details")]; ok {
			d.Detail, d.DetailMessage = q.Get("exception_details"), m
		}
		if t, ok := detailHeadline[d.Detail]; ok {
			d.Title, d.Message = t[0], t[1]
		}
		s.renderPage(w, r, http.StatusOK, "error", d, FormAction())
	})
}

// toErrorPage sends the person to the error page with e's code and detail.
func (s *Server) toErrorPage(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Err != nil {
		s.log.ErrorContext(r.Context(), "oauthkit: authorization failed", "code", e.Code, "err", e.Err)
	}
	q := url.Values{"oauth_exception": {e.Code}}
	if e.Detail != "" {
		q.Set("exception_details", e.Detail)
	}
	http.Redirect(w, r, s.link(s.cfg.Paths.ErrorPage)+"?"+q.Encode(), RedirectStatus(r))
}
