// Black-box tests of the command line: configuration errors and warnings, flags over env vars,
// production-mode refusals, --help, `crema migrate` and `crema create-admin`.

#include <algorithm>
#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;

std::string lower_text(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

std::string describe_run(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
         "\n--- stdout ---\n" + r.out + "\n--- stderr ---\n" + r.err;
}

// `crema serve` that is expected to refuse to start: never binds a fixed port.
RunResult serve_expecting_failure(const Database& db, EnvOverrides env,
                                  std::vector<std::string> args = {}) {
  env.emplace("CREMA_LISTEN", "127.0.0.1:0");
  env.emplace("CREMA_DATABASE_URL", db.url());
  std::vector<std::string> argv{"serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_crema(argv, env, {}, 15s);
}

const std::string kSecret = "0123456789abcdef0123456789abcdef-jwt-secret";
const std::string kDataKey = "f69b53c990c6faf53c53acb71e8dae6e144c20021b7d9a4e58c3f0a6d2e87b15";
const std::string kMetricsToken = "9c1d0e7a44b2f85e3a6c1b90d7e2f4a8";

// ---- malformed and unknown settings ----------------------------------------------------------

struct BadSetting {
  const char* name;
  const char* value;
};

void PrintTo(const BadSetting& b, std::ostream* os) { *os << b.name << "=" << b.value; }

class MalformedSetting : public ::testing::TestWithParam<BadSetting> {};

TEST_P(MalformedSetting, ExitsWithCode2AndOneLineNamingIt) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {{GetParam().name, GetParam().value}});
  EXPECT_FALSE(r.timed_out) << "the server started with " << GetParam().name << "="
                            << GetParam().value;
  EXPECT_EQ(r.exit_code, 2) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], GetParam().name)) << lines[0];
  EXPECT_TRUE(contains(lines[0], GetParam().value))
      << "the line should quote the bad value: " << lines[0];
}

INSTANTIATE_TEST_SUITE_P(Values, MalformedSetting,
                         ::testing::Values(BadSetting{"CREMA_THREADS", "abc"},
                                           BadSetting{"CREMA_THREADS", "0"},
                                           BadSetting{"CREMA_LISTEN", "nonsense"},
                                           BadSetting{"CREMA_LISTEN", "127.0.0.1:99999"},
                                           BadSetting{"CREMA_TAX_RATE_BPS", "-1"},
                                           BadSetting{"CREMA_LOG_LEVEL", "loud"},
                                           BadSetting{"CREMA_CORS_ORIGINS", "not a url"},
                                           BadSetting{"CREMA_TRUSTED_PROXY", "300.1.2.3/40"},
                                           BadSetting{"CREMA_REQUEST_TIMEOUT_SECONDS", "soon"}),
                         [](const ::testing::TestParamInfo<BadSetting>& p) {
                           return std::string(p.param.name) + "_" + std::to_string(p.index);
                         });

TEST(Config, MalformedFlagValueAlsoExitsWith2) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {}, {"--threads", "abc"});
  EXPECT_EQ(r.exit_code, 2) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], "threads") || contains(lines[0], "THREADS")) << lines[0];
}

TEST(Config, UnknownVariableWarnsOnceAndServes) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerOptions o;
  o.database_url = db->url();
  o.env["CREMA_FOO"] = "1";
  ServerProcess server(std::move(o));
  EXPECT_EQ(client_for(server)->get("/health").status, 200);
  int mentions = 0;
  std::string found;
  for (const auto& line : split_lines(server.stdout_text() + "\n" + server.stderr_text())) {
    if (contains(line, "CREMA_FOO")) {
      ++mentions;
      found = line;
    }
  }
  EXPECT_EQ(mentions, 1) << server.stdout_text() << "\n" << server.stderr_text();
  if (auto v = parse_json(found); v && v->is_object()) {
    const std::string level = json_string(*v, {"level"});
    EXPECT_TRUE(level == "warn" || level == "warning") << found;
  } else {
    EXPECT_TRUE(contains(lower_text(found), "warn") || contains(lower_text(found), "unknown"))
        << found;
  }
}

TEST(Config, FlagOverridesTheEnvironment) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerOptions o;
  o.database_url = db->url();
  o.env["CREMA_LISTEN"] = "nonsense";
  o.args = {"--listen", "127.0.0.1:0"};
  std::unique_ptr<ServerProcess> server;
  ASSERT_NO_THROW(server = std::make_unique<ServerProcess>(std::move(o)));
  EXPECT_EQ(client_for(*server)->get("/health").status, 200);
}

