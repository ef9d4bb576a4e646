#include "notify/curl_transport.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <mutex>

#include <boost/url/parse.hpp>
#include <curl/curl.h>

#include "obs/trace.hpp"

namespace crema::notify {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

constexpr std::size_t kMaxAnswer = 4096;

// The client span of one outbound call (SPEC §15.5): the host only, never the URL (an SMS
// provider's URL holds its credentials, a webhook's may hold a token).
class CallSpan {
 public:
  CallSpan(std::string_view method, const std::string& url) : span_(method, obs::SpanKind::client) {
    if (!span_.active()) return;
    span_.attr("http.request.method", method);
    if (auto u = boost::urls::parse_uri(url))
      span_.attr("server.address", std::string_view(u->encoded_host()))
          .attr("url.scheme", std::string_view(u->scheme()));
  }
  /// The header list with this call's traceparent added.
  curl_slist* traced(curl_slist* list) const {
    const std::string line = obs::traceparent_header_line();
    return line.empty() ? list : curl_slist_append(list, line.c_str());
  }
  void finish(const HttpPostResult& out) {
    if (!span_.active()) return;
    if (!out.error.empty()) {
      span_.fail(out.error);
      return;
    }
    span_.attr("http.response.status_code", static_cast<std::int64_t>(out.status));
    if (out.status >= 500) span_.fail("HTTP " + std::to_string(out.status));
  }

 private:
  obs::ScopedSpan span_;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (out->size() < kMaxAnswer) out->append(data, std::min(bytes, kMaxAnswer - out->size()));
  return bytes;
}

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t feed(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t room = size * n;
  const std::size_t left = up->data->size() - up->offset;
  const std::size_t take = std::min(room, left);
  std::memcpy(buffer, up->data->data() + up->offset, take);
  up->offset += take;
  return take;
}

// libcurl calls it about once a second, and on every chunk: non-zero abandons the transfer.
int check_abort(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(flag);
  return abort && abort->load(std::memory_order_relaxed) ? 1 : 0;
}

void common_options(CURL* c, std::chrono::milliseconds timeout, char* errbuf,
                    const std::atomic<bool>* abort) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (abort) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_abort);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));
  }
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(timeout.count(), 10000)));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  errbuf[0] = '\0';
}

// Opens a socket only to the pinned address: whatever libcurl was about to connect to (a
// lookup it should not have made, a proxy, an address added after the check) is refused.
curl_socket_t open_pinned(void* clientp, curlsocktype purpose, curl_sockaddr* a) {
  const auto* pin = static_cast<const util::IpAddress*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN || !pin) return CURL_SOCKET_BAD;
  util::IpAddress ip;
  const auto* raw = reinterpret_cast<const unsigned char*>(&a->addr);
  if (a->family == AF_INET && a->addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, raw, sizeof in);
    ip.is_v4 = true;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &in.sin_addr, 4);
  } else if (a->family == AF_INET6 && a->addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, raw, sizeof in6);
    std::memcpy(ip.bytes.data(), &in6.sin6_addr, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.is_v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
  } else {
    return CURL_SOCKET_BAD;
  }
  if (!(ip == *pin)) return CURL_SOCKET_BAD;
  return ::socket(a->family, a->socktype, a->protocol);
}

std::string curl_error(CURLcode code, const char* errbuf) {
  return errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(code));
}

}  // namespace

void ensure_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

HttpPostResult http_post(const std::string& url, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& userpwd, std::chrono::milliseconds timeout,
                         const std::atomic<bool>* abort, const util::OutboundTarget* pin) {
  ensure_curl();
  HttpPostResult out;
  CallSpan span("POST", url);
  CurlPtr c(curl_easy_init());
  if (!c) {
    out.error = "cannot create a libcurl handle";
    return out;
  }
  char errbuf[CURL_ERROR_SIZE];
  common_options(c.get(), timeout, errbuf, abort);
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = span.traced(curl_slist_append(list, "Expect:"));
  SlistPtr owned(list);
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list);
  if (!userpwd.empty()) {
    curl_easy_setopt(c.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c.get(), CURLOPT_USERPWD, userpwd.c_str());
  }
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 0L);
  SlistPtr resolve;
  util::IpAddress pinned;
  if (pin) {
    pinned = pin->address;
    if (!pin->literal) {
      const std::string address =
          pin->address.is_v4 ? pin->address.to_string() : "[" + pin->address.to_string() + "]";
      resolve.reset(curl_slist_append(
          nullptr, (pin->host + ":" + std::to_string(pin->port) + ":" + address).c_str()));
      curl_easy_setopt(c.get(), CURLOPT_RESOLVE, resolve.get());
    }
    curl_easy_setopt(c.get(), CURLOPT_PROXY, "");
    curl_easy_setopt(c.get(), CURLOPT_OPENSOCKETFUNCTION, open_pinned);
    curl_easy_setopt(c.get(), CURLOPT_OPENSOCKETDATA, &pinned);
  }
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &out.body);
  const CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    out.error = curl_error(rc, errbuf);
  } else {
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &out.status);
  }
  span.finish(out);
  return out;
}

