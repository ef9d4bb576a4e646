#pragma once
/// Local stand-ins for the outside world that notifications reach, started by the tests on
/// 127.0.0.1 (no downloads): an HTTP endpoint that records requests and answers as scripted
/// (a Twilio-style SMS provider, a partner's webhook receiver), and an SMTP sink with
/// STARTTLS and AUTH that records the messages it accepts.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace crema::test {

/// One request the endpoint received.
struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// An HTTP/1.1 server on 127.0.0.1 (one connection at a time, Connection: close).
class FakeHttpEndpoint {
 public:
  struct Answer {
    int status = 200;
    std::string body = "{}";
    std::string content_type = "application/json";
    /// More header lines (a redirect's Location).
    std::vector<std::pair<std::string, std::string>> headers;
    /// Never answer: hold the connection until the client goes away or the endpoint stops
    /// (a hung provider).
    bool hang = false;
    /// Wait this long before answering (a slow provider).
    std::chrono::milliseconds delay{0};
  };
  /// `respond` decides each answer from the request and its 1-based number.
  using Responder = std::function<Answer(const RecordedRequest&, int)>;

  explicit FakeHttpEndpoint(Responder respond = {});
  ~FakeHttpEndpoint();
  FakeHttpEndpoint(const FakeHttpEndpoint&) = delete;
  FakeHttpEndpoint& operator=(const FakeHttpEndpoint&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// http://127.0.0.1:PORT + path
  std::string url(const std::string& path = "/") const;
  std::vector<RecordedRequest> requests() const;
  /// Waits until at least `n` requests arrived; false after the timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  void stop();

 private:
  void run();
  Responder respond_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

/// One message the SMTP sink accepted.
struct SmtpMessage {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;       ///< without the final "."; dot-stuffing undone
  std::string auth_user;  ///< "" when the client did not authenticate
  std::string auth_password;
  bool tls = false;  ///< the message came after STARTTLS
};

/// An SMTP server on 127.0.0.1 offering STARTTLS (with the given certificate) and
/// AUTH PLAIN/LOGIN; `reject_first` messages are refused with 451 at the end of DATA.
class SmtpSink {
 public:
  SmtpSink(std::string cert_file, std::string key_file, int reject_first = 0);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::vector<SmtpMessage> messages() const;
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  /// Connections that ended with a refused DATA.
  int rejected() const noexcept { return rejected_.load(); }
  void stop();

 private:
  void run();
  void session(int fd);
  std::string cert_, key_;
  int reject_first_;
  std::atomic<int> rejected_{0};
  void* ssl_ctx_ = nullptr;  // SSL_CTX*
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<SmtpMessage> messages_;
  int data_count_ = 0;
  std::thread thread_;
};

/// Standard base64 decoding (for the MIME parts the sink received); "" on bad input.
std::string base64_decode_std(std::string_view text);

}  // namespace crema::test
