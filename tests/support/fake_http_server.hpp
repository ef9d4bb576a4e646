#pragma once
/// A small HTTP/1.1 server on 127.0.0.1 for tests that need Crema to call something (an
/// error-reporting service, an object store): every request is handed to a callback that
/// answers it, and kept for the test to inspect. One request per connection
/// (`Connection: close`), served one at a time on a thread of its own.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace crema::test {

struct FakeRequest {
  std::string method;
  std::string target;                          ///< as sent: path and query
  std::string path;                            ///< before '?'
  std::string query;                           ///< after '?' ("" when none)
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body = "{}";
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  /// Listens on an ephemeral port of 127.0.0.1; throws std::runtime_error when it cannot.
  explicit FakeHttpServer(Handler handler = {});
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const noexcept { return port_; }
  /// http://127.0.0.1:PORT
  std::string base_url() const;
  /// Every request so far.
  std::vector<FakeRequest> requests() const;
  /// Waits until `count` requests have arrived (false on timeout).
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void serve();
  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  bool stop_ = false;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

}  // namespace crema::test
