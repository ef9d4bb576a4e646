#include "obs/sentry.hpp"

#include <sodium.h>

#include <chrono>
#include <ctime>

#include <boost/json.hpp>
#include <curl/curl.h>

#include "obs/log.hpp"
#include "obs/report_post.hpp"

namespace crema::obs {
namespace {

namespace json = boost::json;

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return !s.empty();
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_';
}
bool is_host_char(char c) { return is_key_char(c) || c == '.' || c == ':' || c == '[' || c == ']'; }

std::string iso_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string random_event_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

/// Fields of a log line that become tags (short, searchable) rather than extras.
constexpr std::string_view kTagFields[] = {"route", "request_id", "method", "status"};

}  // namespace

std::optional<SentryDsn> SentryDsn::parse(std::string_view dsn) {
  SentryDsn out;
  out.text = std::string(dsn);
  const auto scheme_end = dsn.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  out.scheme = std::string(dsn.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") return std::nullopt;
  std::string_view rest = dsn.substr(scheme_end + 3);
  const auto at = rest.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view key = rest.substr(0, at);
  if (const auto colon = key.find(':'); colon != std::string_view::npos)
    key = key.substr(0, colon);  // the legacy secret part is not used
  if (!all_of(key, is_key_char)) return std::nullopt;
  out.public_key = std::string(key);
  rest = rest.substr(at + 1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  out.host = std::string(rest.substr(0, slash));
  if (!all_of(out.host, is_host_char)) return std::nullopt;
  std::string_view path = rest.substr(slash);  // "/…/PROJECT"
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto last = path.rfind('/');
  out.project_id = std::string(path.substr(last + 1));
  if (!all_of(out.project_id, is_digit)) return std::nullopt;
  out.path_prefix = std::string(path.substr(0, last));
  return out;
}

std::string SentryDsn::envelope_url() const {
  return scheme + "://" + host + path_prefix + "/api/" + project_id + "/envelope/";
}

std::string SentryDsn::auth_header(std::string_view client) const {
  return "Sentry sentry_version=7, sentry_client=" + std::string(client) +
         ", sentry_key=" + public_key;
}

std::optional<std::string> sentry_envelope(std::string_view log_line, const SentryDsn& dsn,
                                           const SentryProcess& process,
                                           std::string_view event_id) {
  boost::system::error_code ec;
  json::value parsed = json::parse(log_line, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& line = parsed.as_object();

  json::object event;
  event["event_id"] = event_id;
  event["timestamp"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  event["platform"] = "native";
  event["level"] = "error";
  event["logger"] = "crema";
  event["release"] = process.release;
  event["environment"] = process.environment;
  event["server_name"] = process.server_name;
  std::string message = "error";
  if (const auto* msg = line.if_contains("msg"); msg && msg->is_string())
    message = std::string(msg->as_string());
  if (const auto* err = line.if_contains("error"); err && err->is_string())
    message += ": " + std::string(err->as_string());
  event["message"] = json::object{{"formatted", message}};

  json::object tags;
  json::object extra;
  json::object trace;
  for (const auto& [key, value] : line) {
    if (key == "ts" || key == "level" || key == "msg") continue;
    if (key == "trace_id" || key == "span_id") {
      if (value.is_string()) trace[key] = value;
      continue;
    }
    bool is_tag = false;
    for (auto t : kTagFields) is_tag = is_tag || key == t;
    if (is_tag && (value.is_string() || value.is_int64())) {
      tags[key] = value.is_string() ? json::value(value.as_string())
                                    : json::value(std::to_string(value.as_int64()));
    } else {
      extra[key] = value;
    }
  }
  if (!tags.empty()) event["tags"] = std::move(tags);
  if (!extra.empty()) event["extra"] = std::move(extra);
  if (trace.contains("trace_id")) {
    // The line's span_id is the caller's (traceparent); this event is a span under it.
    if (auto* parent = trace.if_contains("span_id")) {
      json::value caller = *parent;
      trace["parent_span_id"] = std::move(caller);
    }
    trace["span_id"] = std::string(event_id.substr(0, 16));
    event["contexts"] = json::object{{"trace", std::move(trace)}};
  }

  const std::string payload = json::serialize(event);
  json::object header{{"event_id", event_id}, {"sent_at", iso_now()}, {"dsn", dsn.text}};
  json::object item{{"type", "event"},
                    {"length", static_cast<std::int64_t>(payload.size())},
                    {"content_type", "application/json"}};
  return json::serialize(header) + "\n" + json::serialize(item) + "\n" + payload + "\n";
}

SentryReporter::SentryReporter(SentryDsn dsn, SentryProcess process)
    : dsn_(std::move(dsn)), process_(std::move(process)) {}

SentryReporter::~SentryReporter() { stop(); }

void SentryReporter::start() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  {
    std::lock_guard lock(mutex_);
    started_ = true;
  }
  thread_ = std::thread([this] { loop(); });
  set_error_sink(
      [](void* self, std::string_view line) { static_cast<SentryReporter*>(self)->capture(line); },
      this);
}

void SentryReporter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    started_ = false;
  }
  set_error_sink(nullptr, nullptr);  // returns once no log line is inside capture()
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SentryReporter::capture(std::string_view log_line) {
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::minutes(1)) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (stopping_ || queue_.size() >= kMaxQueued || in_window_ >= kMaxPerMinute) {
      ++dropped_;
      return;
    }
    ++in_window_;
    queue_.emplace_back(log_line);
  }
  wake_.notify_one();
}

std::uint64_t SentryReporter::sent() const noexcept {
  std::lock_guard lock(mutex_);
  return sent_;
}

std::uint64_t SentryReporter::dropped() const noexcept {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool SentryReporter::send(const std::string& envelope) {
  const std::string error =
      post_report(dsn_.envelope_url(),
                  {"Content-Type: application/x-sentry-envelope",
                   "X-Sentry-Auth: " + dsn_.auth_header("crema/" CREMA_VERSION)},
                  envelope, std::chrono::milliseconds(5000), std::chrono::milliseconds(2000));
  // warn, not error: an error line would be reported to Sentry again.
  if (!error.empty()) Log(Level::warn, "error report not delivered").str("error", error);
  return error.empty();
}

void SentryReporter::loop() {
  for (;;) {
    std::string line;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      line = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto envelope = sentry_envelope(line, dsn_, process_, random_event_id());
    const bool ok = envelope && send(*envelope);
    std::lock_guard lock(mutex_);
    if (ok) {
      ++sent_;
    } else if (stopping_) {
      // Shutting down and Sentry does not answer: do not hold the exit for every queued
      // report's timeout.
      dropped_ += queue_.size();
      queue_.clear();
    }
  }
}

}  // namespace crema::obs
