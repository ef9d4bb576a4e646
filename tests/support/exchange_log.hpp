#pragma once
/// Every answer the black-box tests receive through HttpClient, kept for checking against
/// the OpenAPI document the server serves (tests/e2e/check_answers.cjs, run with ajv at the
/// end of the e2e suite: each answer's status must be one its operation documents, and its
/// JSON body must match that response's schema). One JSON line per exchange:
/// {"test", "method", "target", "status", "content_type", "content_encoding", "body",
///  "request_headers": [names of the conditional/idempotency headers sent]}.
/// Off (nothing recorded) until start() is called: only the e2e suite turns it on.

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_message.hpp"

namespace crema::test {

class ExchangeLog {
 public:
  /// Starts recording into `path` (truncated).
  static void start(std::string path);
  /// The running log, or nullptr when recording is off.
  static ExchangeLog* active() noexcept;
  /// Stops recording (active() is nullptr from here; the log object stays valid).
  static void stop() noexcept;
  /// How many exchanges were recorded.
  std::size_t count() const;
  const std::string& path() const noexcept { return path_; }

  /// Records one exchange (thread-safe). `headers` are the request's header fields.
  void record(std::string_view method, std::string_view target,
              const std::vector<std::pair<std::string, std::string>>& headers,
              const HttpResponse& response);

 private:
  explicit ExchangeLog(std::string path) : path_(std::move(path)) {}
  std::string path_;
  mutable std::mutex mutex_;
  std::size_t count_ = 0;
};

}  // namespace crema::test
