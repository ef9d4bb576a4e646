// Black-box tests of the HTTP core under hostile or broken clients: oversized bodies and
// headers, malformed HTTP, garbage bytes, stalled and slow clients. The server must answer or
// drop that one connection and keep serving everyone else.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kRequestTimeoutSeconds = 2;

std::string tail_lines(const std::string& text, std::size_t n) {
  auto lines = split_lines(text);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += lines[i] + "\n";
  return out;
}

// The error shape with a request id, also on answers to requests that could not be parsed.
void expect_error_with_request_id(const HttpResponse& r, std::string_view code) {
  ASSERT_TRUE(r.json) << "not a JSON error body: " << r.describe();
  EXPECT_EQ(json_string(*r.json, {"error", "code"}), code) << r.describe();
  const std::string id = json_string(*r.json, {"error", "request_id"});
  EXPECT_FALSE(id.empty()) << "no request id: " << r.describe();
  EXPECT_EQ(id, r.header("X-Request-Id")) << r.describe();
}

class HttpRobustness : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.env["CREMA_REQUEST_TIMEOUT_SECONDS"] = std::to_string(kRequestTimeoutSeconds);
    shared_ = SharedServer::start(std::move(o));
  }
  static void TearDownTestSuite() { shared_.reset(); }
  void SetUp() override { CREMA_E2E_REQUIRE(shared_); }
  void TearDown() override {
    // Whatever the test did, the server must still run and serve.
    if (shared_ && shared_->server) {
      ASSERT_TRUE(shared_->server->running())
          << "the server died (exit "
          << shared_->server->wait_exit(std::chrono::milliseconds(0)).value_or(-1) << ")\nstderr:\n"
          << shared_->server->stderr_text() << "\nstdout (tail):\n"
          << tail_lines(shared_->server->stdout_text(), 10);
      ASSERT_EQ(client_for(server())->get("/health").status, 200);
    }
  }
  static ServerProcess& server() { return *shared_->server; }
  static RawConnection raw() { return RawConnection(server().host(), server().port()); }

  // A connection that has already been served once, kept open beside the bad one.
  static RawConnection healthy_connection() {
    auto c = raw();
    EXPECT_TRUE(c.send(make_request("GET", "/health")));
    auto r = c.read_response();
    EXPECT_TRUE(r && r->status == 200);
    return c;
  }
  static void expect_still_serves(RawConnection& c) {
    ASSERT_TRUE(c.send(make_request("GET", "/health", {"X-Request-Id: still-alive"})))
        << "the healthy connection was closed";
    auto r = c.read_response();
    ASSERT_TRUE(r) << "the healthy connection was closed";
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("X-Request-Id"), "still-alive");
  }

  static std::unique_ptr<SharedServer> shared_;
};
std::unique_ptr<SharedServer> HttpRobustness::shared_;

TEST_F(HttpRobustness, OversizedBodyIsRefusedFromContentLengthAndTheConnectionClosed) {
  auto c = raw();
  const auto start = Clock::now();
  // Announce 1 MiB + 1 and send none of it: the answer must come from the headers alone.
  ASSERT_TRUE(
      c.send("POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: 1048577\r\n\r\n"));
  auto r = c.read_response(1500ms);  // well before the 2 s read deadline could fire
  ASSERT_TRUE(r) << "closed without an answer";
  EXPECT_EQ(r->status, 413) << r->describe();
  expect_error_with_request_id(*r, "payload_too_large");
  EXPECT_TRUE(c.wait_closed(1s)) << "the server kept the connection open after 413";
  EXPECT_LT(Clock::now() - start, 2s);

  // Also on an unknown route and with a huge announced length.
  auto c2 = raw();
  ASSERT_TRUE(
      c2.send("PUT /api/v1/anything HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: 10737418240\r\n\r\n"));
  auto r2 = c2.read_response(1500ms);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 413) << r2->describe();
  EXPECT_TRUE(c2.wait_closed(1s));
}