TEST(Config, DatabaseUrlFlagOverridesTheEnvironment) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerOptions o;
  o.env["CREMA_DATABASE_URL"] = "mysql://nope";
  o.args = {"--database-url", db->url()};
  std::unique_ptr<ServerProcess> server;
  ASSERT_NO_THROW(server = std::make_unique<ServerProcess>(std::move(o)));
  EXPECT_EQ(client_for(*server)->get("/ready").status, 200);
}

TEST(Cli, HelpDocumentsTheSubcommands) {
  auto r = run_crema({"--help"});
  EXPECT_EQ(r.exit_code, 0) << describe_run(r);
  for (const char* word : {"serve", "migrate", "create-admin"}) {
    EXPECT_TRUE(contains(r.out + r.err, word)) << word << " missing from --help:\n" << r.out;
  }
}

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run_crema({"--version"});
  EXPECT_EQ(r.exit_code, 0) << describe_run(r);
  EXPECT_TRUE(contains(r.out, "0.")) << r.out;
}

TEST(Cli, UnknownSubcommandFails) {
  auto r = run_crema({"brew-coffee"});
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  EXPECT_FALSE(r.err.empty());
}

// ---- production mode -------------------------------------------------------------------------

TEST(Production, RefusesWithoutTlsOrTrustedProxy) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(
      *db,
      {{"CREMA_ENV", "production"}, {"CREMA_JWT_SECRET", kSecret}, {"CREMA_DATA_KEY", kDataKey}});
  EXPECT_FALSE(r.timed_out) << "production mode served plain HTTP without a trusted proxy";
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], "TLS") || contains(lines[0], "CREMA_TRUSTED_PROXY")) << lines[0];
}

TEST(Production, RefusesWithoutJwtSecret) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {{"CREMA_ENV", "production"},
                                         {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
                                         {"CREMA_DATA_KEY", kDataKey}});
  EXPECT_FALSE(r.timed_out) << "production mode served without CREMA_JWT_SECRET";
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], "CREMA_JWT_SECRET")) << lines[0];
}

TEST(Production, RefusesWithoutDataKey) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {{"CREMA_ENV", "production"},
                                         {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
                                         {"CREMA_JWT_SECRET", kSecret}});
  EXPECT_FALSE(r.timed_out) << "production mode served without CREMA_DATA_KEY";
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], "CREMA_DATA_KEY")) << lines[0];
}

TEST(Production, RefusesAShortJwtSecret) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {{"CREMA_ENV", "production"},
                                         {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
                                         {"CREMA_JWT_SECRET", "too-short-secret"},
                                         {"CREMA_DATA_KEY", kDataKey}});
  EXPECT_FALSE(r.timed_out) << "production mode served with a 16-byte JWT secret";
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  ASSERT_EQ(r.err_lines().size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(r.err, "CREMA_JWT_SECRET")) << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "too-short-secret")) << "the secret was printed";
}

TEST(Production, ServesWithEverythingSet) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerOptions o;
  o.database_url = db->url();
  o.env = {{"CREMA_ENV", "production"},
           {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
           {"CREMA_JWT_SECRET", kSecret},
           {"CREMA_DATA_KEY", kDataKey},
           {"CREMA_METRICS_TOKEN", kMetricsToken},
           {"CREMA_PUBLIC_URL", "https://shop.example"}};
  std::unique_ptr<ServerProcess> server;
  ASSERT_NO_THROW(server = std::make_unique<ServerProcess>(std::move(o)));
  EXPECT_EQ(client_for(*server)->get("/health").status, 200);
  EXPECT_EQ(client_for(*server)->get("/ready").status, 200);
  const std::string logs = server->stdout_text() + server->stderr_text();
  EXPECT_FALSE(contains(logs, kSecret)) << "the JWT secret was logged";
  EXPECT_FALSE(contains(logs, kDataKey)) << "the data key was logged";
  EXPECT_FALSE(contains(logs, kMetricsToken)) << "the metrics token was logged";
}

