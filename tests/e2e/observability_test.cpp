// Black-box tests of error reporting to a Sentry-compatible endpoint (CREMA_SENTRY_DSN) and of
// W3C traceparent in the logs (SPEC §13), through the real binary.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;

/// A minimal HTTP/1.1 endpoint on 127.0.0.1 that answers 200 to every request and keeps
/// what it received (one request per connection, as libcurl sends them here).
class FakeSentry {
 public:
  struct Received {
    std::string head;  // request line and headers
    std::string body;
  };

  FakeSentry() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("fake sentry: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeSentry() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

  std::optional<Received> wait_for_request(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [this] { return !received_.empty(); })) return std::nullopt;
    return received_.front();
  }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (true) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
        const auto end = data.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          std::size_t length = 0;
          const auto at = data.find("Content-Length: ");
          if (at != std::string::npos && at < end) length = std::stoul(data.substr(at + 16));
          need = end + 4 + length;
        }
        if (need != std::string::npos && data.size() >= need) break;
      }
      const std::string reply =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
      (void)!::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
      const auto end = data.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::lock_guard lock(mutex_);
      received_.push_back({data.substr(0, end), data.substr(end + 4)});
      cv_.notify_all();
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(ErrorReporting, AnErrorLogLineReachesTheSentryEndpointAsAnEnvelope) {
  CREMA_E2E_REQUIRE_STORE();
  FakeSentry sentry;
  auto db = fresh_database();
  ScratchDir dir("crema-e2e-sentry-");
  // A backup directory that cannot exist (under a regular file): the daily backup fails at
  // start with an error-level line, a real error path to report.
  const auto blocker = dir.write("a-file", "x");
  ServerProcess server({.database_url = db->url(),
                        .env = {{"CREMA_SENTRY_DSN", "http://publickey1@127.0.0.1:" +
                                                         std::to_string(sentry.port()) + "/42"},
                                {"CREMA_BACKUP_DIR", blocker + "/backups"}}});

  auto got = sentry.wait_for_request(15s);
  ASSERT_TRUE(got) << "no report reached the endpoint\n" << server.stdout_text();
  EXPECT_EQ(got->head.rfind("POST /api/42/envelope/ HTTP/1.1", 0), 0u) << got->head;
  EXPECT_NE(got->head.find("X-Sentry-Auth: Sentry sentry_version=7, sentry_client=crema/"),
            std::string::npos)
      << got->head;
  EXPECT_NE(got->head.find("sentry_key=publickey1"), std::string::npos) << got->head;
  EXPECT_NE(got->head.find("Content-Type: application/x-sentry-envelope"), std::string::npos);

  const auto lines = lines_of(got->body);
  ASSERT_GE(lines.size(), 3u) << got->body;
  const auto header = boost::json::parse(lines[0]).as_object();
  const auto item = boost::json::parse(lines[1]).as_object();
  const auto event = boost::json::parse(lines[2]).as_object();
  EXPECT_EQ(item.at("type").as_string(), "event");
  EXPECT_EQ(item.at("length").as_int64(), static_cast<std::int64_t>(lines[2].size()));
  EXPECT_EQ(header.at("event_id"), event.at("event_id"));
  EXPECT_EQ(event.at("level").as_string(), "error");
  EXPECT_EQ(event.at("environment").as_string(), "development");
  EXPECT_EQ(std::string(event.at("release").as_string()).rfind("crema@", 0), 0u);
  const std::string message(event.at("message").at("formatted").as_string());
  EXPECT_EQ(message.rfind("backup failed: ", 0), 0u) << message;
  EXPECT_EQ(event.at("extra").at("dir").as_string(), blocker + "/backups");
  EXPECT_EQ(server.stop(), 0);
}

TEST(ErrorReporting, AMalformedDsnStopsTheStartWithOneLine) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = run_crema({"serve"}, {{"CREMA_DATABASE_URL", db->url()},
                                 {"CREMA_LISTEN", "127.0.0.1:0"},
                                 {"CREMA_SENTRY_DSN", "https://no-project@sentry.example/"}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("CREMA_SENTRY_DSN must look like"), std::string::npos) << r.err;
}

TEST(Traceparent, AValidHeaderPutsItsIdsInTheRequestLogAndAnInvalidOneIsIgnored) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerProcess server({.database_url = db->url()});
  auto client = client_for(server);
  const std::string good_id = unique_id("t-trace");
  auto res = client->get(
      "/health", {{"X-Request-Id", good_id},
                  {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(res.status, 200);
  auto line = server.wait_for_request_log(good_id);
  ASSERT_TRUE(line) << server.stdout_text();
  EXPECT_EQ(line->at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(line->at("span_id").as_string(), "00f067aa0ba902b7");

  const std::string bad_id = unique_id("t-trace");
  res = client->get("/health",
                    {{"X-Request-Id", bad_id},
                     {"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}});
  EXPECT_EQ(res.status, 200);
  line = server.wait_for_request_log(bad_id);
  ASSERT_TRUE(line);
  EXPECT_FALSE(line->contains("trace_id"));
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace crema::test::e2e
