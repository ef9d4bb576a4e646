// Black-box tests of SIGTERM: stop accepting, finish the requests in flight, exit 0.

#include <csignal>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Whether a new client is turned away: connection refused, closed without an answer, or 503.
bool new_connection_turned_away(const ServerProcess& server) {
  auto c = RawConnection::try_connect(server.host(), server.port(), 500ms);
  if (!c) return true;
  if (!c->send(make_request("GET", "/health"))) return true;
  try {
    auto r = c->read_response(1s);
    return !r || r->status == 503;
  } catch (const RawTimeout&) {
    return false;  // accepted and left hanging: not turned away
  } catch (const std::runtime_error&) {
    return true;
  }
}

TEST(Shutdown, IdleServerExitsZeroPromptly) {
  auto shared = SharedServer::start();
  CREMA_E2E_REQUIRE(shared);
  auto& server = *shared->server;
  ASSERT_EQ(client_for(server)->get("/health").status, 200);
  const auto start = Clock::now();
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0) << server.stderr_text();
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(Shutdown, IdleKeepAliveConnectionDoesNotDelayExit) {
  auto shared = SharedServer::start();
  CREMA_E2E_REQUIRE(shared);
  auto& server = *shared->server;
  auto client = client_for(server);  // keeps its connection open after the request
  ASSERT_EQ(client->get("/health").status, 200);
  auto idle = RawConnection(server.host(), server.port());
  ASSERT_TRUE(idle.send(make_request("GET", "/health")));
  ASSERT_TRUE(idle.read_response());
  const auto start = Clock::now();
  EXPECT_EQ(server.stop(SIGTERM, 10s), 0) << server.stderr_text();
  EXPECT_LT(Clock::now() - start, 2s) << "idle keep-alive connections held up the shutdown";
  EXPECT_TRUE(idle.wait_closed(1s));
}

TEST(Shutdown, FinishesTheRequestInFlightThenExitsZero) {
  auto shared = SharedServer::start();
  CREMA_E2E_REQUIRE(shared);
  auto& server = *shared->server;

  auto inflight = RawConnection(server.host(), server.port());
  ASSERT_TRUE(
      inflight.send("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nX-Request-Id: in-flight\r\n"
                    "Content-Length: 10\r\n\r\n{\"a\":"));
  std::this_thread::sleep_for(200ms);  // the server has read the headers and waits for the body
  server.signal(SIGTERM);

  // New connections are turned away shortly after.
  const auto deadline = Clock::now() + 3s;
  bool turned_away = false;
  while (!turned_away && Clock::now() < deadline) {
    turned_away = new_connection_turned_away(server);
    if (!turned_away) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(turned_away) << "new connections were still served 3 s after SIGTERM";
  EXPECT_TRUE(server.running()) << "exited with a request in flight: " << server.stderr_text();

  // The request in flight completes and is answered, with Connection: close.
  ASSERT_TRUE(inflight.send("1234}")) << "the in-flight connection was dropped";
  std::optional<HttpResponse> r;
  try {
    r = inflight.read_response(5s);
  } catch (const RawTimeout&) {}
  ASSERT_TRUE(r) << "the request in flight got no response";
  EXPECT_EQ(r->status, 405) << r->describe();
  EXPECT_EQ(r->header("X-Request-Id"), "in-flight");
  EXPECT_TRUE(r->connection_close()) << r->describe();
  EXPECT_TRUE(inflight.wait_closed(2s));

  auto code = server.wait_exit(5s);
  ASSERT_TRUE(code) << "still running 5 s after the last request finished";
  EXPECT_EQ(*code, 0) << server.stderr_text();
  // The shutdown is logged.
  EXPECT_FALSE(server.log_lines().empty());
}

}  // namespace
}  // namespace crema::test::e2e