// The values of deploy/k8s's example Secret (and values like them) never run a shop.
TEST(Production, RefusesThePlaceholderSecretsOfTheExamples) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  const EnvOverrides base{{"CREMA_ENV", "production"},
                          {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
                          {"CREMA_JWT_SECRET", kSecret},
                          {"CREMA_DATA_KEY", kDataKey},
                          {"CREMA_METRICS_TOKEN", kMetricsToken}};
  struct Case {
    const char* name;
    const char* value;
  };
  for (const Case& c :
       {Case{"CREMA_JWT_SECRET", "CHANGE-ME-to-at-least-32-random-bytes-xxxxxxxxxxxx"},
        Case{"CREMA_JWT_SECRET", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        Case{"CREMA_DATA_KEY", "0000000000000000000000000000000000000000000000000000000000000000"},
        Case{"CREMA_METRICS_TOKEN", "CHANGE-ME-metrics-token"}}) {
    EnvOverrides env = base;
    env[c.name] = c.value;
    auto r = serve_expecting_failure(*db, env);
    EXPECT_FALSE(r.timed_out) << "production served with " << c.name << "=" << c.value;
    EXPECT_EQ(r.exit_code, 2) << describe_run(r);
    auto lines = r.err_lines();
    ASSERT_EQ(lines.size(), 1u) << describe_run(r);
    EXPECT_TRUE(contains(lines[0], c.name)) << lines[0];
    EXPECT_FALSE(contains(r.out + r.err, c.value)) << "the value was printed";
  }
}

// SPEC §13: /metrics is not for the public; production needs a token or a second listener.
TEST(Production, RefusesToServeMetricsToThePublic) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto r = serve_expecting_failure(*db, {{"CREMA_ENV", "production"},
                                         {"CREMA_TRUSTED_PROXY", "127.0.0.1/32"},
                                         {"CREMA_JWT_SECRET", kSecret},
                                         {"CREMA_DATA_KEY", kDataKey}});
  EXPECT_FALSE(r.timed_out) << "production served /metrics to everyone";
  EXPECT_EQ(r.exit_code, 2) << describe_run(r);
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << describe_run(r);
  EXPECT_TRUE(contains(lines[0], "CREMA_METRICS_TOKEN")) << lines[0];
  EXPECT_TRUE(contains(lines[0], "CREMA_METRICS_LISTEN")) << lines[0];
}

// Configuration and connection errors name the variable, never the password in its URL.
TEST(ConfigErrors, NeverEchoThePasswordOfADatabaseOrRedisUrl) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto bad_scheme = serve_expecting_failure(
      *db, {{"CREMA_DATABASE_URL", "mysql://crema:Hunter2Secret@db/crema"}});
  EXPECT_NE(bad_scheme.exit_code, 0) << describe_run(bad_scheme);
  EXPECT_TRUE(contains(bad_scheme.err, "CREMA_DATABASE_URL")) << describe_run(bad_scheme);
  EXPECT_FALSE(contains(bad_scheme.out + bad_scheme.err, "Hunter2Secret"))
      << describe_run(bad_scheme);
  auto bad_redis = serve_expecting_failure(
      *db, {{"CREMA_REDIS_URL", "redis://:Hunter2Secret@cache:notaport/0"}});
  EXPECT_NE(bad_redis.exit_code, 0) << describe_run(bad_redis);
  EXPECT_TRUE(contains(bad_redis.err, "CREMA_REDIS_URL")) << describe_run(bad_redis);
  EXPECT_FALSE(contains(bad_redis.out + bad_redis.err, "Hunter2Secret")) << describe_run(bad_redis);
  // A URL libpq cannot parse: its message would quote it whole.
  auto r = run_crema(
      {"migrate"},
      {{"CREMA_DATABASE_URL", "postgresql://crema:Hunter2Secret@[::1/crema?connect_timeout=1"}});
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  EXPECT_FALSE(contains(r.out + r.err, "Hunter2Secret")) << describe_run(r);
}

// ---- migrate ---------------------------------------------------------------------------------

TEST(Migrate, AppliesOnceThenNothing) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  EnvOverrides env{{"CREMA_DATABASE_URL", db->url()}};
  auto first = run_crema({"migrate"}, env);
  ASSERT_EQ(first.exit_code, 0) << describe_run(first);
  auto second = run_crema({"migrate"}, env);
  ASSERT_EQ(second.exit_code, 0) << describe_run(second);
  const std::string said = lower_text(second.out + second.err);
  EXPECT_TRUE(contains(said, "up to date") || contains(said, "up-to-date") ||
              contains(said, "nothing") || contains(said, "no pending") ||
              contains(said, "\"applied\":0") || contains(said, "0 migrations") ||
              contains(said, "already"))
      << "the second run should say that nothing was applied:\n"
      << describe_run(second);
  EXPECT_NE(lower_text(first.out + first.err), said) << "both runs said the same";

  // The migrated store is ready without auto-migration.
  ServerOptions o;
  o.database_url = db->url();
  o.env["CREMA_AUTO_MIGRATE"] = "0";
  ServerProcess server(std::move(o));
  auto r = client_for(server)->get("/ready");
  EXPECT_EQ(r.status, 200) << r.describe();
}