TEST_F(HttpRobustness, BodyOfExactlyTheLimitIsRead) {
  // 1 MiB exactly is allowed: the body is read and the route answers (405: /health takes no POST).
  auto c = raw();
  const std::string body(1024 * 1024, 'x');
  ASSERT_TRUE(
      c.send(make_request("POST", "/health", {"Content-Type: application/octet-stream"}, body)));
  auto r = c.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405) << r->describe();
}

struct Malformed {
  const char* name;
  std::string bytes;
};

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

class HttpMalformed : public HttpRobustness, public ::testing::WithParamInterface<Malformed> {};

TEST_P(HttpMalformed, AnswersBadRequestOrClosesOnlyThatConnection) {
  auto healthy = healthy_connection();
  auto bad = raw();
  bad.send(GetParam().bytes);  // the server may already have closed: that is allowed
  try {
    if (auto r = bad.read_response(3s)) {
      EXPECT_EQ(r->status, 400) << r->describe();
      expect_error_with_request_id(*r, "bad_request");
    }
  } catch (const RawTimeout&) {
    ADD_FAILURE() << "neither an answer nor a close within 3 s";
  } catch (const std::runtime_error& e) {
    ADD_FAILURE() << "the answer is not HTTP: " << e.what();
  }
  EXPECT_TRUE(bad.wait_closed(3s)) << "the connection stays open after malformed HTTP";
  expect_still_serves(healthy);
  auto fresh = client_for(server());
  EXPECT_EQ(fresh->get("/health").status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, HttpMalformed,
    ::testing::Values(
        Malformed{"garbage", std::string("\x00\x01\x02\xff\xfe garbage \x7f\r\n\r\n", 20)},
        Malformed{"tls_hello_on_plain_port",
                  std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) +
                      std::string(160, 'A')},
        Malformed{"no_target", "GET\r\n\r\n"},
        Malformed{"bad_version", "GET /health HTTP/x.y\r\nHost: a\r\n\r\n"},
        Malformed{"words", "HELLO THERE GENERAL KENOBI\r\n\r\n"},
        Malformed{"header_without_colon", "GET /health HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n"},
        Malformed{"control_char_in_header",
                  std::string("GET /health HTTP/1.1\r\nHost: a\r\nX-Bad: a\x01z\r\n\r\n")},
        Malformed{"space_in_header_name", "GET /health HTTP/1.1\r\nHost: a\r\nBad Name: v\r\n\r\n"},
        Malformed{"bad_content_length",
                  "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"},
        Malformed{"bad_chunk",
                  "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}),
    [](const ::testing::TestParamInfo<Malformed>& p) { return std::string(p.param.name); });

TEST_F(HttpRobustness, OversizedHeadersGet431AndClose) {
  auto healthy = healthy_connection();
  auto c = raw();
  const std::string request =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(64 * 1024, 'a') +
      "\r\n\r\n";
  c.send(request);
  std::optional<HttpResponse> r;
  try {
    r = c.read_response(3s);
  } catch (const RawTimeout&) {
    FAIL() << "no answer within 3 s to a 64 KiB header";
  }
  ASSERT_TRUE(r) << "the server closed without answering 431 (response lost or never sent)";
  EXPECT_EQ(r->status, 431) << r->describe();
  expect_error_with_request_id(*r, "bad_request");
  EXPECT_TRUE(c.wait_closed(3s));
  expect_still_serves(healthy);
}

TEST_F(HttpRobustness, StalledPartialRequestIsCutOffAtTheDeadline) {
  auto stalled = raw();
  const auto start = Clock::now();
  ASSERT_TRUE(stalled.send("GET /hea"));
  // Other clients are served meanwhile.
  auto client = client_for(server());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client->get("/health").status, 200);
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_FALSE(stalled.closed_by_peer()) << "cut off long before the deadline";
  EXPECT_TRUE(stalled.wait_closed(std::chrono::seconds(kRequestTimeoutSeconds + 3)))
      << "a stalled request was not cut off";
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(kRequestTimeoutSeconds * 1000 - 300));
  EXPECT_LE(elapsed, std::chrono::seconds(kRequestTimeoutSeconds + 3));
}

