#include "e2e/e2e_support.hpp"

#include <unistd.h>

#include <atomic>

#include "support/test_db.hpp"

namespace crema::test::e2e {

namespace {

// The shared per-test database helper (support/test_db.hpp) behind this suite's interface.
class OwnedTestDb final : public Database {
 public:
  std::string url() const override { return db_.url(); }

 private:
  TestDb db_;
};

}  // namespace

bool store_is_postgres() { return current_store() == "postgres"; }

StoreProblem store_problem() {
  auto reason = store_unavailable_reason();
  if (!reason) return {};
  return StoreProblem{*reason, postgres_required()};
}

std::unique_ptr<Database> fresh_database() { return std::make_unique<OwnedTestDb>(); }

std::unique_ptr<SharedServer> SharedServer::start(ServerOptions options) {
  auto s = std::make_unique<SharedServer>();
  auto problem = store_problem();
  if (!problem.message.empty()) {
    (problem.must_fail ? s->failure : s->skip) = problem.message;
    return s;
  }
  try {
    s->db = fresh_database();
    options.database_url = s->db->url();
    s->server = std::make_unique<ServerProcess>(std::move(options));
  } catch (const std::exception& e) {
    s->failure = e.what();
  }
  return s;
}

std::unique_ptr<HttpClient> client_for(const ServerProcess& server) {
  TlsOptions tls;
  tls.verify = false;
  return std::make_unique<HttpClient>(server.base_url(), tls);
}

std::string unique_id(std::string_view prefix) {
  static std::atomic<int> n{0};
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

}  // namespace crema::test::e2e
