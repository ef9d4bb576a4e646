#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "app/config.hpp"
#include "auth/roles.hpp"
#include "util/secret_text.hpp"

namespace crema::app {
namespace {

using Env = std::map<std::string, std::string>;

LoadResult load(const Env& env, const Env& overrides = {}) {
  return load_config(env, overrides, 4);
}

TEST(Config, DefaultsFollowTheSpec) {
  auto r = load({});
  ASSERT_TRUE(r.config) << r.error;
  const Config& c = *r.config;
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.database_url, "sqlite://./var/crema.db");
  EXPECT_EQ(c.threads, 4);  // number of cores
  EXPECT_EQ(c.timezone, "UTC");
  EXPECT_EQ(c.currency, "USD");
  EXPECT_EQ(c.tax_rate_bps, 0);
  EXPECT_EQ(c.auth_rate_per_min, 30);
  EXPECT_EQ(c.public_rate_per_min, 600);
  EXPECT_EQ(c.user_rate_per_min, 1200);
  EXPECT_EQ(c.order_hold_minutes, 15);
  EXPECT_EQ(c.kitchen_parallelism, 2);
  EXPECT_EQ(c.ws_per_user, 10);
  EXPECT_EQ(c.backup_keep, 14);
  EXPECT_EQ(c.env, Environment::development);
  EXPECT_TRUE(c.auto_migrate);
  EXPECT_EQ(c.stripe_api_version,
            "2024-06-20");  // the version the Stripe adapter is written against
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Config, ReadsEnvironment) {
  auto r = load({{"CREMA_LISTEN", "0.0.0.0:9000"},
                 {"CREMA_DATABASE_URL", "postgresql://u:p@db:5432/crema"},
                 {"CREMA_THREADS", "2"},
                 {"CREMA_TAX_RATE_BPS", "1000"},
                 {"CREMA_CORS_ORIGINS", "https://a.example, https://b.example"},
                 {"CREMA_TRUSTED_PROXY", "10.0.0.0/8,::1"},
                 {"CREMA_ENV", "production"},
                 {"CREMA_TIMEZONE", "Africa/Cairo"},
                 {"CREMA_REQUIRE_ADMIN_2FA", "1"},
                 {"CREMA_STRIPE_API_VERSION", "2024-09-30.acacia"},
                 {"CREMA_WS_PER_USER", "3"}});
  ASSERT_TRUE(r.config) << r.error;
  const Config& c = *r.config;
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.database_url, "postgresql://u:p@db:5432/crema");
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.tax_rate_bps, 1000);
  ASSERT_EQ(c.cors_origins.size(), 2u);
  EXPECT_EQ(c.cors_origins[1], "https://b.example");
  ASSERT_EQ(c.trusted_proxies.size(), 2u);
  EXPECT_TRUE(c.trusted_proxies[0].contains(*util::IpAddress::parse("10.1.2.3")));
  EXPECT_FALSE(c.trusted_proxies[0].contains(*util::IpAddress::parse("11.1.2.3")));
  EXPECT_TRUE(c.production());
  EXPECT_EQ(c.timezone, "Africa/Cairo");
  EXPECT_TRUE(c.require_admin_2fa);
  EXPECT_EQ(c.stripe_api_version, "2024-09-30.acacia");
  EXPECT_EQ(c.ws_per_user, 3);
}

TEST(Config, FlagsOverrideEnvironment) {
  auto r = load({{"CREMA_LISTEN", "nonsense"}}, {{"CREMA_LISTEN", "127.0.0.1:0"}});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->listen_port, 0);
}

