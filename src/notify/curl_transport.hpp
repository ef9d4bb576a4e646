#pragma once
/// The outgoing calls of the channels, over libcurl: an HTTP POST (SMS provider, partner
/// webhooks) and an SMTP submission (email). Blocking, with timeouts: run on worker threads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/outbound_url.hpp"

namespace crema::notify {

/// Calls curl_global_init once (thread-safe); every transport function calls it.
void ensure_curl();

struct HttpPostResult {
  long status = 0;    ///< 0 when no HTTP answer came
  std::string body;   ///< the answer (first 4 KiB)
  std::string error;  ///< transport error, "" when an answer came
};

/// POSTs `body` to `url`. `userpwd` ("user:password", may be empty) is sent as Basic auth.
/// The transfer is abandoned soon after `*abort` becomes true (when given). Redirects are
/// never followed.
///
/// With `pin` (a URL that came through the API, checked by util::check_outbound_url) the
/// connection goes to the checked address and nowhere else: the host name is pre-resolved
/// to it (CURLOPT_RESOLVE, so libcurl does no lookup of its own), no proxy is used, and a
/// socket is opened only to that address (CURLOPT_OPENSOCKETFUNCTION); anything else fails
/// the call as a transport error.
HttpPostResult http_post(const std::string& url, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& userpwd, std::chrono::milliseconds timeout,
                         const std::atomic<bool>* abort = nullptr,
                         const util::OutboundTarget* pin = nullptr);

/// A request to an API (payment gateways): any method, a larger answer kept whole.
struct HttpCall {
  std::string method = "POST";
  std::string url;
  std::string body;  ///< sent when not empty (or for POST)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string userpwd;  ///< Basic auth "user:password", "" for none
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_answer = 256 * 1024;  ///< an answer beyond this is cut (and so not JSON)
};
HttpPostResult http_call(const HttpCall& call);

struct SmtpSettings {
  std::string url;   ///< smtp://host:port or smtps://host:port (no credentials)
  std::string user;  ///< "" for no AUTH
  std::string password;
  std::string ca_file;      ///< extra CA bundle to trust, "" for the system's
  bool require_tls = true;  ///< smtp://: STARTTLS required (smtps://: TLS from the start)
};

/// Splits CREMA_SMTP_URL (`smtp://user:pass@host:587`) into settings; percent-escapes in
/// the user and password are decoded. Nothing when it is not a smtp:// or smtps:// URL.
std::optional<SmtpSettings> parse_smtp_url(const std::string& url);

/// Submits one message (`data`: the complete RFC 5322 message, CRLF line ends) from `from`
/// to `to`. Returns "" on success, else the error (the server's reply when there was one).
std::string smtp_send(const SmtpSettings& settings, const std::string& from, const std::string& to,
                      const std::string& data, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* abort = nullptr);

}  // namespace crema::notify
