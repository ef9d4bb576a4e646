#include "support/auth_helper.hpp"

#include <unistd.h>

#include <atomic>
#include <stdexcept>

#include <boost/json.hpp>

namespace crema::test {

namespace json = boost::json;

namespace {

std::string next_email(std::string_view role) {
  static std::atomic<int> n{0};
  return std::string(role) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) +
         "@example.com";
}

Account from_session(const HttpResponse& res, std::string_view email, std::string_view password) {
  const auto& o = res.object();
  Account a;
  a.id = json_string(o, {"user", "id"});
  a.email = std::string(email);
  a.password = std::string(password);
  a.role = json_string(o, {"user", "role"});
  a.name = json_string(o, {"user", "name"});
  a.token = json_string(o, {"token"});
  a.refresh_token = json_string(o, {"refresh_token"});
  if (a.id.empty() || a.token.empty()) throw std::runtime_error("no session in " + res.describe());
  return a;
}

}  // namespace

AuthHelper::AuthHelper(const ServerProcess& server)
    : server_(server),
      client_(std::make_unique<HttpClient>(server.base_url(), TlsOptions{false, {}})) {}

AuthHelper::~AuthHelper() = default;

RequestHeaders AuthHelper::bearer_of(std::string_view token) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

Account AuthHelper::login(std::string_view email, std::string_view password) {
  json::object body{{"email", email}, {"password", password}};
  auto res = client_->post("/api/v1/auth/login", json::serialize(body));
  if (res.status != 200) throw std::runtime_error("login failed: " + res.describe());
  return from_session(res, email, password);
}

const Account& AuthHelper::admin() {
  if (admin_) return *admin_;
  const std::string email = next_email("admin");
  EnvOverrides env;
  const auto& server_env = server_.environment();
  for (const char* name : {"CREMA_DATABASE_URL", "CREMA_ARGON2"}) {
    if (auto it = server_env.find(name); it != server_env.end()) env[name] = it->second;
  }
  auto run = run_crema({"create-admin", "--email", email, "--password-stdin"}, env,
                       std::string(kTestPassword) + "\n");
  if (run.exit_code != 0)
    throw std::runtime_error("crema create-admin failed (" + std::to_string(run.exit_code) +
                             "): " + run.err);
  admin_ = std::make_unique<Account>(login(email, kTestPassword));
  return *admin_;
}

Account AuthHelper::create(std::string_view role) {
  const Account& boss = admin();
  const std::string email = next_email(role);
  json::object body{{"name", "Test " + std::string(role)},
                    {"email", email},
                    {"password", kTestPassword},
                    {"role", role}};
  auto res = client_->post("/api/v1/auth/register", json::serialize(body), boss.bearer());
  if (res.status != 201) throw std::runtime_error("register failed: " + res.describe());
  return from_session(res, email, kTestPassword);
}

const Account& AuthHelper::account(std::string_view role) {
  if (role == "admin") return admin();
  if (auto it = by_role_.find(role); it != by_role_.end()) return it->second;
  return by_role_.emplace(std::string(role), create(role)).first->second;
}

}  // namespace crema::test
