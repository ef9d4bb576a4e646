#include "app/config.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "auth/roles.hpp"
#include "events/redis_endpoint.hpp"
#include "util/secret_text.hpp"

extern char** environ;

namespace crema::app {

namespace {

using Apply = std::function<std::optional<std::string>(std::string_view, Config&)>;

struct Setting {
  SettingInfo info;
  Apply apply;  ///< returns the reason when the value is malformed
};

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Apply int_in(int Config::*field, int lo, int hi) {
  return [=](std::string_view s, Config& c) -> std::optional<std::string> {
    auto v = parse_int(s);
    if (!v || *v < lo || *v > hi)
      return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    c.*field = *v;
    return std::nullopt;
  };
}

Apply flag(bool Config::*field) {
  return [=](std::string_view s, Config& c) -> std::optional<std::string> {
    if (s == "1" || s == "true") {
      c.*field = true;
    } else if (s == "0" || s == "false") {
      c.*field = false;
    } else {
      return "must be 0 or 1";
    }
    return std::nullopt;
  };
}

Apply text(std::string Config::*field) {
  return [=](std::string_view s, Config& c) -> std::optional<std::string> {
    c.*field = std::string(s);
    return std::nullopt;
  };
}

Apply url_with(std::string Config::*field, std::initializer_list<std::string_view> schemes) {
  std::vector<std::string_view> allowed(schemes);
  return [=](std::string_view s, Config& c) -> std::optional<std::string> {
    if (s.empty()) {
      (c.*field).clear();
      return std::nullopt;
    }
    for (auto scheme : allowed) {
      if (s.size() > scheme.size() && s.substr(0, scheme.size()) == scheme) {
        c.*field = std::string(s);
        return std::nullopt;
      }
    }
    std::string want;
    for (auto scheme : allowed) want += (want.empty() ? "" : " or ") + std::string(scheme);
    return "must start with " + want;
  };
}

// A Stripe API version: YYYY-MM-DD, optionally with its release name (2024-09-30.acacia).
Apply stripe_version(std::string Config::*field) {
  return [=](std::string_view s, Config& c) -> std::optional<std::string> {
    auto digits = [&](std::size_t from, std::size_t n) {
      for (std::size_t i = from; i < from + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
      return true;
    };
    bool ok = s.size() >= 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
              digits(8, 2) && s.size() <= 40;
    if (ok && s.size() > 10) {
      ok = s[10] == '.' && s.size() > 11;
      for (std::size_t i = 11; ok && i < s.size(); ++i) ok = s[i] >= 'a' && s[i] <= 'z';
    }
    if (!ok) return "must be a Stripe API version, e.g. 2024-06-20 or 2024-09-30.acacia";
    c.*field = std::string(s);
    return std::nullopt;
  };
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// host:port (an IP address or localhost; IPv6 in brackets) into `host` and `port`.
std::optional<std::string> parse_host_port(std::string_view s, std::string& host_out,
                                           std::uint16_t& port_out) {
  const std::string_view why = "must be host:port, e.g. 127.0.0.1:8080 or [::]:8080";
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::string(why);
  auto host = s.substr(0, colon);
  auto port = parse_int(s.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::string(why);
  if (host.front() == '[') {
    if (host.back() != ']') return std::string(why);
    host = host.substr(1, host.size() - 2);
  }
  if (host != "localhost" && !util::IpAddress::parse(host)) return std::string(why);
  host_out = host == "localhost" ? "127.0.0.1" : std::string(host);
  port_out = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

std::optional<std::string> apply_listen(std::string_view s, Config& c) {
  return parse_host_port(s, c.listen_host, c.listen_port);
}

std::optional<std::string> apply_metrics_listen(std::string_view s, Config& c) {
  if (s.empty()) {
    c.metrics_listen_host.clear();
    c.metrics_listen_port = 0;
    return std::nullopt;
  }
  return parse_host_port(s, c.metrics_listen_host, c.metrics_listen_port);
}

std::optional<std::string> apply_metrics_token(std::string_view s, Config& c) {
  if (!s.empty() && s.size() < 16) return "must be at least 16 characters";
  if (s.find_first_of(" \t\r\n") != std::string_view::npos) return "must not contain spaces";
  c.metrics_token = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_env(std::string_view s, Config& c) {
  if (s == "development") {
    c.env = Environment::development;
  } else if (s == "production") {
    c.env = Environment::production;
  } else {
    return "must be development or production";
  }
  return std::nullopt;
}

std::optional<std::string> apply_trusted_proxy(std::string_view s, Config& c) {
  c.trusted_proxies.clear();
  for (const auto& item : split_list(s)) {
    auto cidr = util::Cidr::parse(item);
    if (!cidr) return "must be CIDR ranges such as 10.0.0.0/8, comma-separated";
    c.trusted_proxies.push_back(*cidr);
  }
  return std::nullopt;
}

std::optional<std::string> apply_cors(std::string_view s, Config& c) {
  c.cors_origins.clear();
  for (auto& item : split_list(s)) {
    bool scheme_ok = item.rfind("http://", 0) == 0 || item.rfind("https://", 0) == 0;
    if (!scheme_ok || item.back() == '/')
      return "must be origins such as https://shop.example, comma-separated";
    c.cors_origins.push_back(std::move(item));
  }
  return std::nullopt;
}

std::optional<std::string> apply_2fa_roles(std::string_view s, Config& c) {
  c.require_2fa_roles = 0;
  for (const auto& item : split_list(s)) {
    auto role = auth::parse_role(item);
    if (!role) return "must be roles such as admin,manager (comma-separated)";
    c.require_2fa_roles |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(*role));
  }
  return std::nullopt;
}

std::optional<std::string> apply_public_url(std::string_view s, Config& c) {
  std::string url(s);
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool scheme_ok = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  const auto host_at = url.find("://") + 3;
  if (!url.empty() &&
      (!scheme_ok || url.size() <= host_at || url.find_first_of("?# \t\r\n") != std::string::npos))
    return "must be the shop's address such as https://shop.example (no query or fragment)";
  c.public_url = std::move(url);
  return std::nullopt;
}

std::optional<std::string> apply_jwt_secret(std::string_view s, Config& c) {
  if (!s.empty() && s.size() < 32) return "must be at least 32 bytes";
  c.jwt_secret = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_data_key(std::string_view s, Config& c) {
  if (s.empty()) {
    c.data_key_hex.clear();
    return std::nullopt;
  }
  if (s.size() != 64 || s.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
    return "must be 64 hexadecimal digits (a 32-byte key)";
  c.data_key_hex = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_threads(std::string_view s, Config& c) {
  auto v = parse_int(s);
  if (!v || *v < 1 || *v > 256) return "must be a whole number from 1 to 256";
  c.threads = *v;
  return std::nullopt;
}

std::optional<std::string> apply_timezone(std::string_view s, Config& c) {
  // Checked against the tz database when the app starts (date::locate_zone); here only the
  // shape, so loading stays free of I/O.
  if (s.empty() || s.size() > 64 ||
      s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
          std::string_view::npos)
    return "must be an IANA time zone such as Europe/Paris";
  c.timezone = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_currency(std::string_view s, Config& c) {
  if (s.size() != 3 || s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos)
    return "must be an ISO 4217 code such as USD";
  c.currency = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_argon2(std::string_view s, Config& c) {
  auto profile = auth::parse_argon2_profile(s);
  if (!profile) return "must be interactive or moderate";
  c.argon2 = *profile;
  return std::nullopt;
}

std::optional<std::string> apply_log_level(std::string_view s, Config& c) {
  if (s == "debug") c.log_level = LogLevel::debug;
  else if (s == "info") c.log_level = LogLevel::info;
  else if (s == "warn") c.log_level = LogLevel::warn;
  else if (s == "error") c.log_level = LogLevel::error;
  else return "must be debug, info, warn or error";
  return std::nullopt;
}

std::optional<std::string> apply_durability(std::string_view s, Config& c) {
  if (s == "normal") c.durability_full = false;
  else if (s == "full") c.durability_full = true;
  else return "must be normal or full";
  return std::nullopt;
}

std::optional<std::string> apply_database_url(std::string_view s, Config& c) {
  if (s.rfind("sqlite://", 0) == 0 && s.size() > 9) {
    c.database_url = std::string(s);
    return std::nullopt;
  }
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) {
    c.database_url = std::string(s);
    return std::nullopt;
  }
  return "must be sqlite://PATH or postgresql://user:pass@host:port/db";
}

std::optional<std::string> apply_redis_url(std::string_view s, Config& c) {
  if (!s.empty() && !events::RedisEndpoint::parse(s))
    return "must be redis://[[user]:password@]host[:port][/db]";
  c.redis_url = std::string(s);
  return std::nullopt;
}

std::optional<std::string> apply_nonempty_path(std::string Config::*field, std::string_view s,
                                               Config& c) {
  if (s.empty()) return "must not be empty";
  c.*field = std::string(s);
  return std::nullopt;
}

const std::vector<Setting>& table() {
  static const std::vector<Setting> kTable = {
      {{"CREMA_LISTEN", "127.0.0.1:8080", "address:port to listen on (port 0: any free port)"},
       apply_listen},
      {{"CREMA_DATABASE_URL", "sqlite://./var/crema.db",
        "sqlite://PATH or postgresql://user:pass@host:port/db"},
       apply_database_url},
      {{"CREMA_REDIS_URL", "(none)",
        "redis://host:port/db; when set, events, rate limits and the token denylist are shared "
        "through Redis"},
       apply_redis_url},
      {{"CREMA_JWT_SECRET", "(development: generated once, kept in CREMA_DATA_DIR)",
        "HMAC key for access tokens, at least 32 bytes; required in production"},
       apply_jwt_secret},
      {{"CREMA_ENV", "development",
        "production refuses insecure defaults (no TLS and no trusted proxy, default secrets)"},
       apply_env},
      {{"CREMA_TLS_CERT", "(none)",
        "PEM certificate chain; with CREMA_TLS_KEY, serve HTTPS and "
        "send HSTS"},
       text(&Config::tls_cert)},
      {{"CREMA_TLS_KEY", "(none)", "PEM private key for CREMA_TLS_CERT"}, text(&Config::tls_key)},
      {{"CREMA_TRUSTED_PROXY", "(none)",
        "CIDR range(s) of the ingress that terminates TLS; only its X-Forwarded-For/Proto are "
        "believed"},
       apply_trusted_proxy},
      {{"CREMA_THREADS", "number of cores", "I/O threads"}, apply_threads},
      {{"CREMA_TIMEZONE", "UTC", "IANA zone of the shop; business days are days in this zone"},
       apply_timezone},
      {{"CREMA_CURRENCY", "USD", "ISO 4217 code of prices"}, apply_currency},
      {{"CREMA_TAX_RATE_BPS", "0", "tax in basis points, added on top of item prices"},
       int_in(&Config::tax_rate_bps, 0, 10000)},
      {{"CREMA_MEDIA_DIR", "./var/media", "where images live when no object store is configured"},
       [](std::string_view s, Config& c) { return apply_nonempty_path(&Config::media_dir, s, c); }},
      {{"CREMA_APP_DIR", "(the app directory beside the crema binary)",
        "the built staff web app served at /app (the build writes it to BUILD_DIR/app)"},
       text(&Config::app_dir)},
      {{"CREMA_CORS_ORIGINS", "(none)", "comma-separated origins allowed by CORS"}, apply_cors},
      {{"CREMA_ARGON2", "interactive",
        "password hashing cost: interactive (64 MiB, 2 passes) or moderate (256 MiB, 3 passes)"},
       apply_argon2},
      {{"CREMA_DATA_KEY", "(development: generated once, kept in CREMA_DATA_DIR)",
        "32-byte key (64 hex digits) that encrypts secrets at rest; required in production"},
       apply_data_key},
      {{"CREMA_AUTH_RATE_PER_MIN", "30",
        "login, register, refresh and password forgot/reset requests per IP per minute "
        "(0: off)"},
       int_in(&Config::auth_rate_per_min, 0, 1000000)},
      {{"CREMA_PUBLIC_RATE_PER_MIN", "600",
        "other unauthenticated requests per IP per minute "
        "(0: off)"},
       int_in(&Config::public_rate_per_min, 0, 100000000)},
      {{"CREMA_USER_RATE_PER_MIN", "1200", "authenticated requests per user per minute (0: off)"},
       int_in(&Config::user_rate_per_min, 0, 100000000)},
      {{"CREMA_REQUIRE_ADMIN_2FA", "0",
        "1: admin mutations need an account with 2FA (adds admin to CREMA_REQUIRE_2FA_ROLES)"},
       flag(&Config::require_admin_2fa)},
      {{"CREMA_REQUIRE_2FA_ROLES", "(none)",
        "roles (e.g. admin,manager) whose mutations need an account with 2FA (403 "
        "two_factor_required), except their own sign-in, password and enrolment routes"},
       apply_2fa_roles},
      {{"CREMA_REQUIRE_VERIFIED_EMAIL", "0",
        "1: a customer's online order needs a verified email (403 email_not_verified)"},
       flag(&Config::require_verified_email)},
      {{"CREMA_GUEST_CHECKOUT", "1",
        "1: POST /orders without an account places a guest's online order (its 201 carries "
        "guest_token, sent back as X-Order-Token); 0: an order without credentials is 401"},
       flag(&Config::guest_checkout)},
      {{"CREMA_ORDER_HOLD_MINUTES", "15",
        "unpaid online orders are cancelled after this, releasing their stock"},
       int_in(&Config::order_hold_minutes, 1, 10080)},
      {{"CREMA_KITCHEN_PARALLELISM", "2",
        "how many orders the kitchen prepares at once, for estimated_time"},
       int_in(&Config::kitchen_parallelism, 1, 1000)},
      {{"CREMA_RETENTION_DAYS_GUEST_PII", "365",
        "days after an order placed without an account (guest, API key, walk-in) ends before "
        "its contact details are cleared (0: never)"},
       int_in(&Config::retention_days_guest_pii, 0, 36500)},
      {{"CREMA_RETENTION_DAYS_NOTIFICATIONS", "90",
        "days sent or failed notifications and webhook deliveries (with their attempts) are "
        "kept (0: never deleted)"},
       int_in(&Config::retention_days_notifications, 0, 36500)},
      {{"CREMA_WS_PER_USER", "10",
        "WebSockets one user may hold at once (on every instance together with Redis); one "
        "more closes the oldest (4002)"},
       int_in(&Config::ws_per_user, 1, 1000000)},
      {{"CREMA_SLOT_MINUTES", "15",
        "length of a slot of scheduled orders; each takes max_orders_per_slot (settings)"},
       int_in(&Config::slot_minutes, 1, 1440)},
      {{"CREMA_MAX_SCHEDULE_DAYS", "7", "how many days ahead an order may be scheduled"},
       int_in(&Config::max_schedule_days, 1, 365)},
      {{"CREMA_S3_ENDPOINT", "(none)",
        "S3-compatible object store for images (instead of "
        "CREMA_MEDIA_DIR)"},
       url_with(&Config::s3_endpoint, {"http://", "https://"})},
      {{"CREMA_S3_BUCKET", "(none)", "bucket of the object store"}, text(&Config::s3_bucket)},
      {{"CREMA_S3_REGION", "(none)", "region of the object store"}, text(&Config::s3_region)},
      {{"CREMA_S3_ACCESS_KEY", "(none)", "access key of the object store"},
       text(&Config::s3_access_key)},
      {{"CREMA_S3_SECRET_KEY", "(none)", "secret key of the object store"},
       text(&Config::s3_secret_key)},
      {{"CREMA_BACKUP_DIR", "(none)", "when set, a daily backup is written there"},
       text(&Config::backup_dir)},
      {{"CREMA_BACKUP_KEEP", "14", "how many daily backups to keep"},
       int_in(&Config::backup_keep, 1, 3650)},
      {{"CREMA_SENTRY_DSN", "(none)", "errors are reported to this Sentry-compatible endpoint"},
       url_with(&Config::sentry_dsn, {"http://", "https://"})},
      {{"CREMA_OTLP_ENDPOINT", "(none)",
        "OTLP/HTTP collector (Jaeger, OpenTelemetry Collector): spans of requests, transactions, "
        "outbound calls and outbox deliveries are sent to its /v1/traces"},
       url_with(&Config::otlp_endpoint, {"http://", "https://"})},
      {{"CREMA_SMTP_URL", "(none)",
        "smtp://user:pass@host:587 (STARTTLS) or smtps://…; email "
        "channel"},
       url_with(&Config::smtp_url, {"smtp://", "smtps://"})},
      {{"CREMA_SMTP_FROM", "(none)", "sender address of emails"}, text(&Config::smtp_from)},
      {{"CREMA_SMS_URL", "(none)",
        "HTTP SMS provider speaking the Twilio Messages format, credentials in the URL"},
       url_with(&Config::sms_url, {"http://", "https://"})},
      {{"CREMA_SMS_FROM", "(none)", "sender number (or messaging service) of SMS, sent as From"},
       text(&Config::sms_from)},
      {{"CREMA_SMTP_CA_FILE", "(none)",
        "PEM bundle of CAs to trust for the SMTP server (a private relay); default: the "
        "system's"},
       text(&Config::smtp_ca_file)},
      {{"CREMA_TEMPLATES_DIR", "(none: built-in)",
        "directory of notification templates (TYPE.subject, TYPE.txt, TYPE.html, TYPE.sms) "
        "replacing the built-in ones; read at each message"},
       text(&Config::templates_dir)},
      {{"CREMA_OUTBOX_WORKERS", "1",
        "outbox worker threads in crema serve (0: none; run crema worker instead)"},
       int_in(&Config::outbox_workers, 0, 64)},
      {{"CREMA_OUTBOX_POLL_MS", "1000", "how often idle outbox workers look for due messages"},
       int_in(&Config::outbox_poll_ms, 10, 60000)},
      {{"CREMA_OUTBOX_BACKOFF_MS", "30000",
        "wait after a message's first failed try; doubled each try (with jitter, capped at "
        "an hour); failed after 8 tries"},
       int_in(&Config::outbox_backoff_ms, 10, 3600000)},
      {{"CREMA_OUTBOX_LEASE_SECONDS", "300",
        "how long a worker holds a claimed message; a killed worker's messages are sent again "
        "after it"},
       int_in(&Config::outbox_lease_seconds, 1, 86400)},
      {{"CREMA_STRIPE_API_BASE", "https://api.stripe.com", "Stripe API base URL"},
       url_with(&Config::stripe_api_base, {"http://", "https://"})},
      {{"CREMA_STRIPE_SECRET_KEY", "(none)", "Stripe secret key"},
       text(&Config::stripe_secret_key)},
      {{"CREMA_STRIPE_WEBHOOK_SECRET", "(none)", "Stripe webhook signing secret"},
       text(&Config::stripe_webhook_secret)},
      {{"CREMA_STRIPE_API_VERSION", "2024-06-20",
        "Stripe-Version sent with every Stripe call (the API version the adapter is written "
        "against; docs/PAYMENTS.md)"},
       stripe_version(&Config::stripe_api_version)},
      {{"CREMA_PAYPAL_API_BASE", "https://api-m.paypal.com", "PayPal API base URL"},
       url_with(&Config::paypal_api_base, {"http://", "https://"})},
      {{"CREMA_PAYPAL_CLIENT_ID", "(none)", "PayPal OAuth client id"},
       text(&Config::paypal_client_id)},
      {{"CREMA_PAYPAL_SECRET", "(none)", "PayPal OAuth secret"}, text(&Config::paypal_secret)},
      {{"CREMA_PAYPAL_WEBHOOK_ID", "(none)", "PayPal webhook id, for signature verification"},
       text(&Config::paypal_webhook_id)},
      {{"CREMA_LOCAL_GATEWAY_URL", "(none)", "base URL of the regional redirect gateway"},
       url_with(&Config::local_gateway_url, {"http://", "https://"})},
      {{"CREMA_LOCAL_GATEWAY_SECRET", "(none)",
        "HMAC secret of the regional gateway's "
        "callbacks"},
       text(&Config::local_gateway_secret)},
      {{"CREMA_ALLOW_PRIVATE_WEBHOOKS", "0",
        "1: partner webhooks may point at private, loopback and other non-public addresses "
        "(tests, private networks)"},
       flag(&Config::allow_private_webhooks)},
      {{"CREMA_METRICS_TOKEN", "(none)",
        "GET /metrics needs Authorization: Bearer <this token> (at least 16 characters)"},
       apply_metrics_token},
      {{"CREMA_METRICS_LISTEN", "(none)",
        "host:port of a second listener that alone serves /metrics (the public one answers "
        "404 for it); production needs this or CREMA_METRICS_TOKEN"},
       apply_metrics_listen},
      {{"CREMA_SESSION_MAX_DAYS", "30",
        "a session (its refresh tokens) ends this many days after the sign-in, however often "
        "it is refreshed"},
       int_in(&Config::session_max_days, 1, 365)},
      {{"CREMA_PUBLIC_URL", "(development: http://localhost:8080)",
        "the shop's address as customers reach it; links in password reset and email "
        "verification mails start with it; required in production"},
       apply_public_url},
      {{"CREMA_PASSWORD_RESET_MINUTES", "30", "how long a password reset link works"},
       int_in(&Config::password_reset_minutes, 5, 1440)},
      {{"CREMA_DATA_DIR", "./var", "where development secrets are generated and kept"},
       [](std::string_view s, Config& c) { return apply_nonempty_path(&Config::data_dir, s, c); }},
      {{"CREMA_LOG_LEVEL", "info", "debug, info, warn or error (info logs every request)"},
       apply_log_level},
      {{"CREMA_AUTO_MIGRATE", "1",
        "0: serve does not apply migrations at start (run crema "
        "migrate)"},
       flag(&Config::auto_migrate)},
      {{"CREMA_DURABILITY", "normal",
        "SQLite synchronous mode: normal (WAL, safe against crashes of the process) or full "
        "(also against power loss)"},
       apply_durability},
      {{"CREMA_DB_POOL_SIZE", "8",
        "database connections (SQLite: readers besides the one "
        "writer) and blocking worker threads"},
       int_in(&Config::db_pool_size, 1, 256)},
      {{"CREMA_REQUEST_TIMEOUT_SECONDS", "10",
        "deadline for reading a request's headers, and for each body read and response write; "
        "idle keep-alive connections are closed after it"},
       int_in(&Config::request_timeout_seconds, 1, 3600)},
      {{"CREMA_SHUTDOWN_GRACE_SECONDS", "20",
        "on SIGTERM, how long in-flight requests may take to finish"},
       int_in(&Config::shutdown_grace_seconds, 0, 600)},
  };
  return kTable;
}

}  // namespace

std::span<const SettingInfo> settings() {
  static const std::vector<SettingInfo> kInfos = [] {
    std::vector<SettingInfo> v;
    for (const auto& s : table()) v.push_back(s.info);
    return v;
  }();
  return kInfos;
}

std::string flag_name(std::string_view env_name) {
  std::string out;
  auto name = env_name.substr(std::string_view("CREMA_").size());
  out.reserve(name.size());
  for (char ch : name) out.push_back(ch == '_' ? '-' : static_cast<char>(ch | 0x20));
  return out;
}

LoadResult load_config(const std::map<std::string, std::string>& env,
                       const std::map<std::string, std::string>& overrides,
                       unsigned hardware_threads) {
  LoadResult out;
  Config c;
  c.threads = static_cast<int>(std::clamp(hardware_threads, 1u, 256u));

  for (const auto& entry : env) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 (the fuzz
                                            // build) cannot capture one in the lambda below
    if (name.rfind("CREMA_", 0) != 0) continue;
    bool known = std::any_of(table().begin(), table().end(),
                             [&](const Setting& s) { return s.info.name == name; });
    if (!known) out.warnings.push_back("unknown setting " + name + " is ignored");
  }

  for (const auto& s : table()) {
    const std::string key(s.info.name);
    const std::string* value = nullptr;
    if (auto it = overrides.find(key); it != overrides.end()) {
      value = &it->second;
    } else if (auto jt = env.find(key); jt != env.end()) {
      value = &jt->second;
    }
    if (!value) continue;
    if (auto why = s.apply(*value, c)) {
      std::string shown = *value;
      const bool secret =
          key.find("SECRET") != std::string::npos || key.find("KEY") != std::string::npos ||
          key.find("DSN") != std::string::npos || key.find("TOKEN") != std::string::npos ||
          key.find("PASSWORD") != std::string::npos;
      if (secret) shown = "…";
      // A URL's password never appears (CREMA_DATABASE_URL, CREMA_REDIS_URL, …).
      if (key.ends_with("_URL")) shown = util::mask_url_password(shown);
      if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
      out.error = key + " " + *why + " (got \"" + shown + "\")";
      return out;
    }
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    out.error = c.tls_cert.empty() ? "CREMA_TLS_CERT must be set together with CREMA_TLS_KEY"
                                   : "CREMA_TLS_KEY must be set together with CREMA_TLS_CERT";
    return out;
  }
  out.config = std::move(c);
  return out;
}

namespace {

// Words that mark a value as the example it was copied from (deploy/k8s's sample secret,
// documentation), compared without regard to case.
bool placeholder(std::string_view value) {
  std::string lower(value);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view word : {"change-me", "changeme", "change_me", "replace-me", "replaceme",
                                "replace_me", "placeholder", "example", "xxxxxxxx"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

// An estimate of the entropy of a secret in bits: its length times the Shannon entropy of
// its own character frequencies. A random 32-byte key written in hex or base64 has more
// than 200; a word repeated, a run of one character or a keyboard walk has far less.
double estimated_bits(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char ch : s) ++counts[ch];
  double bits = 0;
  for (int n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(s.size());
    bits -= p * std::log2(p);
  }
  return bits * static_cast<double>(s.size());
}

int distinct_key_bytes(std::string_view hex) {
  std::array<bool, 256> seen{};
  int distinct = 0;
  auto nibble = [](char ch) { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int b = nibble(hex[i]) * 16 + nibble(hex[i + 1]);
    if (!seen[static_cast<std::size_t>(b)]) {
      seen[static_cast<std::size_t>(b)] = true;
      ++distinct;
    }
  }
  return distinct;
}

}  // namespace

std::optional<std::string> check_production(const Config& c) {
  if (!c.production()) return std::nullopt;
  if (!c.tls() && c.trusted_proxies.empty())
    return "CREMA_ENV=production needs TLS (CREMA_TLS_CERT/CREMA_TLS_KEY) or a trusted proxy "
           "that terminates it (CREMA_TRUSTED_PROXY)";
  if (c.jwt_secret.empty()) return "CREMA_JWT_SECRET must be set in production (at least 32 bytes)";
  if (placeholder(c.jwt_secret))
    return "CREMA_JWT_SECRET is a placeholder from an example; set a random value "
           "(openssl rand -base64 48)";
  if (estimated_bits(c.jwt_secret) < 128)
    return "CREMA_JWT_SECRET is too predictable (repeated or patterned characters); set a random "
           "value (openssl rand -base64 48)";
  if (c.data_key_hex.empty())
    return "CREMA_DATA_KEY must be set in production (64 hexadecimal digits)";
  if (distinct_key_bytes(c.data_key_hex) < 20)
    return "CREMA_DATA_KEY is a placeholder or not random (a random key has about 30 different "
           "bytes of its 32); set one from openssl rand -hex 32";
  if (c.metrics_token.empty() && c.metrics_listen_host.empty())
    return "CREMA_ENV=production needs CREMA_METRICS_TOKEN or CREMA_METRICS_LISTEN: /metrics is "
           "not for the public";
  if (!c.metrics_token.empty() &&
      (placeholder(c.metrics_token) || estimated_bits(c.metrics_token) < 64))
    return "CREMA_METRICS_TOKEN is a placeholder or too predictable; set a random value "
           "(openssl rand -hex 24)";
  if (placeholder(util::url_password(c.database_url)))
    return "CREMA_DATABASE_URL's password is a placeholder from an example; set the real one";
  if (placeholder(util::url_password(c.redis_url)))
    return "CREMA_REDIS_URL's password is a placeholder from an example; set the real one";
  if (c.public_url.empty())
    return "CREMA_PUBLIC_URL must be set in production (the shop's address, e.g. "
           "https://shop.example): the links of password reset and verification mails use it";
  return std::nullopt;
}

std::map<std::string, std::string> environment_map() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

}  // namespace crema::app