TEST_F(HttpRobustness, SlowlorisDrippingHeadersIsCutOff) {
  // One byte every 200 ms never finishes the headers: the whole-header deadline must win.
  auto slow = raw();
  const auto start = Clock::now();
  const std::string endless =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: " + std::string(200, 'd');
  bool closed = false;
  for (char ch : endless) {
    if (!slow.send(std::string_view(&ch, 1)) || slow.wait_closed(200ms)) {
      closed = true;
      break;
    }
    if (Clock::now() - start > std::chrono::seconds(kRequestTimeoutSeconds + 4)) break;
  }
  EXPECT_TRUE(closed) << "a client dripping header bytes was never cut off";
  EXPECT_LE(Clock::now() - start, std::chrono::seconds(kRequestTimeoutSeconds + 3));
}

TEST_F(HttpRobustness, IdleKeepAliveConnectionIsClosedAfterTheDeadline) {
  auto c = healthy_connection();
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(kRequestTimeoutSeconds + 3)));
}

TEST_F(HttpRobustness, PartialBodyThenStallIsCutOff) {
  auto c = raw();
  ASSERT_TRUE(
      c.send("POST /health HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
             "Content-Length: 100\r\n\r\n{\"a\":"));
  const auto start = Clock::now();
  try {
    if (auto r = c.read_response(std::chrono::seconds(kRequestTimeoutSeconds + 3))) {
      // An answer is acceptable only if it is an error that ends the exchange.
      EXPECT_GE(r->status, 400) << r->describe();
    }
  } catch (const RawTimeout&) {}
  EXPECT_TRUE(c.wait_closed(1s)) << "a stalled body was not cut off";
  EXPECT_LE(Clock::now() - start, std::chrono::seconds(kRequestTimeoutSeconds + 3));
}

TEST_F(HttpRobustness, ManyBadConnectionsDoNotHurtTheServer) {
  auto healthy = healthy_connection();
  for (int i = 0; i < 50; ++i) {
    auto c = raw();
    c.send(std::string("\x00garbage", 8) + std::to_string(i) + "\r\n\r\n");
    // Closing at once without reading: the server's write may fail; it must not care.
  }
  for (int i = 0; i < 20; ++i) {
    auto c = raw();  // connect and vanish
  }
  expect_still_serves(healthy);
}

TEST_F(HttpRobustness, ASlowlorisCrowdAndSlowBodiesDoNotStarveOrdinaryClients) {
  // 300 connections dripping headers and 100 dripping bodies (slowhttptest's slowloris and
  // slow-body modes, in miniature), kept busy while an ordinary client works.
  std::vector<RawConnection> loris;
  std::vector<RawConnection> bodies;
  for (int i = 0; i < 300; ++i) {
    loris.push_back(raw());
    loris.back().send("GET /health HTTP/1.1\r\nHost: a\r\n");
  }
  for (int i = 0; i < 100; ++i) {
    bodies.push_back(raw());
    bodies.back().send(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
  }
  std::atomic<bool> stop{false};
  std::thread drip([&] {
    while (!stop) {
      for (auto& c : loris) c.send("X-a: b\r\n");
      for (auto& c : bodies) c.send("\"");
      std::this_thread::sleep_for(100ms);
    }
  });
  auto client = client_for(server());
  int ok = 0;
  for (int i = 0; i < 30; ++i) {
    try {
      ok += client->get("/health").status == 200 ? 1 : 0;
    } catch (const std::exception&) {}
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  drip.join();
  EXPECT_EQ(ok, 30) << "ordinary requests failed while slow clients held connections";
  // And the slow ones are cut off at the deadline, not served forever.
  int cut = 0;
  for (auto& c : loris)
    cut += c.wait_closed(std::chrono::seconds(kRequestTimeoutSeconds + 3)) ? 1 : 0;
  EXPECT_EQ(cut, 300);
}

}  // namespace
}  // namespace crema::test::e2e
