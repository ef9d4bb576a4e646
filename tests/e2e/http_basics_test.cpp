// Black-box tests of the HTTP basics on one shared server: /health, /ready, request ids,
// security headers, the error shape, 404/405, HEAD, keep-alive and pipelining.

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

class HttpBasics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = SharedServer::start(); }
  static void TearDownTestSuite() { shared_.reset(); }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(server());
  }
  static ServerProcess& server() { return *shared_->server; }
  RawConnection raw() { return RawConnection(server().host(), server().port()); }

  static std::unique_ptr<SharedServer> shared_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> HttpBasics::shared_;

void expect_security_headers(const HttpResponse& r) {
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << r.describe();
  EXPECT_EQ(r.header("X-Frame-Options"), "DENY") << r.describe();
  EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << r.describe();
  EXPECT_FALSE(r.header("Content-Security-Policy").empty()) << r.describe();
  // Plain HTTP from a direct client: never HSTS.
  EXPECT_FALSE(r.headers.has("Strict-Transport-Security")) << r.describe();
}

// The spec's error body, with its request_id equal to the X-Request-Id header.
void expect_error_shape(const HttpResponse& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.describe();
  ASSERT_TRUE(is_json_content_type(r.header("Content-Type"))) << r.describe();
  ASSERT_TRUE(r.json && r.json->is_object()) << r.describe();
  const auto* err = r.json->get_object().if_contains("error");
  ASSERT_TRUE(err && err->is_object()) << r.describe();
  const auto& e = err->get_object();
  EXPECT_EQ(json_string(*err, {"code"}), code) << r.describe();
  EXPECT_FALSE(json_string(*err, {"message"}).empty()) << r.describe();
  ASSERT_TRUE(e.contains("details") && e.at("details").is_array()) << r.describe();
  EXPECT_TRUE(e.at("details").get_array().empty()) << r.describe();
  const std::string id = json_string(*err, {"request_id"});
  EXPECT_FALSE(id.empty()) << r.describe();
  EXPECT_EQ(id, r.header("X-Request-Id")) << r.describe();
  expect_security_headers(r);
}

const std::regex kIdChars("^[A-Za-z0-9._-]{1,64}$");

TEST_F(HttpBasics, HealthIsOkJsonWithSecurityHeadersAndRequestId) {
  auto r = client_->get("/health");
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_TRUE(is_json_content_type(r.header("Content-Type"))) << r.describe();
  ASSERT_TRUE(r.json) << r.describe();
  EXPECT_EQ(*r.json, boost::json::value({{"status", "ok"}})) << r.describe();
  expect_security_headers(r);
  EXPECT_TRUE(std::regex_match(r.header("X-Request-Id"), kIdChars)) << r.describe();
}

TEST_F(HttpBasics, GeneratedRequestIdsDiffer) {
  auto a = client_->get("/health");
  auto b = client_->get("/health");
  EXPECT_FALSE(a.header("X-Request-Id").empty());
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
}

