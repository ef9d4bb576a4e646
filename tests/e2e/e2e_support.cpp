#include "e2e/e2e_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include <libpq-fe.h>

#include "support/scratch_dir.hpp"

namespace crema::test::e2e {

namespace {

std::string env_or(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase() : dir_("crema-e2e-db-") {}
  std::string url() const override { return "sqlite://" + dir_.file("crema.db"); }

 private:
  ScratchDir dir_;
};

// Runs one statement on the admin connection; throws with libpq's message.
void admin_exec(const std::string& admin_url, const std::string& sql) {
  PGconn* c = PQconnectdb(admin_url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to CREMA_TEST_PG_URL: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(std::string admin_url) : admin_url_(std::move(admin_url)) {
    static std::atomic<int> counter{0};
    name_ = "crema_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin_exec(admin_url_, "CREATE DATABASE " + name_);
    // Swap the admin URL's database for ours, keeping any ?query.
    std::string base = admin_url_, query;
    if (auto q = base.find('?'); q != std::string::npos) {
      query = base.substr(q);
      base.resize(q);
    }
    auto scheme_end = base.find("://");
    auto slash = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    if (slash != std::string::npos) base.resize(slash);
    url_ = base + "/" + name_ + query;
  }
  ~PostgresDatabase() override {
    try {
      admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The cluster may be gone (outage tests); a leftover throwaway database is harmless.
    }
  }
  std::string url() const override { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace

bool store_is_postgres() { return env_or("CREMA_TEST_STORE") == "postgres"; }

StoreProblem store_problem() {
  if (!store_is_postgres() || !env_or("CREMA_TEST_PG_URL").empty()) return {};
  StoreProblem p;
  p.must_fail = env_or("CREMA_TEST_REQUIRE_PG") == "1";
  p.message = p.must_fail ? "CREMA_TEST_STORE=postgres and CREMA_TEST_REQUIRE_PG=1, but "
                            "CREMA_TEST_PG_URL is not set"
                          : "PostgreSQL run skipped: CREMA_TEST_PG_URL is not set";
  return p;
}

std::unique_ptr<Database> fresh_database() {
  if (!store_is_postgres()) return std::make_unique<SqliteDatabase>();
  auto problem = store_problem();
  if (!problem.message.empty()) throw std::runtime_error(problem.message);
  return std::make_unique<PostgresDatabase>(env_or("CREMA_TEST_PG_URL"));
}

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