namespace {
struct Sink {
  std::string* out;
  std::size_t max;
};
std::size_t collect_up_to(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * n;
  if (sink->out->size() < sink->max)
    sink->out->append(data, std::min(bytes, sink->max - sink->out->size()));
  return bytes;
}
}  // namespace

HttpPostResult http_call(const HttpCall& call) {
  ensure_curl();
  HttpPostResult out;
  CallSpan span(call.method, call.url);
  CurlPtr c(curl_easy_init());
  if (!c) {
    out.error = "cannot create a libcurl handle";
    return out;
  }
  char errbuf[CURL_ERROR_SIZE];
  common_options(c.get(), call.timeout, errbuf, nullptr);
  curl_easy_setopt(c.get(), CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  if (call.method == "GET") {
    curl_easy_setopt(c.get(), CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(call.body.size()));
    if (call.method != "POST")
      curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  curl_slist* list = nullptr;
  for (const auto& [k, v] : call.headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = span.traced(curl_slist_append(list, "Expect:"));
  SlistPtr owned(list);
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list);
  if (!call.userpwd.empty()) {
    curl_easy_setopt(c.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c.get(), CURLOPT_USERPWD, call.userpwd.c_str());
  }
  Sink sink{&out.body, call.max_answer};
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, collect_up_to);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &sink);
  const CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    out.error = curl_error(rc, errbuf);
  } else {
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &out.status);
  }
  span.finish(out);
  return out;
}

std::optional<SmtpSettings> parse_smtp_url(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const auto scheme = parsed->scheme();
  if (scheme != "smtp" && scheme != "smtps") return std::nullopt;
  if (parsed->host().empty()) return std::nullopt;
  SmtpSettings s;
  s.url = std::string(scheme) + "://" + std::string(parsed->encoded_host_and_port());
  s.user = parsed->user();
  s.password = parsed->password();
  s.require_tls = true;
  return s;
}

std::string smtp_send(const SmtpSettings& settings, const std::string& from, const std::string& to,
                      const std::string& data, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* abort) {
  ensure_curl();
  CurlPtr c(curl_easy_init());
  if (!c) return "cannot create a libcurl handle";
  char errbuf[CURL_ERROR_SIZE];
  common_options(c.get(), timeout, errbuf, abort);
  curl_easy_setopt(c.get(), CURLOPT_URL, settings.url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // smtp://: upgrade with STARTTLS and refuse to go on in clear text (credentials and
  // customers' addresses travel in it); smtps://: TLS from the first byte.
  curl_easy_setopt(
      c.get(), CURLOPT_USE_SSL,
      settings.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  if (!settings.ca_file.empty())
    curl_easy_setopt(c.get(), CURLOPT_CAINFO, settings.ca_file.c_str());
  if (!settings.user.empty()) {
    curl_easy_setopt(c.get(), CURLOPT_USERNAME, settings.user.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PASSWORD, settings.password.c_str());
  }
  const std::string mail_from = "<" + from + ">";
  curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, mail_from.c_str());
  SlistPtr rcpt(curl_slist_append(nullptr, ("<" + to + ">").c_str()));
  curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, rcpt.get());
  Upload up{&data};
  curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, feed);
  curl_easy_setopt(c.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
  const CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) {
    long reply = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &reply);
    std::string e = curl_error(rc, errbuf);
    if (reply > 0) e += " (SMTP " + std::to_string(reply) + ")";
    return e;
  }
  return {};
}

}  // namespace crema::notify