TEST_F(HttpBasics, ValidIncomingRequestIdIsEchoed) {
  for (const std::string& id : {std::string("abc.DEF_123-x"), std::string(64, 'z'),
                                std::string("7f3a9c2e-1b4d-4e8f-9a6b-0c1d2e3f4a5b")}) {
    auto r = client_->get("/health", {{"X-Request-Id", id}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-Request-Id"), id);
  }
}

TEST_F(HttpBasics, InvalidIncomingRequestIdIsReplaced) {
  for (const std::string& id :
       {std::string(65, 'a'), std::string("has space"), std::string("semi;colon"),
        std::string("slash/id"), std::string("quote\"id"), std::string("<script>")}) {
    auto r = client_->get("/health", {{"X-Request-Id", id}});
    EXPECT_EQ(r.status, 200);
    const std::string got = r.header("X-Request-Id");
    EXPECT_NE(got, id) << "the invalid id was echoed";
    EXPECT_TRUE(std::regex_match(got, kIdChars)) << "generated id: " << got;
  }
  // An unknown path with a bad id: the error body carries the replacement, not the input.
  auto r = client_->get("/nope", {{"X-Request-Id", "bad id"}});
  expect_error_shape(r, 404, "not_found");
  EXPECT_NE(r.header("X-Request-Id"), "bad id");
}

TEST_F(HttpBasics, ReadyReportsDatabaseAndMigrations) {
  auto r = client_->get("/ready");
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_TRUE(is_json_content_type(r.header("Content-Type"))) << r.describe();
  ASSERT_TRUE(r.json) << r.describe();
  boost::json::value expected = {{"status", "ready"},
                                 {"checks", {{"database", "ok"}, {"migrations", "ok"}}}};
  EXPECT_EQ(*r.json, expected) << r.describe();
  expect_security_headers(r);
}

TEST_F(HttpBasics, UnknownPathsAreJson404WithTheErrorShape) {
  for (const char* path : {"/nope", "/api/v1/does-not-exist", "/api/does-not-exist",
                           "/health/extra", "/api/v1/", "/HEALTH"}) {
    SCOPED_TRACE(path);
    auto r = client_->get(path);
    expect_error_shape(r, 404, "not_found");
  }
  // The request id in the error body is the one the client sent, when valid.
  auto r = client_->get("/api/v1/does-not-exist", {{"X-Request-Id", "my-req.1"}});
  expect_error_shape(r, 404, "not_found");
  EXPECT_EQ(r.header("X-Request-Id"), "my-req.1");
}

TEST_F(HttpBasics, WrongMethodOnKnownPathIs405WithAllow) {
  struct Case {
    const char* method;
    const char* path;
  };
  for (auto c : {Case{"POST", "/health"}, Case{"DELETE", "/ready"}, Case{"PUT", "/health"},
                 Case{"PATCH", "/metrics"}}) {
    SCOPED_TRACE(std::string(c.method) + " " + c.path);
    auto r = client_->request(c.method, c.path, std::string_view(c.method) == "DELETE" ? "" : "{}");
    expect_error_shape(r, 405, "method_not_allowed");
    std::set<std::string> allow;
    for (const auto& t : header_tokens(r.header("Allow"))) allow.insert(t);
    EXPECT_TRUE(allow.count("GET")) << r.describe();
    EXPECT_TRUE(allow.count("HEAD")) << r.describe();
    EXPECT_FALSE(allow.count(c.method)) << r.describe();
  }
}

TEST_F(HttpBasics, HeadHealthHasHeadersButNoBody) {
  auto r = client_->head("/health");
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_TRUE(r.body.empty());
  expect_security_headers(r);
  // On the wire: a HEAD response followed by a GET response on one connection. Any body
  // bytes after the HEAD response would corrupt the second response.
  auto c = raw();
  ASSERT_TRUE(c.send(make_request("HEAD", "/health", {"X-Request-Id: head-1"}) +
                     make_request("GET", "/health", {"X-Request-Id: get-1"})));
  auto h = c.read_response(std::chrono::seconds(5), /*head=*/true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->header("X-Request-Id"), "head-1");
  auto g = c.read_response();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 200) << g->describe();
  EXPECT_EQ(g->header("X-Request-Id"), "get-1");
  EXPECT_EQ(g->body, R"({"status":"ok"})");
}

TEST_F(HttpBasics, KeepAliveReusesOneConnection) {
  for (int i = 0; i < 5; ++i) {
    auto r = client_->get(i % 2 ? "/ready" : "/health");
    EXPECT_EQ(r.status, 200) << r.describe();
    if (i > 0) {
      EXPECT_EQ(r.new_connections, 0) << "request " << i << " opened a new connection";
    }
    EXPECT_FALSE(r.connection_close()) << r.describe();
  }
  // The same over a raw socket, including an error response in the middle.
  auto c = raw();
  for (const char* path : {"/health", "/nope", "/ready", "/health"}) {
    ASSERT_TRUE(c.send(make_request("GET", path))) << path;
    auto r = c.read_response();
    ASSERT_TRUE(r) << "connection closed after " << path;
    EXPECT_EQ(r->status, std::string_view(path) == "/nope" ? 404 : 200) << r->describe();
  }
  EXPECT_FALSE(c.closed_by_peer());
}

TEST_F(HttpBasics, PipelinedRequestsAreAnsweredInOrder) {
  auto c = raw();
  const std::string batch = make_request("GET", "/ready", {"X-Request-Id: pipe-1"}) +
                            make_request("GET", "/nope", {"X-Request-Id: pipe-2"}) +
                            make_request("GET", "/health", {"X-Request-Id: pipe-3"});
  ASSERT_TRUE(c.send(batch));  // one write: the server sees all three at once
  const int expected_status[] = {200, 404, 200};
  for (int i = 0; i < 3; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << "connection closed before response " << i + 1;
    EXPECT_EQ(r->status, expected_status[i]) << r->describe();
    EXPECT_EQ(r->header("X-Request-Id"), "pipe-" + std::to_string(i + 1));
  }
  // And the connection is still usable afterwards.
  ASSERT_TRUE(c.send(make_request("GET", "/health", {"X-Request-Id: pipe-4"})));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("X-Request-Id"), "pipe-4");
}

TEST_F(HttpBasics, ConnectionCloseIsHonoured) {
  auto c = raw();
  ASSERT_TRUE(c.send(make_request("GET", "/health", {"Connection: close"})));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(3)));
}

TEST_F(HttpBasics, AccessLogLineForEachRequest) {
  const std::string id = unique_id("log");
  auto r = client_->get("/health", {{"X-Request-Id", id}});
  ASSERT_EQ(r.status, 200);
  auto line = server().wait_for_request_log(id);
  ASSERT_TRUE(line) << "no access-log line with request_id " << id << "\n"
                    << server().stdout_text();
  EXPECT_EQ(json_string(*line, {"level"}), "info");
  EXPECT_EQ(json_string(*line, {"method"}), "GET");
  EXPECT_EQ(json_string(*line, {"route"}), "/health");
  EXPECT_EQ(json_string(*line, {"ip"}), "127.0.0.1");
  EXPECT_FALSE(json_string(*line, {"ts"}).empty());
  ASSERT_TRUE(line->contains("status") && line->at("status").is_int64());
  EXPECT_EQ(line->at("status").as_int64(), 200);
  ASSERT_TRUE(line->contains("duration_ms"));
  EXPECT_TRUE(line->at("duration_ms").is_number());
  ASSERT_TRUE(line->contains("user_id"));
  EXPECT_TRUE(line->at("user_id").is_null());
}

}  // namespace
}  // namespace crema::test::e2e