TEST(Migrate, UnmigratedStoreIsNotReadyButAlive) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ServerOptions o;
  o.database_url = db->url();
  o.env["CREMA_AUTO_MIGRATE"] = "0";
  ServerProcess server(std::move(o));
  auto client = client_for(server);
  auto ready = client->get("/ready");
  EXPECT_EQ(ready.status, 503) << ready.describe();
  ASSERT_TRUE(ready.json) << ready.describe();
  const auto* checks = ready.object().if_contains("checks");
  ASSERT_TRUE(checks && checks->is_object()) << ready.describe();
  EXPECT_EQ(json_string(*checks, {"database"}), "ok") << ready.describe();
  ASSERT_TRUE(checks->get_object().contains("migrations")) << ready.describe();
  EXPECT_NE(json_string(*checks, {"migrations"}), "ok") << ready.describe();
  EXPECT_NE(json_string(ready.json.value(), {"status"}), "ready") << ready.describe();
  auto health = client->get("/health");
  EXPECT_EQ(health.status, 200) << health.describe();

  // After `crema migrate` (while serving), the same process becomes ready.
  auto m = run_crema({"migrate"}, {{"CREMA_DATABASE_URL", db->url()}});
  ASSERT_EQ(m.exit_code, 0) << describe_run(m);
  auto again = client->get("/ready");
  EXPECT_EQ(again.status, 200) << again.describe();
}

// ---- create-admin ----------------------------------------------------------------------------

class CreateAdmin : public ::testing::Test {
 protected:
  void SetUp() override {
    CREMA_E2E_REQUIRE_STORE();
    db_ = fresh_database();
    env_ = {{"CREMA_DATABASE_URL", db_->url()}};
    auto m = run_crema({"migrate"}, env_);
    ASSERT_EQ(m.exit_code, 0) << describe_run(m);
  }
  RunResult create(const std::string& email, const std::string& stdin_text) {
    return run_crema({"create-admin", "--email", email, "--password-stdin"}, env_, stdin_text);
  }
  std::unique_ptr<Database> db_;
  EnvOverrides env_;
};

TEST_F(CreateAdmin, CreatesOnceAndRefusesTheSameEmail) {
  const std::string password = "correct horse battery staple";
  auto first = create("boss@example.com", password + "\n");
  EXPECT_EQ(first.exit_code, 0) << describe_run(first);
  EXPECT_FALSE(contains(first.out + first.err, password)) << "the password was printed";

  auto again = create("boss@example.com", "another good password\n");
  EXPECT_NE(again.exit_code, 0) << describe_run(again);
  EXPECT_TRUE(contains(lower_text(again.out + again.err), "exist")) << describe_run(again);
}

TEST_F(CreateAdmin, CreatesWithoutPriorMigrateToo) {
  // On a store nobody migrated, create-admin migrates or explains; it never crashes.
  auto fresh = fresh_database();
  auto r = run_crema({"create-admin", "--email", "boss@example.com", "--password-stdin"},
                     {{"CREMA_DATABASE_URL", fresh->url()}}, "correct horse battery staple\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.exit_code, 128) << "crashed: " << describe_run(r);
  if (r.exit_code != 0) {
    EXPECT_TRUE(contains(lower_text(r.err + r.out), "migrat")) << describe_run(r);
  }
}

TEST_F(CreateAdmin, RefusesAShortPassword) {
  auto r = create("boss@example.com", "nine-char\n");
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  const std::string said = lower_text(r.out + r.err);
  EXPECT_TRUE(contains(said, "password")) << describe_run(r);
  EXPECT_TRUE(contains(said, "10") || contains(said, "short")) << describe_run(r);
  // And the account was not created: a good password now succeeds.
  auto ok = create("boss@example.com", "correct horse battery staple\n");
  EXPECT_EQ(ok.exit_code, 0) << describe_run(ok);
}

TEST_F(CreateAdmin, RefusesAnEmptyPassword) {
  auto r = create("boss@example.com", "");
  EXPECT_NE(r.exit_code, 0) << describe_run(r);
  EXPECT_TRUE(contains(lower_text(r.out + r.err), "password")) << describe_run(r);
}

}  // namespace
}  // namespace crema::test::e2e