TEST(Config, MalformedValueIsOneLineNamingTheVariable) {
  for (const auto& [name, value] : Env{{"CREMA_THREADS", "abc"},
                                       {"CREMA_THREADS", "0"},
                                       {"CREMA_LISTEN", "nonsense"},
                                       {"CREMA_LISTEN", "127.0.0.1:99999"},
                                       {"CREMA_TAX_RATE_BPS", "-1"},
                                       {"CREMA_DATABASE_URL", "mysql://x"},
                                       {"CREMA_ENV", "prod"},
                                       {"CREMA_CURRENCY", "usd"},
                                       {"CREMA_JWT_SECRET", "short"},
                                       {"CREMA_DATA_KEY", "zz"},
                                       {"CREMA_CORS_ORIGINS", "shop.example"},
                                       {"CREMA_TRUSTED_PROXY", "10.0.0.0/33"},
                                       {"CREMA_AUTO_MIGRATE", "yes"},
                                       {"CREMA_REDIS_URL", "http://x"},
                                       {"CREMA_ARGON2", "fast"},
                                       {"CREMA_STRIPE_API_VERSION", "latest"},
                                       {"CREMA_STRIPE_API_VERSION", "2024-6-20"},
                                       {"CREMA_STRIPE_API_VERSION", "2024-06-20."},
                                       {"CREMA_STRIPE_API_VERSION", "2024-06-20\r\nX: y"},
                                       {"CREMA_WS_PER_USER", "0"}}) {
    auto r = load({{name, value}});
    EXPECT_FALSE(r.config) << name << "=" << value;
    EXPECT_EQ(r.error.rfind(name + " ", 0), 0u) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos);
  }
}

TEST(Config, SecretsAreNotEchoedInErrors) {
  auto r = load({{"CREMA_JWT_SECRET", "tooshort-secret"}});
  ASSERT_FALSE(r.config);
  EXPECT_EQ(r.error.find("tooshort-secret"), std::string::npos) << r.error;
}

TEST(Config, UnknownCremaVariablesWarnOnce) {
  auto r = load({{"CREMA_FOO", "1"}, {"HOME", "/root"}, {"CREMA_LISTEN", "127.0.0.1:1"}});
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("CREMA_FOO"), std::string::npos);
}

TEST(Config, TwoFactorRolesAndThePublicUrl) {
  auto r = load({{"CREMA_REQUIRE_2FA_ROLES", "manager, staff"},
                 {"CREMA_PUBLIC_URL", "https://shop.example/"},
                 {"CREMA_PASSWORD_RESET_MINUTES", "45"}});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->require_2fa_roles, (1u << static_cast<unsigned>(auth::Role::manager)) |
                                             (1u << static_cast<unsigned>(auth::Role::staff)));
  EXPECT_EQ(r.config->public_url, "https://shop.example");
  EXPECT_EQ(r.config->password_reset_minutes, 45);
  auto bad = load({{"CREMA_REQUIRE_2FA_ROLES", "admin,baker"}});
  EXPECT_FALSE(bad.config);
  EXPECT_NE(bad.error.find("CREMA_REQUIRE_2FA_ROLES"), std::string::npos);
  auto bad_url = load({{"CREMA_PUBLIC_URL", "shop.example"}});
  EXPECT_FALSE(bad_url.config);
  EXPECT_NE(bad_url.error.find("CREMA_PUBLIC_URL"), std::string::npos);
}

TEST(Config, TlsNeedsBothFiles) {
  auto r = load({{"CREMA_TLS_CERT", "/tmp/cert.pem"}});
  EXPECT_FALSE(r.config);
  EXPECT_NE(r.error.find("CREMA_TLS_KEY"), std::string::npos);
}

