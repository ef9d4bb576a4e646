#pragma once
/// Shared pieces of the black-box suites: the store under test (CREMA_TEST_STORE), a fresh
/// database per server, and one server shared by a gtest suite.

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

namespace crema::test::e2e {

/// Whether CREMA_TEST_STORE is "postgres" (anything else: SQLite).
bool store_is_postgres();

/// A fresh, empty database for one server or command, dropped on destruction.
class Database {
 public:
  virtual ~Database() = default;
  /// Its CREMA_DATABASE_URL.
  virtual std::string url() const = 0;
};

/// Why the store under test cannot be used ("" when it can): PostgreSQL wanted but
/// CREMA_TEST_PG_URL unset. `must_fail` is set when CREMA_TEST_REQUIRE_PG=1 forbids skipping.
struct StoreProblem {
  std::string message;
  bool must_fail = false;
};
StoreProblem store_problem();

/// A fresh database on the store under test; throws when it cannot be made.
std::unique_ptr<Database> fresh_database();

/// One server for a whole gtest suite (started in SetUpTestSuite). Construction never throws:
/// a skip or a start failure is kept and reported by require() in each test's SetUp.
struct SharedServer {
  std::unique_ptr<Database> db;
  std::unique_ptr<ServerProcess> server;
  std::string skip;     ///< the documented reason to skip
  std::string failure;  ///< why the server could not start

  /// Makes a fresh database, then starts `crema serve` with `options` on it.
  static std::unique_ptr<SharedServer> start(ServerOptions options = {});
};

/// An HTTP client on a server, with TLS verification off when the server speaks https.
std::unique_ptr<HttpClient> client_for(const ServerProcess& server);

/// In SetUp(): skip or fail the test when its shared server is not there.
#define CREMA_E2E_REQUIRE(shared)                                 \
  do {                                                            \
    if (!(shared)) FAIL() << "the suite's server was not set up"; \
    if (!(shared)->skip.empty()) GTEST_SKIP() << (shared)->skip;  \
    if (!(shared)->failure.empty()) FAIL() << (shared)->failure;  \
  } while (0)

/// In a test: skip (or fail under CREMA_TEST_REQUIRE_PG=1) when the store is unusable.
#define CREMA_E2E_REQUIRE_STORE()                         \
  do {                                                    \
    auto problem_ = ::crema::test::e2e::store_problem();  \
    if (!problem_.message.empty()) {                      \
      if (problem_.must_fail) FAIL() << problem_.message; \
      GTEST_SKIP() << problem_.message;                   \
    }                                                     \
  } while (0)

/// A process-unique request id for log correlation, e.g. "t-health-17".
std::string unique_id(std::string_view prefix);

}  // namespace crema::test::e2e
