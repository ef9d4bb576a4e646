// Black-box tests of error reporting to a Sentry-compatible endpoint (CREMA_SENTRY_DSN) and of
// W3C traceparent in the logs (SPEC §13), through the real binary.

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "support/fake_endpoint.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;

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
  FakeHttpEndpoint sentry;
  auto db = fresh_database();
  ScratchDir dir("crema-e2e-sentry-");
  // A backup directory that cannot exist (under a regular file): the daily backup fails at
  // start with an error-level line, a real error path to report.
  const auto blocker = dir.write("a-file", "x");
  ServerProcess server({.database_url = db->url(),
                        .env = {{"CREMA_SENTRY_DSN", "http://publickey1@127.0.0.1:" +
                                                         std::to_string(sentry.port()) + "/42"},
                                {"CREMA_BACKUP_DIR", blocker + "/backups"}}});

  ASSERT_TRUE(sentry.wait_for(1, 15s)) << "no report reached the endpoint\n"
                                       << server.stdout_text();
  const auto got = sentry.requests().front();
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/api/42/envelope/");
  const auto& auth = got.headers.at("x-sentry-auth");
  EXPECT_EQ(auth.rfind("Sentry sentry_version=7, sentry_client=crema/", 0), 0u) << auth;
  EXPECT_NE(auth.find("sentry_key=publickey1"), std::string::npos) << auth;
  EXPECT_EQ(got.headers.at("content-type"), "application/x-sentry-envelope");

  const auto lines = lines_of(got.body);
  ASSERT_GE(lines.size(), 3u) << got.body;
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

TEST(FileDescriptors, TheServerRaisesItsSoftLimitToTheHardLimit) {
  CREMA_E2E_REQUIRE_STORE();
  rlimit mine{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
  if (mine.rlim_max <= 1024) GTEST_SKIP() << "the hard limit leaves nothing to raise";
  // The server inherits a low soft limit from this process, as from a default shell.
  rlimit low = mine;
  low.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  auto db = fresh_database();
  std::unique_ptr<ServerProcess> server;
  try {
    server = std::make_unique<ServerProcess>(ServerOptions{.database_url = db->url()});
  } catch (...) {
    ::setrlimit(RLIMIT_NOFILE, &mine);
    throw;
  }
  ::setrlimit(RLIMIT_NOFILE, &mine);
  std::ifstream limits("/proc/" + std::to_string(server->pid()) + "/limits");
  std::string line;
  std::string soft, hard;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    fields >> soft >> hard;
  }
  EXPECT_EQ(soft, std::to_string(mine.rlim_max)) << "soft " << soft << ", hard " << hard;
  EXPECT_EQ(hard, std::to_string(mine.rlim_max));
  EXPECT_EQ(server->stop(), 0);
}

}  // namespace
}  // namespace crema::test::e2e
