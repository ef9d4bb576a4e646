// Black-box tests of native TLS (CREMA_TLS_CERT/KEY, HSTS) and of the trusted proxy
// (X-Forwarded-For/Proto believed only from CREMA_TRUSTED_PROXY), read from the access log.

#include <string>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "support/tls_files.hpp"

namespace crema::test::e2e {
namespace {

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      files_ = std::make_unique<TlsFiles>();
    } catch (const std::exception& e) {
      shared_ = std::make_unique<SharedServer>();
      shared_->failure = std::string("cannot make a test certificate: ") + e.what();
      return;
    }
    ServerOptions o;
    o.env["CREMA_TLS_CERT"] = files_->cert();
    o.env["CREMA_TLS_KEY"] = files_->key();
    shared_ = SharedServer::start(std::move(o));
  }
  static void TearDownTestSuite() {
    shared_.reset();
    files_.reset();
  }
  void SetUp() override { CREMA_E2E_REQUIRE(shared_); }
  static ServerProcess& server() { return *shared_->server; }

  static std::unique_ptr<TlsFiles> files_;
  static std::unique_ptr<SharedServer> shared_;
};
std::unique_ptr<TlsFiles> Tls::files_;
std::unique_ptr<SharedServer> Tls::shared_;

TEST_F(Tls, HttpsWorksWithHsts) {
  ASSERT_EQ(server().base_url().rfind("https://", 0), 0u);
  HttpClient insecure(server().base_url(), TlsOptions{false, {}});
  auto r = insecure.get("/health");
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  const std::string hsts = r.header("Strict-Transport-Security");
  EXPECT_NE(hsts.find("max-age="), std::string::npos) << r.describe();
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");

  // Verified against the certificate as CA: the certificate is the one we gave.
  HttpClient verified(server().base_url(), TlsOptions{true, files_->cert()});
  auto v = verified.get("/ready");
  EXPECT_EQ(v.status, 200) << v.describe();
  EXPECT_TRUE(v.headers.has("Strict-Transport-Security"));
  // Errors too.
  auto e = verified.get("/nope");
  EXPECT_EQ(e.status, 404);
  EXPECT_TRUE(e.headers.has("Strict-Transport-Security"));
  // Keep-alive over TLS.
  auto again = verified.get("/health");
  EXPECT_EQ(again.new_connections, 0);
}

TEST_F(Tls, PlainHttpOnTheTlsPortIsNotServed) {
  auto c = RawConnection(server().host(), server().port());
  c.send(make_request("GET", "/health"));
  try {
    if (auto r = c.read_response(std::chrono::seconds(3))) {
      EXPECT_NE(r->status, 200) << "plain HTTP was served on the TLS port";
      EXPECT_FALSE(r->headers.has("Strict-Transport-Security"));
    }
  } catch (const std::runtime_error&) {
    // TLS alert bytes, not HTTP: fine.
  }
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5)));
  HttpClient insecure(server().base_url(), TlsOptions{false, {}});
  EXPECT_EQ(insecure.get("/health").status, 200);
}

// --- trusted proxy ---------------------------------------------------------------------------

// The "ip" of the access-log line of the request with this id.
std::string logged_ip(const ServerProcess& server, const std::string& id) {
  auto line = server.wait_for_request_log(id);
  if (!line) {
    ADD_FAILURE() << "no access-log line for " << id << "\n" << server.stdout_text();
    return {};
  }
  return json_string(*line, {"ip"});
}

TEST(TrustedProxy, ForwardedHeadersAreIgnoredWithoutATrustedProxy) {
  auto shared = SharedServer::start();
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);
  const std::string id = unique_id("untrusted");
  auto r = client->get(
      "/health",
      {{"X-Request-Id", id}, {"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Strict-Transport-Security")) << r.describe();
  EXPECT_EQ(logged_ip(*shared->server, id), "127.0.0.1");
}

TEST(TrustedProxy, ForwardedHeadersAreBelievedFromTheTrustedProxy) {
  ServerOptions o;
  o.env["CREMA_TRUSTED_PROXY"] = "127.0.0.1/32";
  auto shared = SharedServer::start(std::move(o));
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);

  const std::string id = unique_id("trusted");
  auto r = client->get("/health", {{"X-Request-Id", id}, {"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Strict-Transport-Security"))
      << "HSTS without https: " << r.describe();
  EXPECT_EQ(logged_ip(*shared->server, id), "203.0.113.7");

  const std::string id2 = unique_id("trusted-https");
  auto s = client->get("/health", {{"X-Request-Id", id2},
                                   {"X-Forwarded-For", "198.51.100.23"},
                                   {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(s.status, 200);
  EXPECT_NE(s.header("Strict-Transport-Security").find("max-age="), std::string::npos)
      << s.describe();
  EXPECT_EQ(logged_ip(*shared->server, id2), "198.51.100.23");

  // A malformed forwarded address falls back to the peer, never garbage in the log.
  const std::string id3 = unique_id("trusted-bad");
  auto t = client->get("/health", {{"X-Request-Id", id3}, {"X-Forwarded-For", "not-an-ip"}});
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(logged_ip(*shared->server, id3), "127.0.0.1");
}

TEST(TrustedProxy, ProxyOutsideTheCidrIsNotBelieved) {
  ServerOptions o;
  o.env["CREMA_TRUSTED_PROXY"] = "10.0.0.0/8";
  auto shared = SharedServer::start(std::move(o));
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);
  const std::string id = unique_id("other-proxy");
  auto r = client->get(
      "/health",
      {{"X-Request-Id", id}, {"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Strict-Transport-Security"));
  EXPECT_EQ(logged_ip(*shared->server, id), "127.0.0.1");
}

}  // namespace
}  // namespace crema::test::e2e
