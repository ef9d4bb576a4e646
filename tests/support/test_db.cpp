#include "support/test_db.hpp"

#include <libpq-fe.h>
#include <sodium.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace crema::test {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string admin_url() { return env("CREMA_TEST_PG_URL"); }

std::string random_suffix() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  unsigned char bytes[6];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// The admin URL pointing at another database.
std::string with_database(const std::string& url, const std::string& db) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::runtime_error("CREMA_TEST_PG_URL is not a URL");
  boost::urls::url u = *parsed;
  u.set_path("/" + db);
  return std::string(u.buffer());
}

}  // namespace

std::string_view current_store() {
  static const std::string store = [] {
    std::string s = env("CREMA_TEST_STORE");
    return s.empty() ? std::string("sqlite") : s;
  }();
  return store;
}

bool postgres_required() { return env("CREMA_TEST_REQUIRE_PG") == "1"; }

std::optional<std::string> store_unavailable_reason() {
  const std::string_view store = current_store();
  if (store == "sqlite") return std::nullopt;
  if (store != "postgres")
    return "CREMA_TEST_STORE must be sqlite or postgres (got \"" + std::string(store) + "\")";
  if (admin_url().empty())
    return std::string("PostgreSQL tests need CREMA_TEST_PG_URL (an admin URL)");
  return std::nullopt;
}

std::string TestDb::admin_exec(const std::string& sql) {
  const std::string url = admin_url();
  if (url.empty()) throw std::runtime_error("CREMA_TEST_PG_URL is not set");
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to CREMA_TEST_PG_URL: " + msg);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* res = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(res);
  std::string msg = PQresultErrorMessage(res);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0)
    value = PQgetvalue(res, 0, 0);
  PQclear(res);
  PQfinish(conn);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error("admin SQL failed (" + sql + "): " + msg);
  return value;
}

TestDb::TestDb() : store_(current_store()) {
  if (auto reason = store_unavailable_reason()) throw std::runtime_error(*reason);
  if (store_ == "sqlite") {
    std::string pattern = (std::filesystem::temp_directory_path() / "crema-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    temp_dir_ = pattern;
    name_ = temp_dir_ + "/crema.db";
    url_ = "sqlite://" + name_;
  } else {
    name_ = "crema_t_" + random_suffix();
    // template0: never has other sessions attached, which would make CREATE DATABASE fail.
    admin_exec("CREATE DATABASE " + name_ + " TEMPLATE template0");
    url_ = with_database(admin_url(), name_);
  }
  owned_ = true;
}

TestDb::TestDb(TestDb&& o) noexcept
    : store_(std::move(o.store_)),
      url_(std::move(o.url_)),
      name_(std::move(o.name_)),
      temp_dir_(std::move(o.temp_dir_)),
      owned_(o.owned_) {
  o.owned_ = false;
}

TestDb::~TestDb() {
  if (!owned_) return;
  try {
    if (store_ == "sqlite") {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    } else {
      admin_exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  } catch (const std::exception&) {
    // Best effort: a leftover throwaway database must not fail the test that made it.
  }
}

}  // namespace crema::test