TEST(Config, ProductionRefusesInsecureDefaults) {
  Config c;
  c.env = Environment::production;
  auto why = check_production(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CREMA_TRUSTED_PROXY"), std::string::npos);
  c.trusted_proxies.push_back(*util::Cidr::parse("10.0.0.0/8"));
  why = check_production(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CREMA_JWT_SECRET"), std::string::npos);
  c.jwt_secret = "Rl3h2BcntkjvGY3yO1WH0B9pZ2ixAHNxbnjXJOaEq8w=";
  why = check_production(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CREMA_DATA_KEY"), std::string::npos);
  c.data_key_hex = "f69b53c990c6faf53c53acb71e8dae6e144c20021b7d9a4e58c3f0a6d2e87b15";
  why = check_production(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CREMA_METRICS_TOKEN"), std::string::npos);
  c.metrics_listen_host = "0.0.0.0";
  c.metrics_listen_port = 9090;
  why = check_production(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CREMA_PUBLIC_URL"), std::string::npos);
  c.public_url = "https://shop.example";
  EXPECT_FALSE(check_production(c));
  c.metrics_listen_host.clear();
  c.metrics_token = "9c1d0e7a44b2f85e3a6c1b90d7e2f4a8";
  EXPECT_FALSE(check_production(c));
  c.env = Environment::development;
  c.trusted_proxies.clear();
  EXPECT_FALSE(check_production(c));
}

// The example values shipped in deploy/ (and their like) never run a production shop.
TEST(Config, ProductionRefusesPlaceholderAndLowEntropySecrets) {
  Config good;
  good.env = Environment::production;
  good.trusted_proxies.push_back(*util::Cidr::parse("10.0.0.0/8"));
  good.jwt_secret = "Rl3h2BcntkjvGY3yO1WH0B9pZ2ixAHNxbnjXJOaEq8w=";
  good.data_key_hex = "f69b53c990c6faf53c53acb71e8dae6e144c20021b7d9a4e58c3f0a6d2e87b15";
  good.metrics_token = "9c1d0e7a44b2f85e3a6c1b90d7e2f4a8";
  good.database_url = "postgresql://crema:v3ry-s3cret-Pa55@db:5432/crema";
  good.public_url = "https://shop.example";
  ASSERT_FALSE(check_production(good));
  auto refused = [&](auto change, std::string_view names) {
    Config c = good;
    change(c);
    auto why = check_production(c);
    EXPECT_TRUE(why) << names;
    if (why) {
      EXPECT_NE(why->find(names), std::string::npos) << *why;
    }
  };
  for (const char* jwt :
       {"CHANGE-ME-to-at-least-32-random-bytes-xxxxxxxxxxxx",
        "changeme-changeme-changeme-changeme-12", "an-example-secret-for-the-docs-0123456789",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababababababababababababab"})
    refused([&](Config& c) { c.jwt_secret = jwt; }, "CREMA_JWT_SECRET");
  for (const char* key : {"0000000000000000000000000000000000000000000000000000000000000000",
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    refused([&](Config& c) { c.data_key_hex = key; }, "CREMA_DATA_KEY");
  refused([](Config& c) { c.metrics_token = "CHANGE-ME-metrics-token"; }, "CREMA_METRICS_TOKEN");
  refused([](Config& c) { c.metrics_token = "aaaaaaaaaaaaaaaaaaaa"; }, "CREMA_METRICS_TOKEN");
  refused([](Config& c) { c.database_url = "postgresql://crema:CHANGE-ME@postgres:5432/crema"; },
          "CREMA_DATABASE_URL");
  refused([](Config& c) { c.redis_url = "redis://:changeme@redis:6379/0"; }, "CREMA_REDIS_URL");
}

// A malformed URL's error line names the variable, never the password inside it.
TEST(Config, ErrorsNeverEchoAUrlsPassword) {
  auto db = load({{"CREMA_DATABASE_URL", "mysql://crema:hunter2-db@db.local/crema"}});
  ASSERT_FALSE(db.config);
  EXPECT_NE(db.error.find("CREMA_DATABASE_URL"), std::string::npos);
  EXPECT_EQ(db.error.find("hunter2"), std::string::npos) << db.error;
  EXPECT_NE(db.error.find("db.local"), std::string::npos) << "the rest still helps: " << db.error;
  auto redis = load({{"CREMA_REDIS_URL", "redis://:hunter2-redis@cache:notaport/0"}});
  ASSERT_FALSE(redis.config);
  EXPECT_NE(redis.error.find("CREMA_REDIS_URL"), std::string::npos);
  EXPECT_EQ(redis.error.find("hunter2"), std::string::npos) << redis.error;
  auto token = load({{"CREMA_METRICS_TOKEN", "short-secret"}});
  ASSERT_FALSE(token.config);
  EXPECT_EQ(token.error.find("short-secret"), std::string::npos) << token.error;
  EXPECT_EQ(util::mask_url_password("postgresql://u:p%40ss@h:5432/d"), "postgresql://u:…@h:5432/d");
  EXPECT_EQ(util::mask_url_password("redis://cache:6379/0"), "redis://cache:6379/0");
  EXPECT_EQ(util::hide("bad URI postgresql://u:p@ss@h", "p%40ss"), "bad URI postgresql://u:…@h");
}

TEST(Config, MetricsAndSessionSettings) {
  auto r = load({{"CREMA_METRICS_LISTEN", "0.0.0.0:9090"},
                 {"CREMA_METRICS_TOKEN", "0123456789abcdef0123"},
                 {"CREMA_SESSION_MAX_DAYS", "7"},
                 {"CREMA_ALLOW_PRIVATE_WEBHOOKS", "1"}});
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->metrics_listen_host, "0.0.0.0");
  EXPECT_EQ(r.config->metrics_listen_port, 9090);
  EXPECT_EQ(r.config->metrics_token, "0123456789abcdef0123");
  EXPECT_EQ(r.config->session_max_days, 7);
  EXPECT_TRUE(r.config->allow_private_webhooks);
  EXPECT_EQ(load({}).config->session_max_days, 30);
  EXPECT_FALSE(load({{"CREMA_METRICS_LISTEN", "nowhere"}}).config);
  EXPECT_FALSE(load({{"CREMA_SESSION_MAX_DAYS", "0"}}).config);
}

TEST(Config, FlagNames) {
  EXPECT_EQ(flag_name("CREMA_LISTEN"), "listen");
  EXPECT_EQ(flag_name("CREMA_DATABASE_URL"), "database-url");
  EXPECT_EQ(flag_name("CREMA_TAX_RATE_BPS"), "tax-rate-bps");
}

TEST(Config, EverySpecSettingIsKnown) {
  const char* spec[] = {"CREMA_LISTEN",
                        "CREMA_DATABASE_URL",
                        "CREMA_REDIS_URL",
                        "CREMA_JWT_SECRET",
                        "CREMA_ENV",
                        "CREMA_TLS_CERT",
                        "CREMA_TLS_KEY",
                        "CREMA_TRUSTED_PROXY",
                        "CREMA_THREADS",
                        "CREMA_TIMEZONE",
                        "CREMA_CURRENCY",
                        "CREMA_TAX_RATE_BPS",
                        "CREMA_MEDIA_DIR",
                        "CREMA_CORS_ORIGINS",
                        "CREMA_ARGON2",
                        "CREMA_DATA_KEY",
                        "CREMA_AUTH_RATE_PER_MIN",
                        "CREMA_PUBLIC_RATE_PER_MIN",
                        "CREMA_USER_RATE_PER_MIN",
                        "CREMA_REQUIRE_ADMIN_2FA",
                        "CREMA_ORDER_HOLD_MINUTES",
                        "CREMA_KITCHEN_PARALLELISM",
                        "CREMA_S3_ENDPOINT",
                        "CREMA_S3_BUCKET",
                        "CREMA_S3_REGION",
                        "CREMA_S3_ACCESS_KEY",
                        "CREMA_S3_SECRET_KEY",
                        "CREMA_BACKUP_DIR",
                        "CREMA_BACKUP_KEEP",
                        "CREMA_SENTRY_DSN",
                        "CREMA_SMTP_URL",
                        "CREMA_SMTP_FROM",
                        "CREMA_SMS_URL",
                        "CREMA_STRIPE_API_BASE",
                        "CREMA_STRIPE_SECRET_KEY",
                        "CREMA_STRIPE_WEBHOOK_SECRET",
                        "CREMA_PAYPAL_API_BASE",
                        "CREMA_PAYPAL_CLIENT_ID",
                        "CREMA_PAYPAL_SECRET",
                        "CREMA_PAYPAL_WEBHOOK_ID",
                        "CREMA_LOCAL_GATEWAY_URL",
                        "CREMA_LOCAL_GATEWAY_SECRET",
                        "CREMA_AUTO_MIGRATE",
                        "CREMA_WS_PER_USER"};
  for (const char* name : spec) {
    bool found = false;
    for (const auto& s : settings()) found = found || s.name == name;
    EXPECT_TRUE(found) << name;
  }
}

// The README is the operator's reference: every setting the code knows must be in it.
TEST(Config, EverySettingIsDocumentedInTheReadme) {
  std::ifstream in(std::string(CREMA_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in) << "README.md not found";
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  for (const auto& s : settings())
    EXPECT_NE(readme.find("`" + std::string(s.name) + "`"), std::string::npos)
        << s.name << " is missing from README.md";
}

}  // namespace
}  // namespace crema::app
