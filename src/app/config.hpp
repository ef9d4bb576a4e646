#pragma once
/// Crema's settings (SPEC §1): read from CREMA_* environment variables, each overridable by
/// a flag of the same name, validated once at start.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/password.hpp"
#include "util/net_address.hpp"

namespace crema::app {

enum class Environment { development, production };
enum class LogLevel { debug, info, warn, error };

struct Config {
  // server
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  int threads = 1;  ///< defaults to the number of cores
  Environment env = Environment::development;
  std::string tls_cert;
  std::string tls_key;
  std::vector<util::Cidr> trusted_proxies;
  std::vector<std::string> cors_origins;
  int request_timeout_seconds = 10;
  int shutdown_grace_seconds = 20;
  LogLevel log_level = LogLevel::info;
  /// /metrics: a bearer token it needs, and/or a second listener that alone serves it.
  std::string metrics_token;
  std::string metrics_listen_host;  ///< "" : no second listener
  std::uint16_t metrics_listen_port = 0;
  /// A session's absolute lifetime: its refresh tokens end this long after the sign-in.
  int session_max_days = 30;
  /// CREMA_PUBLIC_URL: the shop's address as customers reach it, for links in mails
  /// (password reset, email verification); required in production.
  std::string public_url;
  int password_reset_minutes = 30;  ///< how long a password reset link works

  // storage
  std::string database_url = "sqlite://./var/crema.db";
  std::string redis_url;
  bool auto_migrate = true;
  bool durability_full = false;
  int db_pool_size = 8;
  std::string data_dir = "./var";
  std::string media_dir = "./var/media";
  /// The built staff web app served at /app; empty: the `app` directory beside the binary.
  std::string app_dir;

  // secrets (empty: generated in development, required in production)
  std::string jwt_secret;
  std::string data_key_hex;
  auth::Argon2Profile argon2 = auth::Argon2Profile::interactive;

  // business
  std::string timezone = "UTC";
  std::string currency = "USD";
  int tax_rate_bps = 0;
  int order_hold_minutes = 15;
  int kitchen_parallelism = 2;
  /// SPEC §15.5 retention, in days (0: kept for good): contact details of orders placed
  /// without an account, and settled notifications and webhook deliveries.
  int retention_days_guest_pii = 365;
  int retention_days_notifications = 90;
  int ws_per_user = 10;       ///< WebSockets one user may hold at once (all instances, with Redis)
  int slot_minutes = 15;      ///< scheduled orders: length of a slot (SPEC §15.3)
  int max_schedule_days = 7;  ///< scheduled orders: how far ahead

  // rate limits per minute; 0 turns one off
  int auth_rate_per_min = 30;
  int public_rate_per_min = 600;
  int user_rate_per_min = 1200;
  bool require_admin_2fa = false;
  std::uint8_t require_2fa_roles = 0;   ///< bit (1 << Role) per role whose mutations need 2FA
  bool require_verified_email = false;  ///< customers' online orders need a verified email
  bool guest_checkout = true;           ///< POST /orders without an account (SPEC §15.1)

  // providers and integrations (used by the features that need them)
  std::string s3_endpoint, s3_bucket, s3_region, s3_access_key, s3_secret_key;
  std::string backup_dir;
  int backup_keep = 14;
  std::string sentry_dsn;
  std::string otlp_endpoint;  ///< CREMA_OTLP_ENDPOINT: where trace spans go ("" for nowhere)
  std::string smtp_url, smtp_from, sms_url;
  std::string smtp_ca_file, sms_from, templates_dir;

  // the outbox workers (SPEC §10)
  int outbox_workers = 1;          ///< threads in `crema serve` (0: run `crema worker`)
  int outbox_poll_ms = 1000;       ///< how often idle workers look for due messages
  int outbox_backoff_ms = 30000;   ///< wait after a message's first failed try
  int outbox_lease_seconds = 300;  ///< how long a claimed message is held
  std::string stripe_api_base = "https://api.stripe.com";
  std::string stripe_secret_key, stripe_webhook_secret;
  std::string stripe_api_version = "2024-06-20";  ///< Stripe-Version of every call
  std::string paypal_api_base = "https://api-m.paypal.com";
  std::string paypal_client_id, paypal_secret, paypal_webhook_id;
  std::string local_gateway_url, local_gateway_secret;
  bool allow_private_webhooks = false;  ///< partner webhooks may call private addresses

  bool production() const noexcept { return env == Environment::production; }
  bool tls() const noexcept { return !tls_cert.empty(); }
};

/// One known setting: its variable, default (as text), and what it means.
struct SettingInfo {
  std::string_view name;          ///< e.g. CREMA_LISTEN
  std::string_view default_text;  ///< what the README shows
  std::string_view help;
};

/// Every setting Crema knows, in README order.
std::span<const SettingInfo> settings();

/// The flag of a setting: CREMA_DATABASE_URL → database-url.
std::string flag_name(std::string_view env_name);

struct LoadResult {
  std::optional<Config> config;       ///< set when every value was valid
  std::string error;                  ///< one line naming the bad variable, otherwise
  std::vector<std::string> warnings;  ///< unknown CREMA_ variables, one line each
};

/// Builds the configuration from `env` (the process environment as name → value) with
/// `overrides` (from flags, by variable name) taking precedence. Pure: no I/O.
LoadResult load_config(const std::map<std::string, std::string>& env,
                       const std::map<std::string, std::string>& overrides,
                       unsigned hardware_threads);

/// Checks what production mode forbids: no TLS and no trusted proxy; a missing,
/// placeholder (`CHANGE-ME…`, an example's value) or low-entropy CREMA_JWT_SECRET or
/// CREMA_DATA_KEY (all zeros, a pattern); /metrics open to the public (neither
/// CREMA_METRICS_TOKEN nor CREMA_METRICS_LISTEN); a placeholder password in the database
/// or Redis URL. Returns one line naming the problem, or nothing.
std::optional<std::string> check_production(const Config& config);

/// The process environment as a map.
std::map<std::string, std::string> environment_map();

}  // namespace crema::app
