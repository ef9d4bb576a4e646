#pragma once
/// Error reporting to Sentry or a Sentry-compatible service (SPEC §13, CREMA_SENTRY_DSN).
///
/// Every log line at level `error` (an unhandled exception or database error behind a 500, a
/// failed backup, a failed event delivery…) becomes a Sentry event: the line's `msg` is the
/// message, `route`/`request_id`/`method` become tags, `trace_id`/`span_id` the trace
/// context, the other fields extras. Events go out from a background thread over libcurl in
/// Sentry's envelope format, so no request waits for Sentry; the queue is bounded and a burst
/// beyond kMaxPerMinute is counted and dropped rather than flooding the service.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace crema::obs {

/// A parsed DSN: `https://PUBLIC_KEY@HOST[:PORT][/PATH]/PROJECT_ID`.
struct SentryDsn {
  std::string scheme;  ///< http or https
  std::string public_key;
  std::string host;         ///< with :port when given
  std::string path_prefix;  ///< "" or "/path"
  std::string project_id;

  /// `scheme://host/path_prefix/api/PROJECT/envelope/`
  std::string envelope_url() const;
  /// The X-Sentry-Auth header value.
  std::string auth_header(std::string_view client) const;
  /// The DSN as given (with the public key; never logged).
  std::string text;

  /// Nothing when `dsn` is not of the shape above.
  static std::optional<SentryDsn> parse(std::string_view dsn);
};

/// What an event says about the process sending it.
struct SentryProcess {
  std::string release;      ///< "crema@0.1.0"
  std::string environment;  ///< development | production
  std::string server_name;  ///< the host name
};

/// The envelope (header line, item header line, event payload) for one JSON log line, or
/// nothing when the line is not a JSON object. `event_id` is 32 hex digits.
std::optional<std::string> sentry_envelope(std::string_view log_line, const SentryDsn& dsn,
                                           const SentryProcess& process, std::string_view event_id);

class SentryReporter {
 public:
  static constexpr std::size_t kMaxQueued = 64;
  static constexpr int kMaxPerMinute = 60;

  SentryReporter(SentryDsn dsn, SentryProcess process);
  ~SentryReporter();
  SentryReporter(const SentryReporter&) = delete;
  SentryReporter& operator=(const SentryReporter&) = delete;

  /// Starts the sender and routes error-level log lines here (obs::set_error_sink).
  void start();
  /// Stops routing, sends what is queued (up to a few seconds), joins the sender.
  void stop();
  /// Queues one log line (any thread; never blocks on the network).
  void capture(std::string_view log_line);

  std::uint64_t sent() const noexcept;
  std::uint64_t dropped() const noexcept;

 private:
  void loop();
  bool send(const std::string& envelope);

  SentryDsn dsn_;
  SentryProcess process_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  bool started_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
  std::chrono::steady_clock::time_point window_start_{};
  int in_window_ = 0;
  std::thread thread_;
};

}  // namespace crema::obs
